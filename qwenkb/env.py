"""Reading settings from the environment (qwenkb/settings.py, qwenkb/server.py).

A value that cannot be used stops the process with an error that names the variable and
says what it must be: never a guess, never a bare ``ValueError`` from ``int("ten")``.
An unset or empty variable takes its default.
"""

import ipaddress
import math
import os
import re
from collections.abc import Mapping, Sequence

from django.core.exceptions import ImproperlyConfigured

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")  # LOG_LEVEL, app and server


SHOWN_CHARACTERS = 60  # of a wrong value, in its error: enough to recognise it


def _shown(raw: str) -> str:
    """A wrong value as its error quotes it: whole when short, else its start and its length
    (a pasted file, say, would bury the sentence saying what the variable must be)."""
    if len(raw) <= SHOWN_CHARACTERS:
        return repr(raw)
    return f"{raw[:SHOWN_CHARACTERS]!r}\u2026 ({len(raw):,} characters)"


def _given(name: str, environ: Mapping[str, str]) -> str | None:
    raw = environ.get(name)
    return None if raw is None or raw.strip() == "" else raw


def env_bool(name: str, default: bool, environ: Mapping[str, str] = os.environ) -> bool:
    """A yes/no variable: 1/0, true/false, yes/no or on/off."""
    raw = _given(name, environ)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0, true/false, yes/no, on/off; got {_shown(raw)}."
    )


def env_list(name: str, default: str, environ: Mapping[str, str] = os.environ) -> list[str]:
    """A comma-separated variable, its items stripped, empty items left out."""
    return [item.strip() for item in environ.get(name, default).split(",") if item.strip()]


def env_number(
    name: str,
    default: float,
    *,
    whole: bool = True,
    minimum: float = 0,
    maximum: float | None = None,
    environ: Mapping[str, str] = os.environ,
):
    """A number variable (a whole number unless ``whole`` is false) within its bounds."""
    raw = _given(name, environ)
    if raw is None:
        return default
    kind = "a whole number" if whole else "a number"
    try:
        value = int(raw.strip()) if whole else float(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be {kind}; got {_shown(raw)}.") from None
    too_big = maximum is not None and value > maximum
    if not math.isfinite(value) or value < minimum or too_big:
        bounds = (
            f"from {minimum:g} to {maximum:g}" if maximum is not None else f"{minimum:g} or more"
        )
        raise ImproperlyConfigured(f"{name} must be {kind} {bounds}; got {_shown(raw)}.")
    return value


def env_choice(
    name: str, default: str, choices: Sequence[str], environ: Mapping[str, str] = os.environ
) -> str:
    """One of ``choices`` (compared without case), as the choice is spelled."""
    raw = _given(name, environ)
    if raw is None:
        return default
    for choice in choices:
        if raw.strip().lower() == choice.lower():
            return choice
    raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}; got {_shown(raw)}.")


_RATE = re.compile(r"[1-9][0-9]*/(s|second|m|minute|h|hour|d|day)")


def env_rate(name: str, default: str, environ: Mapping[str, str] = os.environ) -> str:
    """A rate limit as Django REST framework reads it: requests per period, "120/minute"."""
    raw = _given(name, environ)
    if raw is None:
        return default
    if not _RATE.fullmatch(raw.strip()):
        raise ImproperlyConfigured(
            f"{name} must be requests per second, minute, hour or day, e.g. 120/minute; "
            f"got {_shown(raw)}."
        )
    return raw.strip()


def env_networks(name: str, default: str, environ: Mapping[str, str] = os.environ) -> list[str]:
    """Comma-separated IP networks (CIDR: 10.0.0.0/8, ::1/128) or single addresses."""
    networks = env_list(name, default, environ)
    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} must be comma-separated networks such as 10.0.0.0/8; "
                f"{_shown(network)} is not one."
            ) from None
    return networks

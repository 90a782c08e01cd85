"""Django choices derived from enumerations declared once in plain Python."""

import enum
from typing import Any

from django.db import models


def text_choices(declared: type[enum.StrEnum], labels: dict[Any, str] | None = None) -> Any:
    """Django ``TextChoices`` of ``declared``: the same names and stored strings.

    A member's label is its stored string in words ("more_than": "more than") unless
    ``labels`` gives it one. Typed ``Any``: django-stubs does not model the functional enum
    API, so without it every ``ValueType.QUANTITY`` would be an error to mypy while being a
    plain member at run time.
    """
    labels = labels or {}
    members = [(m.name, (m.value, labels.get(m, m.value.replace("_", " ")))) for m in declared]
    return models.TextChoices(declared.__name__, members)  # type: ignore[call-overload]

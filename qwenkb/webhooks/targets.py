"""Where deliveries may go: http(s) URLs whose host resolves only to public addresses.

A webhook makes the server send requests to a URL an editor typed, so an endpoint must not
reach what only the server can (server-side request forgery): the loopback interface, the
private network, link-local addresses (cloud metadata at 169.254.169.254), multicast,
reserved or unspecified ones. The URL is checked when an endpoint is registered (admin and
API: a 400 naming ``url``) and its host resolved and checked again before every delivery,
whose connection then goes to the very address checked (a name that resolves elsewhere
later, DNS rebinding, gains nothing). ``WEBHOOK_ALLOW_PRIVATE_NETWORKS`` lifts the address
check only (tests and local set-ups delivering to 127.0.0.1); the URL's form is always checked.
"""

import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

import idna
from django.conf import settings
from django.core.exceptions import ValidationError

MAX_LENGTH = 500  # Endpoint.url's column
LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# What may stay unescaped in a path or query (RFC 3986's reserved and unreserved characters).
SAFE = "/:@!$&'()*+,;=-._~%?"


class RefusedTarget(ValueError):
    """A URL or address deliveries may not go to; the message says why."""


@dataclass(frozen=True)
class Target:
    """A checked URL, split as a connection needs it (the host in ASCII)."""

    url: str
    scheme: str
    host: str
    port: int
    path: str  # with the query


def target_parse(url: str) -> Target:
    """Check the URL's form; returns it normalised (host in IDNA ASCII, path escaped)."""
    if not isinstance(url, str) or not url:
        raise RefusedTarget("Give the endpoint's URL.")
    if len(url) > MAX_LENGTH:
        raise RefusedTarget(f"The URL has {len(url):,} characters; at most {MAX_LENGTH}.")
    if any(ord(c) < 33 or ord(c) == 127 for c in url):
        raise RefusedTarget("The URL contains a space or a control character.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise RefusedTarget(f"The URL cannot be read: {error}.") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise RefusedTarget("Only http:// and https:// URLs receive webhooks.")
    if "@" in parts.netloc:
        raise RefusedTarget(
            "The URL may not carry a user name or password; the signature authenticates deliveries."
        )
    host = _host(parts.hostname or "")
    port = port or (443 if scheme == "https" else 80)
    if PERCENT.search(parts.path + parts.query):
        raise RefusedTarget("A % in the URL must begin an escape such as %20.")
    path = quote(parts.path or "/", safe=SAFE)
    query = quote(parts.query, safe=SAFE)
    netloc = f"[{host}]" if ":" in host else host
    if parts.port is not None:
        netloc += f":{parts.port}"
    normalised = urlunsplit((scheme, netloc, path, query, ""))
    if len(normalised) > MAX_LENGTH:
        raise RefusedTarget(f"Written in ASCII the URL is over {MAX_LENGTH} characters.")
    return Target(normalised, scheme, host, port, path + (f"?{query}" if query else ""))


def _host(host: str) -> str:
    """The host in ASCII: an IP address as written, a name in IDNA (punycode)."""
    if not host:
        raise RefusedTarget("The URL has no host.")
    if "%" in host:
        raise RefusedTarget("The host may not contain %.")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    try:
        ascii_host = idna.encode(host.rstrip("."), uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError) as error:
        raise RefusedTarget(f"“{host}” is not a valid host name ({error}).") from None
    labels = ascii_host.split(".")
    if len(ascii_host) > 253 or not all(LABEL.match(label) for label in labels):
        raise RefusedTarget(f"“{host}” is not a valid host name.")
    return ascii_host


def address_refusal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why deliveries may not go to ``address`` (None: they may)."""
    if isinstance(address, ipaddress.IPv6Address):
        # An IPv4 address carried in IPv6 (mapped, 6to4, Teredo) is judged as itself.
        inner = address.ipv4_mapped or address.sixtofour or (address.teredo or (None, None))[1]
        if inner is not None:
            return address_refusal(inner)
    for name in ("unspecified", "loopback", "link_local", "multicast", "reserved", "private"):
        if getattr(address, f"is_{name}"):
            return f"a {name.replace('_', '-')} address"
    if not address.is_global:
        return "an address that is not publicly routable"
    return None


def target_addresses(target: Target) -> list[str]:
    """The addresses ``target``'s host resolves to, all of them allowed; RefusedTarget if one
    is not (a name resolving to a public and a private address is refused), OSError when the
    name does not resolve."""
    infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise OSError(f"{target.host} has no address")
    if settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS:
        return addresses
    for address in addresses:
        refusal = address_refusal(ipaddress.ip_address(address.split("%")[0]))
        if refusal is not None:
            shown = address if target.host == address else f"{target.host} resolves to {address}"
            raise RefusedTarget(
                f"{shown}: {refusal}. Webhooks go to public addresses only "
                "(WEBHOOK_ALLOW_PRIVATE_NETWORKS allows others)."
            )
    return addresses


def target_check(url: str) -> str:
    """The normalised URL if an endpoint may be registered there; else a ValidationError
    naming ``url``. The host must resolve, to allowed addresses only."""
    try:
        target = target_parse(url)
        target_addresses(target)
    except RefusedTarget as error:
        raise ValidationError({"url": str(error)}) from None
    except (OSError, UnicodeError) as error:
        raise ValidationError({"url": f"The host of the URL does not resolve ({error})."}) from None
    return target.url

"""Signing deliveries: HMAC SHA-256 over the timestamp and the body, with the endpoint's secret.

A receiver recomputes ``sha256=HEX(HMAC(secret, f"{timestamp}.{body}"))``, compares it with
``X-QwenKB-Signature`` in constant time, and refuses a ``X-QwenKB-Timestamp`` older than a few
minutes, so a captured delivery cannot be replayed later.
"""

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-QwenKB-Signature"
TIMESTAMP_HEADER = "X-QwenKB-Timestamp"
EVENT_HEADER = "X-QwenKB-Event"
DELIVERY_HEADER = "X-QwenKB-Delivery"
TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value for a body sent at ``timestamp`` (Unix seconds)."""
    message = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(
    secret: str,
    timestamp: str,
    body: bytes,
    given: str,
    *,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> bool:
    """Whether a delivery is authentic and recent (what a receiver should check)."""
    try:
        sent = int(timestamp)
    except (TypeError, ValueError):
        return False
    now = time.time() if now is None else now
    if abs(now - sent) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, sent, body), given or "")

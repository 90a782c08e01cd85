"""Delivering webhooks: signed POSTs, retried with growing delays until they are accepted.

One delivery is one task (``deliver``); the many deliveries of a rescan or an import go a
batch to a task (``deliver_batch``), so a million events are not a million task messages.
Each POST goes to an address the host resolved to just then and that ``targets`` allows;
redirects are not followed (a 3xx is an answer like any other non-2xx: retried).
"""

import http.client
import logging
import socket
import ssl
import time
from dataclasses import dataclass

import orjson
from celery import shared_task
from django.utils import timezone

from qwenkb.webhooks import signing, targets
from qwenkb.webhooks.models import Delivery, DeliveryStatus

logger = logging.getLogger(__name__)

RETRY_DELAYS = (10, 60, 300, 1800, 3600, 3600)  # seconds before each retry: about 2.5 hours
TIMEOUT_SECONDS = 10


def retry_delay(retries_so_far: int) -> int:
    """How long to wait before the next try, after ``retries_so_far`` retries."""
    return RETRY_DELAYS[min(retries_so_far, len(RETRY_DELAYS) - 1)]


@dataclass(frozen=True)
class Outcome:
    """One try's result: the answer's status (None without one), what went wrong, and whether
    the endpoint's address is refused (no retry then)."""

    code: int | None
    error: str = ""
    refused: bool = False


class _Pinned:
    """A connection to one of the addresses already checked, whatever the name resolves to now;
    TLS still verifies the certificate against the host name."""

    addresses: list[str]

    def _socket(self):
        error: OSError = OSError("no address")
        for address in self.addresses:
            try:
                return socket.create_connection(
                    (address, self.port), self.timeout, self.source_address
                )
            except OSError as failed:
                error = failed
        raise error


class PinnedHTTPConnection(_Pinned, http.client.HTTPConnection):
    def __init__(self, host, port, addresses, **kwargs):
        super().__init__(host, port, **kwargs)
        self.addresses = addresses

    def connect(self):
        self.sock = self._socket()


class PinnedHTTPSConnection(_Pinned, http.client.HTTPSConnection):
    def __init__(self, host, port, addresses, **kwargs):
        self.tls = ssl.create_default_context()
        super().__init__(host, port, context=self.tls, **kwargs)
        self.addresses = addresses

    def connect(self):
        self.sock = self.tls.wrap_socket(self._socket(), server_hostname=self.host)


def post(delivery: Delivery) -> Outcome:
    """Send a delivery once, to an allowed address of its endpoint's host."""
    try:
        target = targets.target_parse(delivery.endpoint.url)
        addresses = targets.target_addresses(target)
    except targets.RefusedTarget as error:
        return Outcome(None, f"Refused: {error}", refused=True)
    except (OSError, UnicodeError) as error:
        return Outcome(None, f"{type(error).__name__}: {error}")
    body = orjson.dumps(delivery.payload)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "QwenKB-Webhooks/1",
        signing.EVENT_HEADER: delivery.event,
        signing.DELIVERY_HEADER: str(delivery.uuid),
        signing.TIMESTAMP_HEADER: str(timestamp),
        signing.SIGNATURE_HEADER: signing.signature(delivery.endpoint.secret, timestamp, body),
    }
    connection_class = PinnedHTTPSConnection if target.scheme == "https" else PinnedHTTPConnection
    connection = connection_class(target.host, target.port, addresses, timeout=TIMEOUT_SECONDS)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(65536)
        code = response.status
    except (OSError, http.client.HTTPException, ValueError) as error:
        return Outcome(None, f"{type(error).__name__}: {error}")
    finally:
        connection.close()
    return Outcome(code, "" if 200 <= code < 300 else f"HTTP {code}")


def attempt(delivery: Delivery, *, last: bool) -> Outcome:
    """Try a delivery once and record the outcome: delivered on a 2xx; failed when its address
    is refused or this was the last try; otherwise still pending."""
    outcome = post(delivery)
    delivery.attempts += 1
    delivery.response_code = outcome.code
    delivery.error = outcome.error
    delivery.last_attempt_at = timezone.now()
    if outcome.code is not None and 200 <= outcome.code < 300:
        delivery.status, delivery.delivered_at = DeliveryStatus.DELIVERED, delivery.last_attempt_at
    elif last or outcome.refused:
        delivery.status = DeliveryStatus.FAILED
    delivery.save()
    logger.info(
        "webhook %s to %s: attempt %s, %s",
        delivery.event,
        delivery.endpoint.url,
        delivery.attempts,
        outcome.code or outcome.error,
        extra={"delivery": str(delivery.uuid), "status": delivery.status},
    )
    return outcome


@shared_task(bind=True, max_retries=len(RETRY_DELAYS), acks_late=True)
def deliver(self, delivery_id: int) -> str:
    """Try a delivery; a 2xx answer delivers it, anything else is retried later."""
    delivery = Delivery.objects.select_related("endpoint").get(pk=delivery_id)
    if delivery.status != DeliveryStatus.PENDING:
        return delivery.status
    attempt(delivery, last=self.request.retries >= self.max_retries)
    if delivery.status == DeliveryStatus.PENDING:
        raise self.retry(countdown=retry_delay(self.request.retries))
    return delivery.status


@shared_task(bind=True, max_retries=len(RETRY_DELAYS), acks_late=True)
def deliver_batch(self, delivery_ids: list[int]) -> dict[str, int]:
    """Try a batch of deliveries in order; those still pending are retried later, together.

    An endpoint that gave no answer (refused connection, timeout) is not tried again in the
    same pass, so a receiver that is down costs one timeout per pass, not one per delivery;
    the last pass tries every delivery still pending.
    """
    last = self.request.retries >= self.max_retries
    deliveries = Delivery.objects.select_related("endpoint").filter(
        pk__in=delivery_ids, status=DeliveryStatus.PENDING
    )
    silent: set[int] = set()
    for delivery in deliveries.order_by("pk"):
        if delivery.endpoint_id in silent and not last:
            continue
        if attempt(delivery, last=last).code is None:
            silent.add(delivery.endpoint_id)
    pending = list(
        Delivery.objects.filter(pk__in=delivery_ids, status=DeliveryStatus.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if pending:
        raise self.retry(args=[pending], countdown=retry_delay(self.request.retries))
    return {"deliveries": len(delivery_ids)}

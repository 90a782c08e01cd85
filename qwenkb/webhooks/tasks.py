"""Delivering one webhook: a signed POST, retried with growing delays until it is accepted."""

import logging
import time
import urllib.error
import urllib.request

import orjson
from celery import shared_task
from django.utils import timezone

from qwenkb.webhooks import signing
from qwenkb.webhooks.models import Delivery, DeliveryStatus

logger = logging.getLogger(__name__)

RETRY_DELAYS = (10, 60, 300, 1800, 3600, 3600)  # seconds before each retry: about 2.5 hours
TIMEOUT_SECONDS = 10


def retry_delay(retries_so_far: int) -> int:
    """How long to wait before the next try, after ``retries_so_far`` retries."""
    return RETRY_DELAYS[min(retries_so_far, len(RETRY_DELAYS) - 1)]


def post(delivery: Delivery) -> tuple[int | None, str]:
    """Send a delivery once; its response code (None when there was none) and any error."""
    body = orjson.dumps(delivery.payload)
    timestamp = int(time.time())
    request = urllib.request.Request(
        delivery.endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "QwenKB-Webhooks/1",
            signing.EVENT_HEADER: delivery.event,
            signing.DELIVERY_HEADER: str(delivery.uuid),
            signing.TIMESTAMP_HEADER: str(timestamp),
            signing.SIGNATURE_HEADER: signing.signature(delivery.endpoint.secret, timestamp, body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status, ""
    except urllib.error.HTTPError as error:
        return error.code, f"HTTP {error.code}"
    except (OSError, ValueError) as error:
        return None, f"{type(error).__name__}: {error}"


@shared_task(bind=True, max_retries=len(RETRY_DELAYS), acks_late=True)
def deliver(self, delivery_id: int) -> str:
    """Try a delivery; a 2xx answer delivers it, anything else is retried later."""
    delivery = Delivery.objects.select_related("endpoint").get(pk=delivery_id)
    if delivery.status != DeliveryStatus.PENDING:
        return delivery.status
    code, error = post(delivery)
    delivery.attempts += 1
    delivery.response_code = code
    delivery.error = error
    delivery.last_attempt_at = timezone.now()
    if code is not None and 200 <= code < 300:
        delivery.status, delivery.delivered_at = DeliveryStatus.DELIVERED, delivery.last_attempt_at
    elif self.request.retries >= self.max_retries:
        delivery.status = DeliveryStatus.FAILED
    delivery.save()
    logger.info(
        "webhook %s to %s: attempt %s, %s",
        delivery.event,
        delivery.endpoint.url,
        delivery.attempts,
        code or error,
        extra={"delivery": str(delivery.uuid), "status": delivery.status},
    )
    if delivery.status == DeliveryStatus.PENDING:
        raise self.retry(countdown=retry_delay(self.request.retries))
    return delivery.status

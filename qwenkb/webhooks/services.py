"""Telling endpoints of events: one call from the service that made the change."""

import datetime
import logging

from django.db import transaction

from qwenkb.observability import request_id_var
from qwenkb.tasks import enqueue
from qwenkb.webhooks.models import Delivery, Endpoint, Event

logger = logging.getLogger(__name__)


def event_emit(*, event: Event, data: dict) -> None:
    """Deliver ``event`` to every active endpoint subscribed to it, once the write commits.

    Nothing happens in the caller's transaction: when it rolls back no event is sent, and
    nothing the deliveries do (even failing to be recorded) can fail or slow the write.
    """
    event = Event(event)
    created = datetime.datetime.now(datetime.UTC).isoformat()
    request_id = request_id_var.get()
    transaction.on_commit(lambda: _record(event, data, created, request_id), robust=True)


def _record(event: Event, data: dict, created: str, request_id: str) -> None:
    token = request_id_var.set(request_id)  # the deliveries' logs carry the write's request id
    try:
        _record_deliveries(event, data, created, request_id)
    finally:
        request_id_var.reset(token)


def _record_deliveries(event: Event, data: dict, created: str, request_id: str) -> None:
    from qwenkb.webhooks.tasks import deliver

    endpoints = [
        endpoint
        for endpoint in Endpoint.objects.filter(active=True)
        if event.value in endpoint.events
    ]
    for endpoint in endpoints:
        delivery = Delivery(endpoint=endpoint, event=event.value, request_id=request_id)
        delivery.payload = {
            "id": str(delivery.uuid),
            "event": event.value,
            "created": created,
            "data": data,
        }
        delivery.save()
        enqueue(deliver, delivery.pk)


def claim_data(claim) -> dict:
    """What an event says about a claim."""
    return {
        "claim": claim.pk,
        "status": claim.status,
        "subject": claim.subject_id,
        "metric": claim.metric_id,
        "value_text": claim.value_text,
        "source": claim.source_id,
    }


def contradiction_data(contradiction) -> dict:
    """What an event says about a contradiction."""
    return {
        "contradiction": contradiction.pk,
        "status": contradiction.status,
        "kind": contradiction.kind,
        "subject": contradiction.subject_id,
        "metric": contradiction.metric_id,
        "claims": [contradiction.claim_a_id, contradiction.claim_b_id],
        "preferred_claim": contradiction.preferred_claim_id,
    }

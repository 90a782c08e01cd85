"""Telling endpoints of events: one call from the service that made the change.

A write emits its few events one by one (``event_emit``: one delivery task each); a rescan or
an import emits many of one kind at once (``events_emit``): their deliveries are created in
bulk and sent ``BATCH`` to a task message (``deliver_batch``), so an import that accepts a
million claims sends a million deliveries but some two thousand messages per endpoint.
"""

import datetime
import logging
from collections.abc import Callable, Sequence

from django.db import transaction

from qwenkb.observability import request_id_var
from qwenkb.tasks import enqueue
from qwenkb.webhooks.models import Delivery, Endpoint, Event

logger = logging.getLogger(__name__)

BATCH = 500  # deliveries to one endpoint per task message, for events emitted in bulk


def subscribers(event: Event) -> list[Endpoint]:
    """The active endpoints that want ``event``."""
    return [e for e in Endpoint.objects.filter(active=True) if Event(event).value in e.events]


def subscribed(*events: Event) -> bool:
    """Whether any active endpoint wants one of ``events`` (a bulk writer asks before keeping
    what it would need to describe them)."""
    wanted = {Event(event).value for event in events}
    return any(wanted & set(e.events) for e in Endpoint.objects.filter(active=True))


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


def events_emit(
    *, event: Event, ids: Sequence[int], describe: Callable[[list[int]], list[dict]]
) -> None:
    """Deliver one ``event`` for each of ``ids`` to its subscribers, once the write commits.

    ``describe`` reads the events' data for a slice of ``ids`` (at most ``BATCH``), after the
    commit; it may leave some out (an id whose event no longer applies). Nothing is read in
    the caller's transaction, nor after it when no endpoint wants the event.
    """
    if not ids:
        return
    event = Event(event)
    created = datetime.datetime.now(datetime.UTC).isoformat()
    request_id = request_id_var.get()

    def record() -> None:
        token = request_id_var.set(request_id)
        try:
            _record_many(event, ids, describe, created, request_id)
        finally:
            request_id_var.reset(token)

    transaction.on_commit(record, robust=True)


def _record_many(event, ids, describe, created, request_id) -> None:
    from qwenkb.webhooks.tasks import deliver_batch

    endpoints = subscribers(event)
    if not endpoints:
        return
    for start in range(0, len(ids), BATCH):
        described = describe(list(ids[start : start + BATCH]))
        for endpoint in endpoints:
            deliveries = []
            for data in described:
                deliveries.append(_delivery(endpoint, event, data, created, request_id))
            if deliveries:
                Delivery.objects.bulk_create(deliveries)
                enqueue(deliver_batch, [delivery.pk for delivery in deliveries])


def _delivery(endpoint, event: Event, data: dict, created: str, request_id: str) -> Delivery:
    """One unsaved delivery of ``event`` to ``endpoint``; its payload's id is the delivery's."""
    delivery = Delivery(endpoint=endpoint, event=event.value, request_id=request_id)
    delivery.payload = {
        "id": str(delivery.uuid),
        "event": event.value,
        "created": created,
        "data": data,
    }
    return delivery


def _record_deliveries(event: Event, data: dict, created: str, request_id: str) -> None:
    from qwenkb.webhooks.tasks import deliver

    for endpoint in subscribers(event):
        delivery = _delivery(endpoint, event, data, created, request_id)
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

"""The curation events webhooks announce, one call each from the code that causes them: the
services (a write), detection's rescan and the bulk import.

Every event leaves after the write commits (``qwenkb.webhooks.services``); whatever must be
read to describe it is read then too, so a write runs no extra query for its webhooks.

A rescan or an import emits what the same changes made one write at a time would:
``contradiction.opened`` for every record it creates or reopens; an import also
``claim.accepted`` for each claim it adds as accepted, and ``contradiction.confirmed`` for each
record it opens between two accepted claims (as ``claim_create`` of an accepted claim does).
A record a rescan closes (its claims no longer disagree) has no event, as with a write.
These go in bulk: one delivery per event and endpoint, ``BATCH`` deliveries a task message.
"""

from django.db import transaction
from django.db.models import Q

from claims.choices import ClaimStatus, ContradictionStatus
from claims.models import Claim, Contradiction
from qwenkb.webhooks.models import Event
from qwenkb.webhooks.services import (
    claim_data,
    contradiction_data,
    event_emit,
    events_emit,
    subscribed,
)


def claim_written(claim, opened, *, accepted: bool) -> None:
    """A claim was created or changed: the contradictions it opened; its acceptance, if it was
    accepted, with the open contradictions that acceptance confirmed (both sides accepted)."""
    for contradiction in opened:
        event_emit(event=Event.CONTRADICTION_OPENED, data=contradiction_data(contradiction))
    if accepted:
        event_emit(event=Event.CLAIM_ACCEPTED, data=claim_data(claim))
        transaction.on_commit(lambda: _confirmed(claim.pk), robust=True)


def _confirmed(claim_id: int) -> None:
    confirmed = Contradiction.objects.filter(
        Q(claim_a_id=claim_id, claim_b__status=ClaimStatus.ACCEPTED)
        | Q(claim_b_id=claim_id, claim_a__status=ClaimStatus.ACCEPTED),
        status=ContradictionStatus.OPEN,
    )
    for contradiction in confirmed:
        event_emit(event=Event.CONTRADICTION_CONFIRMED, data=contradiction_data(contradiction))


def contradiction_settled(contradiction) -> None:
    """A contradiction was resolved or dismissed."""
    event = {
        ContradictionStatus.RESOLVED: Event.CONTRADICTION_RESOLVED,
        ContradictionStatus.DISMISSED: Event.CONTRADICTION_DISMISSED,
    }[contradiction.status]
    event_emit(event=event, data=contradiction_data(contradiction))


def contradictions_opened(ids: list[int]) -> None:
    """Records a rescan created or reopened (in bulk)."""
    events_emit(event=Event.CONTRADICTION_OPENED, ids=ids, describe=_contradictions)


def import_announces() -> bool:
    """Whether an import should keep the ids of the claims it adds: someone wants the events
    its accepted claims cause (checked once, when it starts)."""
    return subscribed(Event.CLAIM_ACCEPTED, Event.CONTRADICTION_CONFIRMED)


def claims_imported(claim_ids, opened_ids: list[int]) -> None:
    """Claims an import added (those accepted are announced) and the records its detection
    opened (those between two accepted claims are confirmed), in bulk."""
    events_emit(event=Event.CLAIM_ACCEPTED, ids=claim_ids, describe=_accepted_claims)
    events_emit(event=Event.CONTRADICTION_CONFIRMED, ids=opened_ids, describe=_confirmed_records)


def _contradictions(ids: list[int]) -> list[dict]:
    return [contradiction_data(c) for c in Contradiction.objects.filter(pk__in=ids).order_by("pk")]


def _accepted_claims(ids: list[int]) -> list[dict]:
    claims = Claim.objects.filter(pk__in=ids, status=ClaimStatus.ACCEPTED).order_by("pk")
    return [claim_data(claim) for claim in claims]


def _confirmed_records(ids: list[int]) -> list[dict]:
    records = Contradiction.objects.filter(
        pk__in=ids,
        status=ContradictionStatus.OPEN,
        claim_a__status=ClaimStatus.ACCEPTED,
        claim_b__status=ClaimStatus.ACCEPTED,
    ).order_by("pk")
    return [contradiction_data(record) for record in records]

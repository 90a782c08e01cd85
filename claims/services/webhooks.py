"""The curation events webhooks announce, one call each from the services that cause them.

Every event leaves after the write commits (``qwenkb.webhooks.services.event_emit``); whatever
must be read to describe it is read then too, so a write runs no extra query for its webhooks.
"""

from django.db import transaction
from django.db.models import Q

from claims.choices import ClaimStatus, ContradictionStatus
from claims.models import Contradiction
from qwenkb.webhooks.models import Event
from qwenkb.webhooks.services import claim_data, contradiction_data, event_emit


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

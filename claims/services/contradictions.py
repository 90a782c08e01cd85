"""Settling contradictions: resolve by preferring one claim, or dismiss."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from claims import events
from claims.choices import ClaimStatus, ContradictionStatus
from claims.models import Claim, Contradiction
from claims.services.claims import claim_prefer_settle, require_review
from qwenkb.history import stamp


def _settle_check(contradiction: Contradiction, note: str, user) -> None:
    require_review(user, "resolve or dismiss contradictions")
    if not (note or "").strip():
        raise ValidationError({"note": "Say why, in a note: it is kept with the decision."})
    if contradiction.status != ContradictionStatus.OPEN:
        raise ValidationError(
            {
                "status": f"This contradiction is {contradiction.status}; only open ones can be settled."
            }
        )


@transaction.atomic
def contradiction_resolve(
    *, contradiction: Contradiction, preferred_claim: Claim, note: str, user=None
) -> Contradiction:
    """Settle a contradiction by preferring one claim, in one step: the preferred claim wins
    every open contradiction of its group, and the claims it wins over are deprecated."""
    contradiction = Contradiction.objects.select_for_update().get(pk=contradiction.pk)
    _settle_check(contradiction, note, user)
    if preferred_claim.pk not in (contradiction.claim_a_id, contradiction.claim_b_id):
        raise ValidationError(
            {"preferred_claim": "The preferred claim must be one of the two claims in conflict."}
        )
    preferred = Claim.objects.select_for_update().get(pk=preferred_claim.pk)
    if preferred.status == ClaimStatus.REJECTED:
        raise ValidationError({"preferred_claim": "A rejected claim cannot be preferred."})
    claim_prefer_settle(claim=preferred, note=note.strip(), user=user)
    contradiction.refresh_from_db()
    events.contradiction_settled(contradiction)
    return contradiction


@transaction.atomic
def contradiction_dismiss(*, contradiction: Contradiction, note: str, user=None) -> Contradiction:
    """Dismiss a contradiction as not a real conflict; it stays dismissed unless a value changes."""
    contradiction = Contradiction.objects.select_for_update().get(pk=contradiction.pk)
    _settle_check(contradiction, note, user)
    contradiction.status = ContradictionStatus.DISMISSED
    contradiction.resolution_note = note.strip()
    contradiction.resolved_by = user if user is not None and user.is_authenticated else None
    contradiction.resolved_at = timezone.now()
    stamp(contradiction, user=user, reason=f"Dismissed: {note.strip()}")
    contradiction.save()
    events.contradiction_settled(contradiction)
    return contradiction

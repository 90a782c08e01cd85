"""The JSON answer of ``POST /api/sources/{id}/extract/``: proposals, candidates and skips."""

from claims.api.serializers import ClaimSerializer
from claims.api.views import CLAIM_PREFETCH
from claims.selectors import claim_queryset
from claims.services import ProposalRun


def extraction_payload(run: ProposalRun) -> dict:
    """Proposed claims as the claims API shows them (with their pending contradictions)."""
    ids = [write.claim.pk for write in run.proposed]
    claims = claim_queryset().prefetch_related(*CLAIM_PREFETCH).filter(pk__in=ids).order_by("id")
    return {
        "proposed": ClaimSerializer(claims, many=True).data,
        "candidates": [
            {"name": c.name, "start": c.start, "end": c.end, "sentence": c.sentence}
            for c in run.candidates
        ],
        "skipped": [{"text": s.text, "reason": s.reason} for s in run.skipped],
    }

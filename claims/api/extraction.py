"""``POST /api/sources/{id}/extract/``: proposals from a source's text, for editors.

The sources app knows nothing of claims, so the claims API extends its viewset with the action.
"""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from claims import services
from claims.api.serializers import ClaimSerializer
from claims.api.views import claim_prefetch
from claims.selectors import claim_queryset
from claims.services import ProposalRun
from sources.api.views import SourceViewSet


def extraction_payload(run: ProposalRun) -> dict:
    """Proposed claims as the claims API shows them (with their pending contradictions)."""
    ids = [write.claim.pk for write in run.proposed]
    claims = claim_queryset().prefetch_related(*claim_prefetch()).filter(pk__in=ids).order_by("id")
    return {
        "proposed": ClaimSerializer(claims, many=True).data,
        "candidates": [
            {
                "id": c.pk,
                "name": c.name,
                "start": c.start,
                "end": c.end,
                "sentence": c.sentence,
                "status": c.status,
            }
            for c in run.candidates
        ],
        "skipped": [{"text": s.text, "reason": s.reason} for s in run.skipped],
    }


class SourceWithProposalsViewSet(SourceViewSet):
    """Sources, and the claims their texts propose."""

    write_permissions = SourceViewSet.write_permissions | {"extract": "claims.add_claim"}

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer(
                "Extraction",
                {
                    "proposed": ClaimSerializer(many=True),
                    "candidates": serializers.ListField(child=serializers.DictField()),
                    "skipped": serializers.ListField(child=serializers.DictField()),
                },
            )
        },
    )
    @action(detail=True, methods=["post"])
    def extract(self, request, pk=None):
        """Propose claims from the source's stored text; nothing is proposed twice."""
        run = services.source_propose(source=self.get_object(), user=request.user)
        return Response(extraction_payload(run))

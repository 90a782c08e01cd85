"""``POST /api/sources/{id}/extract/``: proposals from a source's text, for editors; and
``POST /api/sources/?propose=true``, which queues them for the new source (a background job).

The sources app knows nothing of claims, so the claims API extends its viewset with these.
"""

from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from claims import services
from claims.api.serializers import ClaimSerializer
from claims.api.views import claim_prefetch
from claims.jobs.models import Job, JobKind
from claims.jobs.services import job_queue
from claims.selectors import claim_queryset
from claims.services import ProposalRun
from sources.api.views import SourceViewSet

PROPOSE = OpenApiParameter(
    "propose",
    bool,
    description=(
        "true: once the source is stored, propose claims from its text in the background "
        "(the answer's `proposals` names the job; the claims then list at "
        "`/api/claims/?status=proposed&origin=extracted&source={id}`). Needs a text."
    ),
)


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


def job_payload(job: Job) -> dict:
    """The queued proposals job, and where its claims will be listed."""
    return {
        "job": job.pk,
        "status": job.status,
        "claims": f"/api/claims/?status=proposed&origin=extracted&source={job.source_id}",
    }


@extend_schema_view(create=extend_schema(parameters=[PROPOSE]))
class SourceWithProposalsViewSet(SourceViewSet):
    """Sources, and the claims their texts propose."""

    write_permissions = SourceViewSet.write_permissions | {"extract": "claims.add_claim"}

    def allowed_query_params(self) -> set[str]:
        allowed = super().allowed_query_params()
        return allowed | {"propose"} if self.action == "create" else allowed

    def source_added(self, source) -> dict:
        """With ``propose=true``, queue the proposals in the transaction that adds the source
        (a 400 or 403 here leaves no source behind)."""
        flag = self.request.query_params.get("propose", "false").lower()
        if flag not in ("true", "false", "1", "0"):
            raise serializers.ValidationError({"propose": ["Must be true or false."]})
        if flag in ("false", "0"):
            return {}
        if not self.request.user.has_perm("claims.add_claim"):
            raise PermissionDenied("Proposing claims needs the claims.add_claim permission.")
        job = job_queue(kind=JobKind.PROPOSE, user=self.request.user, source=source)
        return {"proposals": job_payload(job)}

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

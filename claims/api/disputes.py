"""``/api/disputes/``: disputes by fact, one row per subject+metric; and a dispute's JSON-LD.

``/api/contradictions/`` keeps the pair records; here each row says what each side holds, with
its sources and best grade, and names the pair records behind it (``claims.disputes``).
"""

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.exceptions import NotAcceptable
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from claims.disputes import disputed_facts, fact_keys
from claims.facets import CONTRADICTION_FACETS
from claims.factcheck import claim_review
from claims.filtersets import ContradictionFilterSet
from claims.models import Contradiction
from qwenkb.api import BaseViewSet
from qwenkb.facets import FacetsMixin, facets_parameter
from qwenkb.pagination import Pagination


def fact_payload(fact, request) -> dict:
    """A disputed fact in JSON."""
    return {
        "subject": {
            "slug": fact.subject.slug,
            "name": fact.subject.name,
            "kind": fact.subject.kind,
        },
        "metric": {"slug": fact.metric.slug, "name": fact.metric.name},
        "summary": fact.summary,
        "severity": fact.severity,
        "kinds": sorted({record.kind for record in fact.records}),
        "statuses": sorted({record.status for record in fact.records}),
        "sides": [
            {
                "value": side.value,
                "source_count": side.source_count,
                "best_grade": side.best_grade,
                "claims": [claim.pk for claim in side.claims],
            }
            for side in fact.sides
        ],
        "pairs": [record.pk for record in fact.records],
        "url": request.build_absolute_uri(
            reverse("web:dispute-fact", args=[fact.subject.slug, fact.metric.slug])
        ),
    }


class SideSerializer(serializers.Serializer):
    """One value of a disputed fact (schema only)."""

    value = serializers.CharField()
    source_count = serializers.IntegerField()
    best_grade = serializers.CharField()
    claims = serializers.ListField(child=serializers.IntegerField())


class DisputedFactSerializer(serializers.Serializer):
    """A disputed subject+metric (schema only: rows are built by ``fact_payload``)."""

    subject = serializers.DictField()
    metric = serializers.DictField()
    summary = serializers.CharField()
    severity = serializers.FloatField(allow_null=True)
    kinds = serializers.ListField(child=serializers.CharField())
    statuses = serializers.ListField(child=serializers.CharField())
    sides = SideSerializer(many=True)
    pairs = serializers.ListField(child=serializers.IntegerField())
    url = serializers.URLField()


@extend_schema_view(
    list=extend_schema(
        responses=DisputedFactSerializer(many=True),
        parameters=[facets_parameter(CONTRADICTION_FACETS)],
    )
)
class DisputeViewSet(FacetsMixin, mixins.ListModelMixin, BaseViewSet):
    """Disputes by fact: one row per disputed subject+metric, most severe first.

    Filtered like /api/contradictions/ (whose records are the pairs named in ``pairs``).
    """

    filterset_class = ContradictionFilterSet
    facet_specs = CONTRADICTION_FACETS
    serializer_class = DisputedFactSerializer
    pagination_class = Pagination
    queryset = Contradiction.objects.all()

    def list(self, request, *args, **kwargs):
        records = self.filter_queryset(Contradiction.objects.all())
        keys = self.paginate_queryset(fact_keys(records))
        facts = disputed_facts(records, keys=list(keys))
        return self.get_paginated_response([fact_payload(fact, request) for fact in facts])


class JSONLDRenderer(JSONRenderer):
    """``Accept: application/ld+json`` on a dispute: its schema.org ClaimReview."""

    media_type = "application/ld+json"
    format = "jsonld"


class ClaimReviewMixin:
    """A contradictions viewset whose detail also speaks JSON-LD (``claims.factcheck``)."""

    def get_renderers(self):
        renderers = super().get_renderers()
        if getattr(self, "action", None) == "retrieve":
            renderers.append(JSONLDRenderer())
        return renderers

    def handle_exception(self, exc):
        if self.wants_claim_review(self.request):  # errors are answered in JSON
            self.request.accepted_renderer = JSONRenderer()
            self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)

    def wants_claim_review(self, request) -> bool:
        return isinstance(getattr(request, "accepted_renderer", None), JSONLDRenderer)

    def claim_review_response(self, request) -> Response:
        """The dispute's ClaimReview, or 406 when it rejected no claim."""
        contradiction = self.get_object()  # type: ignore[attr-defined]  # from the viewset
        page = reverse("web:dispute", args=[contradiction.pk])
        review = claim_review(
            contradiction,
            url=request.build_absolute_uri(page),
            site_url=request.build_absolute_uri("/"),
        )
        if review is None:
            raise NotAcceptable(
                f"Dispute {contradiction.pk} is {contradiction.get_status_display()}, not "
                "resolved: no claim was rejected, so there is no ClaimReview. Ask for JSON."
            )
        return Response(review, content_type="application/ld+json")

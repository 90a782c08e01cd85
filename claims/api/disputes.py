"""``/api/contradictions/?group=fact``: disputes by fact, one row per subject+metric.

The pair records stay the list's default; grouped, each row says what each side holds, with
its sources and best grade, and names the pair records behind it (``claims.disputes``).
"""

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import NotAcceptable
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from claims.disputes import disputed_facts, fact_keys
from claims.factcheck import claim_review
from claims.models import Contradiction

GROUP_PARAMETER = OpenApiParameter(
    "group",
    str,
    enum=["pair", "fact"],
    description="fact: one row per disputed subject+metric instead of one per pair of claims.",
)


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


class FactListMixin:
    """The grouped list of a contradictions viewset."""

    def list_facts(self, request):
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

    def wants_claim_review(self, request) -> bool:
        return isinstance(getattr(request, "accepted_renderer", None), JSONLDRenderer)

    def claim_review_response(self, request) -> Response:
        """The dispute's ClaimReview, or 406 when it rejected no claim."""
        contradiction = self.get_object()
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

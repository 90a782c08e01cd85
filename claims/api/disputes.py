"""``/api/contradictions/?group=fact``: disputes by fact, one row per subject+metric.

The pair records stay the list's default; grouped, each row says what each side holds, with
its sources and best grade, and names the pair records behind it (``claims.disputes``).
"""

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter

from claims.disputes import disputed_facts, fact_keys
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

"""List pages are built from plain rows; they must say exactly what the serializers say."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.api import serializers as s
from claims.api.views import ClaimViewSet, ContradictionViewSet
from claims.models import Claim, Contradiction


def every_page(client, url: str, **params) -> list[dict]:
    results, page = [], 1
    while True:
        body = client.get(url, {**params, "page": page, "page_size": 100}).json()
        results += body["results"]
        if body["next"] is None:
            return results
        page += 1


@pytest.fixture
def seeded(seed_kb, anon):
    return anon


def test_claim_list_payloads_equal_the_serializer_for_every_seed_claim(seeded):
    listed = every_page(seeded, "/api/claims/")
    claims = ClaimViewSet().get_queryset()
    assert len(listed) == Claim.objects.count() == 186
    assert listed == s.ClaimSerializer(claims, many=True).data
    assert [c for c in listed if c["disputed"]], "the seed has disputed claims"
    assert any(c["value"]["type"] == "entity" and c["value"]["entity"] for c in listed)


def test_brief_payloads_equal_the_brief_serializer(seeded):
    listed = every_page(seeded, "/api/claims/", brief="true")
    claims = ClaimViewSet().get_queryset()
    assert listed == s.ClaimBriefSerializer(claims, many=True).data


def test_contradiction_list_payloads_equal_the_serializer(seeded, reviewer):
    from claims import services

    record = Contradiction.objects.order_by("id").first()
    services.contradiction_resolve(
        contradiction=record, preferred_claim=record.claim_a, note="settled", user=reviewer
    )
    listed = every_page(seeded, "/api/contradictions/")
    records = ContradictionViewSet().get_queryset()
    assert len(listed) == 6
    assert listed == s.ContradictionSerializer(records, many=True).data
    assert any(item["resolution"] and item["resolution"]["by"] for item in listed)


def test_a_short_first_page_needs_no_count_query(seeded):
    url = "/api/claims/?subject=qwen&metric=latest-generation"
    with CaptureQueriesContext(connection) as ctx:
        body = seeded.get(url).json()
    assert 0 < body["count"] == len(body["results"]) < 50
    sql = [q["sql"].upper() for q in ctx.captured_queries]
    assert not any("COUNT(" in q for q in sql)
    # subject, metric, the page, the page's contradictions
    assert len(sql) == 4


def test_a_full_page_counts_without_joining(seeded):
    with CaptureQueriesContext(connection) as ctx:
        body = seeded.get("/api/claims/", {"page_size": 10, "page": 2}).json()
    assert body["count"] == 186 and len(body["results"]) == 10
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and "JOIN" not in counts[0].upper()


def test_ordered_pages_break_ties_by_id(seeded):
    first = every_page(seeded, "/api/claims/", ordering="value")
    assert len({c["id"] for c in first}) == len(first) == 186
    points = [(c["value"].get("point") is None, c["value"].get("point") or 0) for c in first]
    figures = [p for missing, p in points if not missing]
    assert figures == sorted(figures)

"""Numbered pages count exactly up to a cap, then estimate and say so (qwenkb/pagination.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import Claim
from qwenkb import pagination

CLAIMS = 186  # the seed's claims


@pytest.fixture
def seeded(seed_kb, anon):
    return anon


@pytest.fixture
def cap(monkeypatch):
    def set_cap(value: int) -> None:
        monkeypatch.setattr(pagination.CountWhenNeededPaginator, "count_cap", value)

    return set_cap


def counts_of(ctx) -> list[str]:
    return [q["sql"].upper() for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]


def test_a_list_within_the_cap_is_counted_exactly_over_a_bounded_query(seeded, cap):
    assert Claim.objects.count() == CLAIMS
    cap(CLAIMS)
    with CaptureQueriesContext(connection) as ctx:
        body = seeded.get("/api/claims/", {"page_size": 10, "page": 2}).json()
    assert list(body) == ["count", "next", "previous", "results"]
    assert body["count"] == CLAIMS and len(body["results"]) == 10
    [count] = counts_of(ctx)
    assert f"LIMIT {CLAIMS + 1}" in count and "JOIN" not in count
    assert not any(q["sql"].upper().startswith("EXPLAIN") for q in ctx.captured_queries)
    # the bounded count, the page, the page's contradictions
    assert len(ctx.captured_queries) == 3


def test_a_list_past_the_cap_gives_an_estimate_and_says_so(seeded, cap):
    cap(CLAIMS - 1)
    with CaptureQueriesContext(connection) as ctx:
        body = seeded.get("/api/claims/", {"page_size": 10, "page": 2}).json()
    assert list(body) == ["count", "count_exact", "next", "previous", "results"]
    assert body["count_exact"] is False
    assert body["count"] >= CLAIMS  # never less than the rows known to exist
    assert len(body["results"]) == 10 and body["next"] and body["previous"]
    [count] = counts_of(ctx)
    assert f"LIMIT {CLAIMS}" in count
    explains = [q for q in ctx.captured_queries if q["sql"].upper().startswith("EXPLAIN")]
    assert len(explains) == (1 if connection.vendor == "postgresql" else 0)
    # the bounded count, the estimate (PostgreSQL), the page (one row more), its contradictions
    assert len(ctx.captured_queries) == 3 + len(explains)


def test_a_full_first_page_past_the_cap_reads_its_rows_once(seeded, cap):
    cap(30)
    with CaptureQueriesContext(connection) as ctx:
        body = seeded.get("/api/claims/", {"page_size": 20}).json()
    assert body["count_exact"] is False and body["count"] > 30
    assert [c["id"] for c in body["results"]] == list(
        Claim.objects.order_by("id").values_list("id", flat=True)[:20]
    )
    pages = [q for q in ctx.captured_queries if "LIMIT 21" in q["sql"].upper()]
    assert len(pages) == 1


def test_the_page_where_an_estimated_list_ends_gives_the_exact_count(seeded, cap):
    cap(10)
    body = seeded.get("/api/claims/", {"page_size": 50, "page": 4}).json()
    assert list(body) == ["count", "next", "previous", "results"]
    assert body["count"] == CLAIMS and len(body["results"]) == CLAIMS - 150
    assert body["next"] is None and body["previous"]
    walked, page = [], 1
    while True:
        body = seeded.get("/api/claims/", {"page_size": 50, "page": page}).json()
        walked += [c["id"] for c in body["results"]]
        if body["next"] is None:
            break
        assert body["count_exact"] is False
        page += 1
    assert walked == list(Claim.objects.order_by("id").values_list("id", flat=True))


def test_a_page_past_the_end_of_an_estimated_list_is_a_404_naming_the_page(seeded, cap):
    cap(10)
    response = seeded.get("/api/claims/", {"page_size": 50, "page": 40})
    assert response.status_code == 404
    assert "page" in response.json()["detail"] and "40" in response.json()["detail"]


def test_the_last_page_counts_every_row(seeded, cap):
    cap(10)
    body = seeded.get("/api/claims/", {"page_size": 50, "page": "last"}).json()
    assert list(body) == ["count", "next", "previous", "results"]
    assert body["count"] == CLAIMS and len(body["results"]) == CLAIMS - 150


def test_the_schema_documents_the_flag(seeded):
    schema = seeded.get("/api/schema/", {"format": "json"}).json()
    page = schema["components"]["schemas"]["PaginatedClaimOrBriefList"]
    flag = page["properties"]["count_exact"]
    assert flag["type"] == "boolean" and "estimate" in flag["description"]
    assert "count_exact" not in page.get("required", [])

"""Statements that match a pattern are planned for their values (qwenkb/postgres/patterns.py),
and the claims' text is trigram-indexed for them (claims migration 0016)."""

import pytest
from django.db import connection, transaction
from django.test import Client

from claims.models import Claim
from claims.search import claim_text_contains
from qwenkb import prepared
from qwenkb.postgres.patterns import planned_for_its_values
from tests import factories

WORDS = ("trillion", "TRILLION", "Qwen", "50%", "nowhere", "%", "_", "over 1", "parameters")


@pytest.fixture
def claims(db):
    metric = factories.metric(slug="params")
    made = [
        factories.claim(metric_=metric, value=value, quote=quote, notes=notes).claim
        for value, quote, notes in (
            ("over 1 trillion", "boasts over 1 trillion parameters", ""),
            ("72B", "Qwen ships 72B parameters", "checked: 50% of it"),
            ("7B", "a small 7B model", "under_score"),
        )
    ]
    return made


def _prepared_statements(fragment: str) -> list[str]:
    """This connection's prepared statements holding ``fragment``."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement FROM pg_prepared_statements WHERE strpos(statement, %s) > 0",
            [fragment],
        )
        return [row[0] for row in cursor.fetchall()]


def test_the_rule_names_patterns_and_nothing_else():
    assert planned_for_its_values('SELECT 1 FROM t WHERE UPPER("t"."q"::text) LIKE UPPER(%s)')
    assert not planned_for_its_values('SELECT 1 FROM t WHERE "t"."slug" = %s')
    assert not planned_for_its_values('SELECT "t"."liked" FROM t ORDER BY "t"."likes"')


@pytest.mark.needs("postgresql")
def test_a_search_run_again_and_again_is_never_prepared_and_answers_right(claims):
    """psycopg prepares a statement on its fifth run, and from the sixth PostgreSQL may plan
    it once for any pattern: a search of the API (its page and its count) must stay planned
    for its words however often it runs, while other statements are still prepared."""
    client = Client()
    for _ in range(2):
        for word in WORDS:
            response = client.get("/api/claims/", {"q": word, "page_size": 1})
            assert response.status_code == 200, response.content
            expected = Claim.objects.filter(claim_text_contains(word))
            assert response.json()["count"] == expected.count(), word
            assert [row["id"] for row in response.json()["results"]] == list(
                expected.order_by("id").values_list("id", flat=True)[:1]
            )
    assert _prepared_statements(" LIKE ") == []
    # The other statements of the same requests were prepared as usual (the page's disputes).
    assert _prepared_statements('FROM "claims_contradiction"')


@pytest.mark.needs("postgresql")
def test_a_list_page_of_a_search_is_not_given_a_generic_plan(claims, monkeypatch):
    asked = []
    real_fetch = prepared._fetch

    def fetch(alias, sql, params, *, generic=False):
        asked.append((" LIKE " in sql, generic))
        return real_fetch(alias, sql, params, generic=generic)

    monkeypatch.setattr(prepared, "_fetch", fetch)
    prepared._shapes.clear()
    for word in WORDS:
        page = Claim.objects.filter(claim_text_contains(word)).order_by("id")[:2]
        assert prepared.values_rows(page, ("id", "quote")) == list(page.values("id", "quote"))
    ranged = Claim.objects.filter(point__gte=1).order_by("point", "id")[:2]
    assert prepared.values_rows(ranged, ("id",)) == list(ranged.values("id"))
    assert asked == [(True, False)] * len(WORDS) + [(False, True)]


@pytest.mark.needs("postgresql")
def test_the_search_can_use_a_trigram_index_on_each_of_its_columns(claims):
    """The indexes are on the very expressions Django writes for the search (were either to
    change, PostgreSQL could not use them and a search would read every claim)."""
    search = Claim.objects.filter(claim_text_contains("trillion")).order_by().values("pk")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = search.explain()
    for index in (
        "claims_claim_quote_trgm",
        "claims_claim_value_text_trgm",
        "claims_claim_notes_trgm",
    ):
        assert f"Bitmap Index Scan on {index}" in plan, plan

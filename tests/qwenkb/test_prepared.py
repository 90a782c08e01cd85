"""Statements compiled once (qwenkb.prepared) answer what the ORM answers, in as many queries."""

import contextlib
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.db.models import Q
from django.test import Client
from django.test.utils import CaptureQueriesContext

from claims.api import rows
from claims.models import Claim, Contradiction, Entity, Metric
from claims.selectors import ENTITY_BY_SLUG_OR_KEY, ENTITY_CLAIMS, claim_queryset, entity_resolve
from qwenkb import filters, prepared, throttles
from qwenkb.filters import first_by
from qwenkb.prepared import Prepared, fetched_together, values_rows
from tests import factories

COLUMNS = ("id", "subject__slug", "metric__name", "point", "as_of_start", "created_at", "status")


@pytest.fixture
def claims(db):
    params = factories.metric(slug="params")
    other = factories.metric(slug="context")
    made = []
    for name in ("Qwen-A", "Qwen-B"):
        subject = factories.entity(name=name)
        for number, metric in enumerate((params, other, params)):
            made.append(
                factories.claim(subject=subject, metric_=metric, value=f"{number + 7}B").claim
            )
    return made


def test_values_rows_equal_values_for_every_filter_value_order_and_slice(claims):
    prepared._shapes.clear()
    for subject in Entity.objects.all():
        for metric in Metric.objects.all():
            for order in ("id", "-point"):
                queryset = Claim.objects.filter(subject=subject, metric=metric).order_by(
                    order, "id"
                )
                for page in (slice(0, 1), slice(1, 3)):
                    expected = list(queryset.values(*COLUMNS)[page])
                    with CaptureQueriesContext(connection) as queries:
                        got = values_rows(queryset[page], COLUMNS)
                    assert got == expected
                    assert len(queries) == 1
    # One wide statement per shape (order and slice), not per subject and metric.
    assert len(prepared._shapes) == 4
    first = values_rows(Claim.objects.order_by("id")[:1], COLUMNS)[0]
    assert list(first) == list(COLUMNS)  # the keys in values()'s order


def test_values_rows_of_an_empty_filter_run_no_query(claims):
    with CaptureQueriesContext(connection) as queries:
        assert values_rows(Claim.objects.filter(pk__in=[]), COLUMNS) == []
    assert len(queries) == 0


def test_prepared_ids_queries_answer_the_orm_for_every_number_of_ids(claims):
    ids = [claim.pk for claim in claims]
    for size in (1, 2, len(ids)):
        wanted = ids[:size]
        by_orm = {
            row["id"]: row
            for row in Claim.objects.filter(pk__in=wanted).values(*rows.CLAIM_COLUMNS)
        }
        assert {r["id"]: r for r in rows.CLAIMS_BY_ID.rows(wanted)} == by_orm
        records = Contradiction.objects.filter(Q(claim_a_id__in=wanted) | Q(claim_b_id__in=wanted))
        assert [r["id"] for r in rows.RECORDS_OF_CLAIMS.rows(wanted)] == list(
            records.order_by("id").values_list("id", flat=True)
        )
    statements = [c.sql for c in rows.CLAIMS_BY_ID._compiled.values()]
    if connection.vendor == "postgresql":  # one array parameter: one statement for every length
        assert len(statements) == 1 and '"claims_claim"."id" = ANY(%s)' in statements[0]
        [records_sql] = [c.sql for c in rows.RECORDS_OF_CLAIMS._compiled.values()]
        assert records_sql.count("= ANY(%s)") == 2 and " IN (" not in records_sql
    else:  # one statement per number of ids
        assert len(statements) >= 3 and all(" IN (" in sql for sql in statements)


def test_a_value_the_compiler_rewrites_cannot_be_prepared(db):
    contains = Prepared(
        Metric, lambda text: Metric.objects.filter(name__icontains=text).values("id"), str
    )
    with pytest.raises(TypeError, match="not plain parameters"):
        contains.rows("Param")


def test_look_ups_by_slug_and_by_name_give_the_orms_instances(claims):
    subject = Entity.objects.get(name="Qwen-A")
    for text in (subject.slug, "qwen a", "QWEN-A"):
        found = entity_resolve(text)
        assert found == subject and found.name == "Qwen-A" and found._state.db == "default"
    assert entity_resolve("nobody") is None
    metric = first_by(Metric, "slug", "params")
    assert metric == Metric.objects.get(slug="params")
    assert metric.name == Metric.objects.get(slug="params").name and not metric._state.adding
    assert first_by(Metric, "slug", "nothing") is None


def test_the_throttle_cache_stays_open_between_requests(db):
    throttles.kept_open("throttle").clear()
    client = Client()
    client.get("/api/metrics/")
    kept = throttles.kept_open("throttle")
    client.get("/api/metrics/")
    assert throttles.kept_open("throttle") is kept
    # Counting went on in the same store: the client's window holds both requests.
    key = "throttle_anon_127.0.0.1"
    start = kept.get(f"{key}:start")
    assert kept.get(f"{key}:{start!r}") == 2


def test_prepared_instances_are_the_querysets_with_their_related_objects(claims):
    subject = Entity.objects.get(name="Qwen-B")
    expected = list(claim_queryset().filter(subject=subject).order_by("metric__name", "pk"))
    with CaptureQueriesContext(connection) as queries:
        got = ENTITY_CLAIMS.objects(subject.pk)
        seen = [(c.pk, c.value_text, c.metric.slug, c.source.publisher.name) for c in got]
    assert len(queries) == 1  # the joined objects came with the claims
    assert seen == [(c.pk, c.value_text, c.metric.slug, c.source.publisher.name) for c in expected]
    assert [c.created_at for c in got] == [c.created_at for c in expected]


def test_prepared_rows_are_the_orms_values_to_the_repr(claims):
    """Rows read in PostgreSQL's binary format give what Django's text loaders give: the
    same time zone object on timestamps, JSON decoded by the field."""
    metric = Metric.objects.order_by("id").first()
    Metric.objects.filter(pk=metric.pk).update(cues=["one", "two"])
    columns = ["id", "created_at", "updated_at", "as_of_start", "metric__cues", "point"]
    queryset = Claim.objects.filter(metric=metric).order_by("id")[:5]
    for _ in range(2):  # compiled, then run from the compiled statement
        assert repr(values_rows(queryset, columns)) == repr(list(queryset.values(*columns)))
    found = values_rows(queryset, columns)
    assert found and found[0]["metric__cues"] == ["one", "two"]


def _plans_of(fragment: str) -> list[tuple[int, int]]:
    """(generic, custom) plans of this connection's prepared statements holding ``fragment``."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE strpos(statement, %s) > 0",
            [fragment],
        )
        return cursor.fetchall()


def _plan_cache_mode() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        return cursor.fetchone()[0]


def test_a_list_pages_wide_statement_is_planned_once_whatever_its_values(claims):
    """A value range among its values made PostgreSQL plan a list page's wide statement anew
    for every request (~4 ms at 1,000,000 claims, for ~0.7 ms of running it): it is planned
    once per connection now, answers as the ORM does, and leaves the session's setting as
    it was."""
    prepared._shapes.clear()
    pages = [
        Claim.objects.filter(point__gte=low * 1e9, point__lte=5e10).order_by("point", "id")[:2]
        for low in range(9)  # past psycopg's threshold for preparing a statement
    ]
    got = [values_rows(page, COLUMNS) for page in pages]
    if connection.vendor == "postgresql":
        assert _plan_cache_mode() == "auto"
        # Prepared (named) once past the threshold: every execution since, one generic plan.
        assert _plans_of('"claims_claim"."point" >= $') == [(9 - 5, 0)]
    assert got == [list(page.values(*COLUMNS)) for page in pages]


@pytest.mark.parametrize("in_transaction", [False, True])
def test_a_failing_wide_statement_leaves_the_session_as_it_was(transactional_db, in_transaction):
    if connection.vendor != "postgresql":
        with pytest.raises(Exception, match="no such column"):
            prepared._fetch("default", "SELECT nothing_here", [], generic=True)
        return
    from django.db import DatabaseError, transaction

    if in_transaction:
        with pytest.raises(DatabaseError, match="division by zero"), transaction.atomic():
            prepared._fetch("default", "SELECT 1 / (random() * 0)::int", [], generic=True)
    else:
        with pytest.raises(DatabaseError, match="division by zero"):
            prepared._fetch("default", "SELECT 1 / (random() * 0)::int", [], generic=True)
    assert _plan_cache_mode() == "auto"


# An entity's slug, name (any case, spaces or hyphens), alias, one nothing has, hostile text.
SUBJECT_TEXTS = ("qwen-a", "Qwen-A", "  qwen a ", "Tongyi A", "no-such", "50% %s", "qwen-b")
METRIC_TEXTS = ("params", " context ", "no-such-metric", "%")


@pytest.fixture
def named(claims):
    entity = Entity.objects.get(name="Qwen-A")
    entity.aliases.create(name="Tongyi A")
    return claims


def test_statements_fetched_together_answer_as_each_alone(named):
    entity_by = ENTITY_BY_SLUG_OR_KEY
    metric_by = filters._first_by_slug(Metric)
    for subject in SUBJECT_TEXTS:
        for metric in METRIC_TEXTS:
            calls = [(entity_by, (subject.strip(),)), (metric_by, (metric.strip(),))]
            alone = [statement.rows(*values) for statement, values in calls]
            with CaptureQueriesContext(connection) as queries, fetched_together(calls):
                together = [statement.rows(*values) for statement, values in calls]
                assert [s.rows(*v) for s, v in calls] == alone  # asked twice: the same
            assert together == alone
            # On PostgreSQL one statement for both; elsewhere each runs as it would alone.
            assert len(queries) == (1 if connection.vendor == "postgresql" else 4)
    # A statement not fetched ahead runs in the block as it does outside it.
    with fetched_together([(entity_by, ("qwen-a",)), (metric_by, ("params",))]):
        with CaptureQueriesContext(connection) as queries:
            assert [row["name"] for row in entity_by.rows("qwen-b")] == ["Qwen-B"]
        assert len(queries) == 1


def test_only_statements_of_one_row_and_plain_values_go_together(named):
    assert ENTITY_BY_SLUG_OR_KEY.one_row and filters._first_by_slug(Metric).one_row
    assert not rows.CLAIMS_BY_ID.one_row  # a list of ids
    assert not rows.FACT_CLAIMS.one_row  # an entity's claims: many rows
    entity = Entity.objects.get(name="Qwen-A")
    many, one = rows.FACT_CLAIMS.rows(entity.pk), ENTITY_BY_SLUG_OR_KEY.rows("qwen-a")
    assert len(many) == 3
    calls = [(rows.FACT_CLAIMS, (entity.pk,)), (ENTITY_BY_SLUG_OR_KEY, ("qwen-a",))]
    with fetched_together(calls):  # the one of many rows is left to run alone
        with CaptureQueriesContext(connection) as queries:
            assert rows.FACT_CLAIMS.rows(entity.pk) == many
            assert ENTITY_BY_SLUG_OR_KEY.rows("qwen-a") == one
        assert len(queries) == 2


def _answers(client, path) -> tuple[int, dict, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    return response.status_code, response.json(), len(queries)


def test_a_claims_filter_naming_an_entity_and_a_metric_looks_both_up_in_one_statement(
    named, monkeypatch
):
    """Every answer, an error included, is the one each look-up alone gives; on PostgreSQL
    with one query fewer."""
    client = Client()
    throttles._kept.clear()
    paths = [
        "/api/claims/?" + urlencode({"subject": subject, "metric": metric})
        for subject in SUBJECT_TEXTS
        for metric in METRIC_TEXTS
    ]
    together = {path: _answers(client, path) for path in paths}
    monkeypatch.setattr(filters, "fetched_together", lambda calls: contextlib.nullcontext())
    alone = {path: _answers(client, path) for path in paths}
    assert {p: a[:2] for p, a in together.items()} == {p: a[:2] for p, a in alone.items()}
    found = alone["/api/claims/?subject=Tongyi+A&metric=params"]
    assert found[0] == 200 and found[1]["count"] == 2  # by its alias
    missing = alone["/api/claims/?subject=50%25+%25s&metric=%25"]
    assert missing[0] == 400 and set(missing[1]) == {"subject", "metric"}
    saved = {path: alone[path][2] - together[path][2] for path in paths}
    assert set(saved.values()) == ({1} if connection.vendor == "postgresql" else {0})

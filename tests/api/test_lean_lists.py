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
    # subject and metric (one statement on PostgreSQL), the page, the page's contradictions
    assert len(sql) == (3 if connection.vendor == "postgresql" else 4)


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


@pytest.fixture
def generated(db, reviewer):
    """A synthetic knowledge base of every value type, some contradictions settled."""
    import io

    from django.core.management import call_command

    from claims import services

    call_command(
        "generate_synthetic",
        "--claims",
        "600",
        "--seed",
        "5",
        "--no-progress",
        stdout=io.StringIO(),
    )
    records = list(Contradiction.objects.order_by("id")[:6])
    assert len(records) == 6
    # Resolving settles the preferred claim's whole group, so a later record may be settled
    # already: only open ones are decided.
    for record in records[:3]:
        record.refresh_from_db()
        if record.status == "open":
            services.contradiction_resolve(
                contradiction=record, preferred_claim=record.claim_b, note="b", user=reviewer
            )
    for record in records[3:]:
        record.refresh_from_db()
        if record.status == "open":
            services.contradiction_dismiss(contradiction=record, note="same", user=reviewer)
    return reviewer


def test_row_payloads_equal_the_serializer_over_generated_claims(generated):
    from claims.api import rows

    claims = list(ClaimViewSet().get_queryset())
    assert len(claims) == 600
    assert {c.metric.value_type for c in claims} == {
        "quantity",
        "date",
        "text",
        "entity",
        "boolean",
    }
    full = list(Claim.objects.order_by("id").values(*rows.CLAIM_COLUMNS))
    brief = list(Claim.objects.order_by("id").values(*rows.BRIEF_COLUMNS))
    assert rows.claim_payloads(full) == s.ClaimSerializer(claims, many=True).data
    assert rows.claim_payloads(brief, brief=True) == s.ClaimBriefSerializer(claims, many=True).data
    records = list(ContradictionViewSet().get_queryset())
    record_rows = list(
        Contradiction.objects.order_by("-severity", "id").values(*rows.CONTRADICTION_COLUMNS)
    )
    assert (
        rows.contradiction_payloads(record_rows)
        == s.ContradictionSerializer(records, many=True).data
    )
    assert sum(record.resolved_at is not None for record in records) == 6


def test_brief_is_a_subset_of_the_full_claim(generated):
    claims = list(ClaimViewSet().get_queryset()[:50])
    for full, brief in zip(
        s.ClaimSerializer(claims, many=True).data,
        s.ClaimBriefSerializer(claims, many=True).data,
        strict=True,
    ):
        assert list(brief) == s.ClaimSerializer.Meta.brief_fields
        assert brief["subject"] == full["subject"]["slug"]
        assert brief["metric"] == full["metric"]["slug"]
        assert {k: v for k, v in brief.items() if k not in ("subject", "metric")} == {
            k: full[k] for k in brief if k not in ("subject", "metric")
        }


def test_every_timestamp_is_written_in_utc_with_z(generated, anon):
    settled = Contradiction.objects.filter(status="resolved").order_by("id").first()
    detail = anon.get(f"/api/contradictions/{settled.pk}/").json()
    listed = [r for r in anon.get("/api/contradictions/", {"page_size": 100}).json()["results"]]
    stamps = [detail["resolution"]["at"], detail["created_at"], detail["updated_at"]]
    stamps += [r["resolution"]["at"] for r in listed if r["resolution"]]
    stamps += [c["created_at"] for r in listed for c in r["claims"]]
    assert len(stamps) > 10
    assert all(stamp.endswith("Z") and "+00:00" not in stamp for stamp in stamps)


def test_the_row_compiler_refuses_a_field_it_cannot_compile():
    from rest_framework import serializers

    from claims.api.serializers.contract import compile_rows

    class Computed(serializers.Serializer):
        id = serializers.IntegerField()
        extra = serializers.SerializerMethodField()

        def get_extra(self, obj):
            return 1

    with pytest.raises(TypeError, match="extra"):
        compile_rows(Computed())


def test_fact_sheet_rows_equal_the_serializer_over_generated_entities(generated):
    from claims import services
    from claims.api import rows
    from claims.models import Entity
    from claims.selectors import entity_facts

    # Half the open records confirmed (their proposed claims accepted), half left pending.
    for record in list(Contradiction.objects.filter(status="open").order_by("id"))[::2]:
        for claim in (record.claim_a, record.claim_b):
            claim.refresh_from_db()
            if claim.status == "proposed":
                services.claim_accept(claim=claim, user=generated)
    entities = list(Entity.objects.filter(claims__isnull=False).distinct().order_by("id"))
    assert len(entities) >= 20
    facts_seen = disputed = without_current = with_pending = 0
    value_types = set()
    for entity in entities:
        expected = s.FactSerializer(entity_facts(entity), many=True).data
        fast = [rows.FACT(fact) for fact in rows.entity_fact_rows(entity.pk)]
        assert fast == expected, entity.slug
        facts_seen += len(fast)
        value_types |= {fact["value_type"] for fact in fast if fact["current"]}
        disputed += sum(fact["disputed"] for fact in fast)
        without_current += sum(fact["current"] is None for fact in fast)
        with_pending += sum(
            r["review"] == "pending" for fact in fast for r in fact["open_contradictions"]
        )
    assert facts_seen > 100 and disputed > 0 and with_pending > 0 and without_current > 0
    assert value_types == {"quantity", "date", "text", "entity", "boolean"}


def test_fact_sheet_is_two_queries_after_the_entity(generated, anon):
    from claims.models import Entity

    entity = Entity.objects.filter(claims__isnull=False).order_by("id").first()
    with CaptureQueriesContext(connection) as ctx:
        body = anon.get(f"/api/entities/{entity.slug}/facts/").json()
    assert body["count"] == len(body["results"]) > 0
    # the entity, its claims, its open records
    assert len(ctx.captured_queries) == 3

"""Counts over every claim: the facets of a list, the busiest entity, the metric and publisher
lists, the disputes' review (``qwenkb.facets``, ``claims.selectors``).

At a million claims each of these is a pass over the claims; they must count exactly what the
rule says (rows of the filtered list; live claims, rejected ones left out), and do it by
grouping the claims on their own columns: no distinct count where no row can repeat, no join
of every claim to the rows it is counted for.
"""

import random
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims import selectors
from claims.choices import ContradictionReview
from claims.facets import CLAIM_FACETS, CONTRADICTION_FACETS, ENTITY_FACETS
from claims.models import Claim, Contradiction, Entity, Metric
from claims.selectors import review_annotation, review_filter, review_of
from qwenkb.facets import facet_counts, rows_repeat
from sources.facets import PUBLISHER_FACETS, SOURCE_FACETS
from sources.models import Publisher, Source
from tests import factories

pytestmark = pytest.mark.django_db

STATUSES = ("accepted", "accepted", "proposed", "rejected")


@pytest.fixture
def counted_kb():
    """Seven entities of three kinds (two named alike, one with two aliases sharing a word),
    three metrics, four publishers of three grades with two sources each, 45 claims of mixed
    status spread over them at random (seeded)."""
    rng = random.Random(7)
    kinds = ("model", "model", "organisation")
    entities = [
        factories.entity(name=f"Counted {n}", kind=kinds[n % 3], aliases=aliases)
        for n, aliases in enumerate([("Alpha one", "Alpha two"), (), ("Beta",), (), (), (), ()])
    ]
    metrics = [factories.metric() for _ in range(3)]
    sources = [
        factories.source(pub=publisher, reliability=publisher.reliability)
        for publisher in (factories.publisher(reliability=g) for g in "ABBE")
        for _ in range(2)
    ]
    for n in range(45):
        write = factories.claim(
            subject=rng.choice(entities),
            metric_=rng.choice(metrics),
            src=rng.choice(sources),
            value=f"{n + 1}B",
        )
        Claim.objects.filter(pk=write.claim.pk).update(status=rng.choice(STATUSES))
    return entities


def _labelled(queryset, spec) -> list[tuple[str, str, int]]:
    """A facet as it must read: (value, label, count) of the rows of ``queryset``, most
    frequent first, then by value, each labelled as its spec says."""
    counted = _oracle(queryset, spec)
    labels = {}
    if isinstance(spec.display, str):
        pairs = queryset.model.objects.values_list(spec.value, spec.display)
        labels = {str(value): label for value, label in pairs}
    elif isinstance(spec.display, dict):
        labels = {str(value): str(label) for value, label in spec.display.items()}
    ordered = sorted(counted.items(), key=lambda item: (-item[1], item[0]))
    return [(value, labels.get(value) or value, count) for value, count in ordered]


def _oracle(queryset, spec) -> dict[str, int]:
    """A facet counted in Python: each distinct row of ``queryset`` once, by its value."""
    pks = set(queryset.values_list("pk", flat=True))
    model = queryset.model
    values = model.objects.filter(pk__in=pks).values_list("pk", spec.value)
    counted = Counter(str(value) for _pk, value in values if value not in (None, ""))
    return dict(counted)


def _lists():
    """Filtered lists, each with its facets; the last three join a to-many relation."""
    return [
        ("claims, live", Claim.objects.exclude(status="rejected"), CLAIM_FACETS, False),
        ("claims, every status", Claim.objects.all(), CLAIM_FACETS, False),
        ("claims of a kind", Claim.objects.filter(subject__kind="model"), CLAIM_FACETS, False),
        ("claims graded B", Claim.objects.filter(source__reliability="B"), CLAIM_FACETS, False),
        ("contradictions", Contradiction.objects.all(), CONTRADICTION_FACETS, False),
        ("entities", Entity.objects.all(), ENTITY_FACETS, False),
        ("sources", Source.objects.all(), SOURCE_FACETS, False),
        ("publishers", Publisher.objects.all(), PUBLISHER_FACETS, False),
        (
            "entities by alias",
            Entity.objects.filter(aliases__name__icontains="alpha"),
            ENTITY_FACETS,
            True,
        ),
        (
            "entities with an accepted claim",
            Entity.objects.filter(claims__status="accepted"),
            ENTITY_FACETS,
            True,
        ),
        (
            "publishers with claims",
            Publisher.objects.filter(sources__claims__isnull=False),
            PUBLISHER_FACETS,
            True,
        ),
    ]


def test_facets_count_each_row_of_the_list_once_and_distinct_only_when_rows_repeat(counted_kb):
    for label, queryset, specs, repeats in _lists():
        assert rows_repeat(queryset) is repeats, label
        with CaptureQueriesContext(connection) as queries:
            facets = facet_counts(queryset, specs, list(specs))
        for facet in facets:
            counted = {value.value: value.count for value in facet.values}
            assert counted == _oracle(queryset, specs[facet.name]), (label, facet.name)
            read = [(value.value, value.label, value.count) for value in facet.values]
            assert read == _labelled(queryset, specs[facet.name]), (label, facet.name)
        distinct = ["COUNT(DISTINCT" in q["sql"] for q in queries]
        assert distinct == [repeats] * len(specs), label
    # The lists that repeat rows do repeat them (else the check above proves nothing).
    assert Entity.objects.filter(aliases__name__icontains="alpha").count() == 2
    assert Entity.objects.filter(aliases__name__icontains="alpha").distinct().count() == 1


def test_the_busiest_entity_has_the_most_live_claims_first_by_name(counted_kb):
    def expected():
        live = Counter(
            Claim.objects.exclude(status="rejected").values_list("subject_id", flat=True)
        )
        if not live:
            return None
        most = max(live.values())
        tied = [e for e in Entity.objects.filter(pk__in=live) if live[e.pk] == most]
        return min(tied, key=lambda e: e.name)

    rng = random.Random(11)
    ties = 0
    for _ in range(12):
        # New statuses each round, so that the counts and their ties change.
        for pk in Claim.objects.values_list("pk", flat=True):
            Claim.objects.filter(pk=pk).update(status=rng.choice(STATUSES))
        with CaptureQueriesContext(connection) as queries:
            found = selectors.busiest_entity()
        assert found == expected()
        live = Counter(Claim.objects.exclude(status="rejected").values_list("subject", flat=True))
        ties += list(live.values()).count(max(live.values())) > 1
        # One statement, and the claims are grouped without joining their entities.
        (sql,) = [q["sql"] for q in queries]
        grouped = sql[sql.index("FROM", sql.index("RANK()")) : sql.index("GROUP BY")]
        assert "claims_claim" in grouped and "claims_entity" not in grouped
    assert ties >= 3, "the rounds should include ties"
    Claim.objects.update(status="rejected")
    assert selectors.busiest_entity() is None


def test_a_tie_goes_to_the_first_name():
    for name in ("Carol", "Alice", "Bob"):
        subject = factories.entity(name=name)
        for value in ("1B", "2B"):
            factories.claim(subject=subject, value=value)
    factories.claim(value="3B")  # one claim: not among the busiest
    assert selectors.busiest_entity().name == "Alice"


def test_metric_and_publisher_lists_count_live_claims_in_one_pass(client, counted_kb):
    live = Claim.objects.exclude(status="rejected")
    with CaptureQueriesContext(connection) as queries:
        metrics = client.get("/metrics/").context["metrics"]
    assert {m.pk: (m.claim_count, m.entity_count) for m in metrics} == {
        m.pk: (
            live.filter(metric=m).count(),
            live.filter(metric=m).values("subject").distinct().count(),
        )
        for m in Metric.objects.all()
    }
    reading = [q["sql"] for q in queries if "claims_claim" in q["sql"]]
    assert len(reading) == 1 and "JOIN" not in reading[0] and "DISTINCT" not in reading[0]
    # A list filtered to some metrics counts theirs; filtered to none, none.
    dates = client.get("/metrics/", {"value_type": "date"})
    assert dates.status_code == 200 and list(dates.context["metrics"]) == []
    one = Metric.objects.first()
    (shown,) = client.get("/metrics/", {"q": one.slug}).context["metrics"]
    assert (shown.pk, shown.claim_count) == (one.pk, live.filter(metric=one).count())

    with CaptureQueriesContext(connection) as queries:
        publishers = client.get("/publishers/").context["publishers"]
    assert {p.pk: (p.source_count, p.claim_count) for p in publishers} == {
        p.pk: (p.sources.count(), live.filter(source__publisher=p).count())
        for p in Publisher.objects.all()
    }
    reading = [q["sql"] for q in queries if "claims_claim" in q["sql"]]
    assert len(reading) == 1 and "sources_publisher" not in reading[0], reading
    assert any(
        p.claim_count < Claim.objects.filter(source__publisher=p).count() for p in publishers
    ), "the fixture should reject some claims of a publisher"


def test_a_publishers_page_counts_its_sources_live_claims(client):
    source = factories.source()
    kept = factories.claim(src=source, value="7B")
    rejected = factories.claim(src=source, subject=kept.claim.subject, value="8B")
    Claim.objects.filter(pk=rejected.claim.pk).update(status="rejected")
    response = client.get(f"/publishers/{source.publisher.slug}/")
    assert [(s.pk, s.claim_count) for s in response.context["sources"]] == [(source.pk, 1)]


def test_a_contradictions_review_in_sql_is_the_rule_for_every_pair_of_statuses():
    """``review_filter`` and ``review_annotation`` (SQL) give what ``review_of`` (the rule in
    Python) gives, for every pair of claim statuses; and they look the claims up by id among
    the proposed ones instead of joining both claims of every contradiction."""
    statuses = ("accepted", "proposed", "rejected")
    subject, metric = factories.entity(), factories.metric()
    records = {}
    for a in statuses:
        for b in statuses:
            first = factories.claim(subject=subject, metric_=metric, value="7B", quote=f"{a}{b} 7B")
            second = factories.claim(
                subject=subject, metric_=metric, value="9B", quote=f"{a}{b} 9B"
            )
            record = Contradiction.objects.get(claim_a=first.claim, claim_b=second.claim)
            Claim.objects.filter(pk=first.claim.pk).update(status=a)
            Claim.objects.filter(pk=second.claim.pk).update(status=b)
            records[record.pk] = (a, b)
    for review in (ContradictionReview.PENDING, ContradictionReview.CONFIRMED):
        chosen = Contradiction.objects.filter(pk__in=records).filter(review_filter(review))
        assert set(chosen.values_list("pk", flat=True)) == {
            pk for pk, (a, b) in records.items() if review_of(a, b) == review
        }
        sql = str(chosen.query)
        assert "EXISTS" in sql and 'JOIN "claims_claim"' not in sql
    annotated = Contradiction.objects.filter(pk__in=records).annotate(review=review_annotation())
    assert {r.pk: r.review for r in annotated} == {
        pk: review_of(a, b) for pk, (a, b) in records.items()
    }

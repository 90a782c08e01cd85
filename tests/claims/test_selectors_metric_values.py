"""Ordering a metric's values (claims/selectors.py ``metric_values``): one selector behind the
metric page and its JSON twin, for figures and for dates."""

import datetime
import itertools
import random

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from claims import views
from claims.display import value_display
from claims.models import Claim, Entity
from claims.selectors import figure_order, metric_facts, metric_values
from tests import factories
from tests.claims.test_views import text_of_html

pytestmark = pytest.mark.django_db


@pytest.fixture
def released():
    """A date metric with three entities' values, out of order, and one entity without."""
    metric = factories.metric(value_type="date")
    for name, value in [("Beta", "March 2026"), ("Alpha", "2024-09-19"), ("Gamma", "June 2025")]:
        factories.claim(subject=factories.entity(name=name), metric_=metric, value=value)
    return metric


def names(facts) -> list[str]:
    return [fact.subject.name for fact in facts]


def test_dates_order_by_day_both_ways_and_by_name(released):
    assert names(metric_values(released, ordering="value")) == ["Alpha", "Gamma", "Beta"]
    assert names(metric_values(released, ordering="-value")) == ["Beta", "Gamma", "Alpha"]
    assert names(metric_values(released)) == ["Alpha", "Beta", "Gamma"]


def test_figures_order_by_number_with_bounded_values_by_their_figure():
    metric = factories.metric()
    for name, value in [("A", "27B"), ("B", "over 1 trillion"), ("C", "397B")]:
        factories.claim(subject=factories.entity(name=name), metric_=metric, value=value)
    assert names(metric_values(metric, ordering="-value")) == ["B", "C", "A"]


def test_an_unknown_ordering_is_refused(released):
    with pytest.raises(ValueError, match="ordering"):
        metric_values(released, ordering="size")


@pytest.mark.parametrize("ordering", ["value", "-value", "name"])
def test_the_page_and_its_json_twin_give_the_same_order(released, ordering):
    url = f"/api/metrics/{released.slug}/values/"
    body = APIClient().get(url, {"ordering": ordering}).json()
    api = [row["entity"]["name"] for row in body["results"]]
    assert api == names(metric_values(released, ordering=ordering))
    page = Client().get(f"/metrics/{released.slug}/", {"ordering": ordering}).content.decode()
    assert [page.index(f">{name}<") for name in api] == sorted(
        page.index(f">{name}<") for name in api
    )


# --- the order chosen from plain rows, the facts built a page at a time -----------------------

GRADES = "ABCDEF"


def _value_order(claim) -> tuple:
    """A current value's place: its figure within its currency, or its day, else its words."""
    key = figure_order(claim.point, claim.low, claim.high, claim.currency, claim.date_start)
    return key or ("", 0, value_display(claim).casefold())


def _oracle(metric, subject_ids=None, ordering="name", current_only=False):
    """The order as it was computed before pages: every fact built, then sorted."""
    facts = metric_facts(metric, subject_ids=subject_ids)
    if ordering != "name":
        valued = sorted(
            ((_value_order(f.current), f) for f in facts if f.current is not None),
            key=lambda pair: pair[0],
        )
        known = [f for _, f in valued]
        if ordering == "-value":
            known.reverse()
        facts = known + [f for f in facts if f.current is None]
    if current_only:
        facts = [f for f in facts if f.current is not None]
    return [(f.subject.pk, f.current.pk if f.current else None, f.why) for f in facts]


@pytest.fixture
def mixed_metrics():
    """Five metrics (figures with bounds and ranges, money in two currencies, dates, a
    time-varying count, words) over twelve entities, with claims of every status, rank and
    grade, seeded."""
    rng = random.Random(5)
    serial = itertools.count()
    names = ["Qwen", "Max", "Alpha", "alpha beta", "Beta", "Qwen3"] + [
        f"Model {n}" for n in range(6)
    ]
    entities = [factories.entity(name=name) for name in names]
    sources = [
        factories.source(reliability=grade, published=datetime.date(2026, 1 + n % 12, 1 + n))
        for n, grade in enumerate(GRADES * 2)
    ]
    metrics = {
        "figures": (factories.metric(), ["27B", "over 1 trillion", "30-32B", "397B", "7B"]),
        "money": (
            factories.metric(dimension="money", unit=""),
            ["US$1.2 billion", "RMB 8 billion", "$300 million", "RMB 0.5 billion"],
        ),
        "dates": (factories.metric(value_type="date"), ["March 2026", "2024-09-19", "2025"]),
        "users": (
            factories.metric(unit="users", time_varying=True),
            ["10 million users", "90 million users", "about 50 million users"],
        ),
        "words": (
            factories.metric(value_type="text"),
            ["open weights", "Apache 2.0", "closed", "Beta access"],
        ),
    }
    for metric, values in metrics.values():
        for subject in rng.sample(entities, 9):
            for _ in range(rng.randint(1, 4)):
                value = rng.choice(values)
                write = factories.claim(
                    subject=subject,
                    metric_=metric,
                    src=rng.choice(sources),
                    value=value,
                    quote=f"report {next(serial)}: {value}",
                )
                Claim.objects.filter(pk=write.claim.pk).update(
                    status=rng.choice(["accepted", "accepted", "proposed", "rejected"]),
                    rank=rng.choice(["normal", "normal", "preferred", "deprecated"]),
                )
    return {name: metric for name, (metric, _) in metrics.items()}, entities


@pytest.mark.parametrize("ordering", ["name", "value", "-value"])
def test_the_order_from_rows_is_the_order_of_every_fact_built(mixed_metrics, ordering):
    metrics, entities = mixed_metrics
    some = [e.pk for e in entities[::2]]
    for metric in metrics.values():
        for subject_ids in (None, some):
            for current_only in (False, True):
                values = metric_values(
                    metric, subject_ids=subject_ids, ordering=ordering, current_only=current_only
                )
                got = [(f.subject.pk, f.current.pk if f.current else None, f.why) for f in values]
                expected = _oracle(metric, subject_ids, ordering, current_only)
                assert got == expected, (metric.name, subject_ids, current_only)
                # Every slice of it is the same facts in the same place.
                for start, stop in ((0, 3), (2, 5), (4, 100), (-2, None)):
                    assert [f.subject.pk for f in values[start:stop]] == [
                        pk for pk, _, _ in expected[start:stop]
                    ]
                if expected:
                    assert values[-1].subject.pk == expected[-1][0]
                with pytest.raises(IndexError):
                    values[len(expected)]
    # The fixture holds what the order must tell apart.
    assert Claim.objects.filter(status="accepted", rank="deprecated").exists()
    assert Claim.objects.filter(status="proposed", rank="preferred").exists()


def test_a_page_builds_only_its_facts(mixed_metrics):
    metrics, _ = mixed_metrics
    values = metric_values(metrics["figures"], ordering="-value")
    assert len(values) == 9
    with CaptureQueriesContext(connection) as queries:
        page = values[3:5]
    assert [f.subject.pk for f in page] == values.subject_ids[3:5]
    assert len(queries) == 2  # the page's claims, its open contradictions
    assert all(str(page[0].subject.pk) in q["sql"] for q in queries)
    assert {c.subject_id for f in page for c in f.claims} == {f.subject.pk for f in page}


def test_the_metric_page_shows_a_page_of_entities_and_charts_theirs(
    client, mixed_metrics, monkeypatch
):
    monkeypatch.setattr(views, "METRIC_PAGE_SIZE", 4)
    metrics, _ = mixed_metrics
    metric = metrics["figures"]
    order = [pk for pk, _, _ in _oracle(metric, ordering="value")]
    first = client.get(f"/metrics/{metric.slug}/", {"ordering": "value"})
    third = client.get(f"/metrics/{metric.slug}/", {"ordering": "value", "page": "3"})
    assert [f.subject.pk for f in first.context["facts"]] == order[:4]
    assert [f.subject.pk for f in third.context["facts"]] == order[8:]
    html = first.content.decode()
    assert "9 entities, 1–4 on this page" in text_of_html(html)
    assert 'href="?ordering=value&amp;page=2" rel="next"' in html
    assert "Every claim, by entity, of the 4 on this page" in text_of_html(html)
    # The chart draws the page's entities' claims only.
    shown = {f.subject.name for f in first.context["facts"]}
    rows = first.context["chart"].rows
    assert rows and {label for _, label in rows} == shown
    # Sorting again starts at the first page; a page past the last, or not a page, says so.
    assert 'href="?ordering=-value"' in third.content.decode()
    assert client.get(f"/metrics/{metric.slug}/", {"page": "4"}).status_code == 404
    assert client.get(f"/metrics/{metric.slug}/", {"page": "x"}).status_code == 400


def test_the_json_twin_pages_the_values_that_have_a_current_value(mixed_metrics):
    metrics, _ = mixed_metrics
    metric = metrics["dates"]
    slugs = dict(Entity.objects.values_list("pk", "slug"))
    expected = [slugs[pk] for pk, _, _ in _oracle(metric, ordering="-value", current_only=True)]
    assert 2 < len(expected) < len(metric_values(metric))  # some have no current value
    url = f"/api/metrics/{metric.slug}/values/"
    got, page = [], 1
    while True:
        body = APIClient().get(url, {"ordering": "-value", "page_size": 2, "page": page}).json()
        assert body["count"] == len(expected)
        got += [row["entity"]["slug"] for row in body["results"]]
        if not body["next"]:
            break
        page += 1
    assert got == expected

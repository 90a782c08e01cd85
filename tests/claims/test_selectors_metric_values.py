"""Ordering a metric's values (claims/selectors.py ``metric_values``): one selector behind the
metric page and its JSON twin, for figures and for dates."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from claims.selectors import metric_values
from tests import factories

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

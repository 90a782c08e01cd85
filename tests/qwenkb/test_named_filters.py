"""The API's filter backend (``qwenkb.filters.NamedFiltersBackend``) answers what django-filter's
own FilterSet answers, for any mix of filters and values, while building each set of named
filters once."""

import copy
import io
import random

import pytest
from django.core.exceptions import EmptyResultSet
from django.core.management import call_command
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from claims.api.catalogue import EntityViewSet, MetricViewSet
from claims.api.views import ClaimViewSet, ContradictionViewSet
from claims.models import Claim, Contradiction, Entity, Metric
from qwenkb import filters
from sources.api.views import PublisherViewSet, SourceViewSet
from sources.models import Publisher, Source

pytestmark = pytest.mark.django_db

VIEWS = (ClaimViewSet, ContradictionViewSet, EntityViewSet, MetricViewSet)
VIEWS += (SourceViewSet, PublisherViewSet)
HOSTILE = ("", " ", "%s", "%", "nope", "-1", "1e400", "nan", "2026-13-01", "x" * 300, "ü\u202e")


@pytest.fixture
def knowledge_base():
    call_command("generate_synthetic", "--claims", "400", "--no-progress", stdout=io.StringIO())


def _values(name: str, spec, rng: random.Random) -> str:
    """A value for the filter ``name``: one it may take, taken from the data, or a hostile one."""
    if rng.random() < 0.3:
        return rng.choice(HOSTILE)
    choices = getattr(spec, "extra", {}).get("choices")
    if name == "ordering":
        fields = [f for f in getattr(spec, "param_map", {})] or ["name"]
        field = rng.choice(fields)
        return field if rng.random() < 0.5 else f"-{field}"
    if choices:
        return str(rng.choice([value for value, _ in choices]))
    if name in ("subject", "subject_tree", "parent"):
        return rng.choice(Entity.objects.values_list("slug", flat=True)[:50])
    if name == "metric":
        return rng.choice(Metric.objects.values_list("slug", flat=True))
    if name == "publisher":
        return rng.choice(Publisher.objects.values_list("slug", flat=True))
    if name == "source":
        return str(rng.choice(Source.objects.values_list("pk", flat=True)[:50]))
    if name.startswith("as_of"):
        return f"202{rng.randint(3, 6)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
    if name in ("descendants", "disputed"):
        return rng.choice(["true", "false", "1", "no"])
    if name == "q":
        return rng.choice(["qwen", "1", "Alibaba", "e"])
    return str(round(rng.uniform(0, 2e9), 2))


def _answer(filter_queryset, view_class, params: dict):
    """What filtering answers: the ids and the SQL, or the errors of a 400."""
    request = Request(APIRequestFactory().get("/", params))
    view = view_class(request=request, format_kwarg=None, action="list", kwargs={})
    queryset = view_class.filterset_class._meta.model._default_manager.order_by("pk")
    try:
        filtered = filter_queryset(request, queryset, view)
    except exceptions.ValidationError as error:
        return ("400", error.detail)
    try:
        sql = str(filtered.query)
    except EmptyResultSet:  # a filter that matches nothing by construction (pk IN ())
        sql = "nothing"
    return (sql, list(filtered.values_list("pk", flat=True)))


def _reference(request, queryset, view):
    """django-filter's own FilterSet, every filter copied deeply, its errors as the API's."""
    filterset = view.filterset_class(request.query_params, queryset, request=request)
    if not filterset.is_valid():
        raise exceptions.ValidationError(
            {name: list(errors) for name, errors in filterset.errors.items()}
        )
    return filterset.qs


@pytest.mark.parametrize("view_class", VIEWS, ids=lambda view: view.__name__)
def test_named_filters_answer_what_django_filter_answers_for_any_mix(knowledge_base, view_class):
    rng = random.Random(view_class.__name__)
    declared = view_class.filterset_class.base_filters
    assert Claim.objects.exists() and Contradiction.objects.exists()
    backend, seen = filters.NamedFiltersBackend(), {"400": 0, "rows": 0}
    for _ in range(120):
        names = rng.sample(sorted(declared), rng.randint(1, min(4, len(declared))))
        params = {name: _values(name, declared[name], rng) for name in names}
        expected = _answer(_reference, view_class, params)
        assert _answer(backend.filter_queryset, view_class, params) == expected, params
        seen["400" if expected[0] == "400" else "rows"] += 1
    # Both kinds of answer were compared, many times each.
    assert seen["400"] > 10 and seen["rows"] > 10


def test_each_request_gets_its_own_filters_built_once_per_set_of_names(knowledge_base):
    filters._named_filters.cache_clear()
    backend = filters.NamedFiltersBackend()
    made = []
    for subject in ("qwen", "other"):
        request = Request(APIRequestFactory().get("/", {"q": subject, "status": "accepted"}))
        view = ClaimViewSet(request=request, format_kwarg=None, action="list", kwargs={})
        made.append(backend.get_filterset(request, Claim.objects.all(), view))
    first, second = made
    assert list(first.filters) == ["status", "q"]  # the declared order, as django-filter's
    for name in first.filters:
        assert first.filters[name] is not second.filters[name]
        assert first.filters[name].parent is first and second.filters[name].parent is second
    # A method filter calls the method of its own request's FilterSet.
    assert first.filters["q"].filter.f is first.filters["q"]
    assert first.form is not second.form and first.form.fields["q"] is not second.form.fields["q"]
    assert filters._named_filters.cache_info().misses == 1
    assert filters._named_filters.cache_info().hits == 1


def test_building_a_requests_filters_copies_none_of_them_deeply(knowledge_base, monkeypatch):
    backend = filters.NamedFiltersBackend()
    params = {"subject": "x", "metric": "y", "value_min": "1", "ordering": "-point"}

    def build():
        request = Request(APIRequestFactory().get("/", params))
        view = ClaimViewSet(request=request, format_kwarg=None, action="list", kwargs={})
        return backend.get_filterset(request, Claim.objects.all(), view)

    build()
    copied = []
    deep = copy.deepcopy
    monkeypatch.setattr(copy, "deepcopy", lambda value, *a: copied.append(value) or deep(value, *a))
    filterset = build()
    assert len(filterset.filters) == 4
    assert not any(isinstance(value, dict) and "subject" in value for value in copied)
    assert copied == [{}]  # the empty set of filters ``__init__`` copies, and no filter

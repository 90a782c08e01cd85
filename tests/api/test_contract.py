"""One contract test per endpoint, written once: shape, filters, versions, errors, queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import Contradiction
from tests import factories

pytestmark = pytest.mark.django_db

# (list URL, detail URL from the kb fixture, a valid filter, an invalid filter value)
ENDPOINTS = {
    "entities": (
        "/api/entities/",
        lambda kb: f"/api/entities/{kb['qwen'].slug}/",
        {"kind": "model"},
        {"kind": "planet"},
    ),
    "metrics": (
        "/api/metrics/",
        lambda kb: f"/api/metrics/{kb['total'].slug}/",
        {"value_type": "quantity"},
        {"value_type": "colour"},
    ),
    "publishers": (
        "/api/publishers/",
        lambda kb: f"/api/publishers/{kb['publisher'].slug}/",
        {"reliability": "B"},
        {"reliability": "Z"},
    ),
    "sources": (
        "/api/sources/",
        lambda kb: f"/api/sources/{kb['source'].pk}/",
        {"reliability": "B"},
        {"publisher": "nobody"},
    ),
    "claims": (
        "/api/claims/",
        lambda kb: f"/api/claims/{kb['a'].pk}/",
        {"subject": "tongyi qianwen"},
        {"as_of_after": "soon"},
    ),
    "contradictions": (
        "/api/contradictions/",
        lambda kb: f"/api/contradictions/{Contradiction.objects.first().pk}/",
        {"status": "open"},
        {"severity_min": "big"},
    ),
}
NAMES = sorted(ENDPOINTS)


@pytest.mark.parametrize("name", NAMES)
def test_list_is_paginated_and_filtered(anon, kb, name):
    url, _, good, bad = ENDPOINTS[name]
    body = anon.get(url).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == len(body["results"]) > 0
    filtered = anon.get(url, good)
    assert filtered.status_code == 200
    assert 0 < filtered.json()["count"] <= body["count"]
    refused = anon.get(url, bad)
    assert refused.status_code == 400
    assert set(refused.json()) == set(bad)


@pytest.mark.parametrize("name", NAMES)
def test_unknown_parameters_and_page_sizes_are_refused_by_name(anon, kb, name):
    url = ENDPOINTS[name][0]
    assert "Unknown query parameter" in anon.get(url, {"colour": "red"}).json()["colour"][0]
    for size in ("0", "501", "ten"):
        response = anon.get(url, {"page_size": size})
        assert response.status_code == 400 and "page_size" in response.json()
    assert anon.get(url, {"page_size": "500"}).status_code == 200


@pytest.mark.parametrize("name", NAMES)
def test_detail_has_etag_and_answers_304(anon, kb, name):
    url = ENDPOINTS[name][1](kb)
    response = anon.get(url)
    assert response.status_code == 200
    etag = response["ETag"]
    assert etag.startswith('"') and len(etag) > 10
    assert anon.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert anon.get(url, HTTP_IF_NONE_MATCH='"other"').status_code == 200


@pytest.mark.parametrize("name", NAMES)
def test_list_etag_answers_304(anon, kb, name):
    url = ENDPOINTS[name][0]
    etag = anon.get(url)["ETag"]
    assert anon.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304


@pytest.mark.parametrize("name", NAMES)
def test_unknown_detail_is_404_json(anon, kb, name):
    url = ENDPOINTS[name][0] + "99999/"
    response = anon.get(url)
    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.parametrize("name", NAMES)
def test_list_queries_do_not_grow_with_page_size(anon, kb, name):
    url = ENDPOINTS[name][0]

    def queries(size: int) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert anon.get(url, {"page_size": size}).status_code == 200
        return len(ctx.captured_queries)

    one = queries(1)
    # grow every table so that a page of 500 has many rows (the extra claims quote a source
    # without stored text, so each quote can carry its own figure)
    bare = factories.source(pub=kb["publisher"])
    for i in range(12):
        subject = factories.entity(name=f"Extra {i}", parent=kb["qwen"])
        factories.claim(
            subject=subject,
            metric_=kb["total"],
            src=bare,
            value=f"{i + 1}B",
            quote="over 1 trillion parameters",
        )
        factories.claim(
            subject=subject,
            metric_=kb["total"],
            src=bare,
            value=f"{i + 50}B",
            quote="over 1 trillion parameters",
        )
        factories.source(pub=factories.publisher())
    # A page that holds the whole list saves the count query, so it may take one fewer.
    assert queries(500) <= one


@pytest.mark.parametrize("name", NAMES)
def test_anonymous_writes_are_401(anon, kb, name):
    list_url, detail, *_ = ENDPOINTS[name]
    assert anon.post(list_url, {}, format="json").status_code in (401, 405)
    assert anon.patch(detail(kb), {}, format="json").status_code in (401, 405)
    response = anon.post(list_url, {}, format="json")
    if response.status_code == 401:
        assert response["WWW-Authenticate"] == "Token"


def test_detail_queries_constant(anon, kb):
    def queries(url):
        with CaptureQueriesContext(connection) as ctx:
            anon.get(url)
        return len(ctx.captured_queries)

    small = queries(f"/api/entities/{kb['qwen'].slug}/facts/")
    bare = factories.source(pub=kb["publisher"])
    for i in range(20):
        metric = factories.metric()
        factories.claim(
            subject=kb["qwen"],
            metric_=metric,
            src=bare,
            value=f"{i + 1}B",
            quote="over 1 trillion parameters",
        )
    assert queries(f"/api/entities/{kb['qwen'].slug}/facts/?page_size=500") == small

"""Hostile and careless input: every change names its version, and no input reaches a 500."""

from unittest import mock

import psycopg
import pytest
from django.db import OperationalError, connection
from django.db.backends.utils import CursorWrapper
from django.test import Client, override_settings
from django_filters import FilterSet
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from claims import filtersets as claim_filtersets
from claims.models import Claim, Contradiction
from qwenkb import readcache
from qwenkb.filters import SEARCH_MAX_LENGTH, SearchFilter
from qwenkb.parsers import MAX_JSON_DEPTH, json_depth
from sources import filtersets as source_filtersets

# Every change of an existing object, as (method, path template, body).
CHANGES = [
    ("put", "/api/claims/{claim}/", None),
    ("patch", "/api/claims/{claim}/", {"notes": "n"}),
    ("delete", "/api/claims/{claim}/", None),
    ("post", "/api/claims/{claim}/accept/", {}),
    ("post", "/api/claims/{claim}/reject/", {}),
    ("post", "/api/claims/{claim}/prefer/", {"note": "n"}),
    ("post", "/api/contradictions/{contradiction}/resolve/", {"note": "n"}),
    ("post", "/api/contradictions/{contradiction}/dismiss/", {"note": "n"}),
    ("put", "/api/entities/{entity}/", None),
    ("patch", "/api/entities/{entity}/", {"description": "d"}),
    ("put", "/api/sources/{source}/", None),
    ("patch", "/api/sources/{source}/", {"title": "t"}),
    ("put", "/api/metrics/{metric}/", None),
    ("patch", "/api/metrics/{metric}/", {"bound_ratio": 2}),
    ("put", "/api/webhooks/endpoints/{endpoint}/", None),
    ("patch", "/api/webhooks/endpoints/{endpoint}/", {"active": False}),
    ("delete", "/api/webhooks/endpoints/{endpoint}/", None),
    ("put", "/api/publishers/{publisher}/", None),
    ("patch", "/api/publishers/{publisher}/", {"reliability": "A"}),
]


def _urls(kb) -> dict:
    from qwenkb.webhooks.models import Endpoint

    endpoint = Endpoint.objects.create(url="https://hooks.example/in", events=["source.added"])
    return {
        "endpoint": endpoint.pk,
        "claim": kb["a"].pk,
        "contradiction": Contradiction.objects.get().pk,
        "entity": kb["qwen"].slug,
        "source": kb["source"].pk,
        "metric": kb["a"].metric.slug,
        "publisher": kb["publisher"].slug,
    }


@pytest.fixture
def superuser_api(db):
    from django.contrib.auth.models import User

    from tests.api.conftest import token_client

    return token_client(User.objects.create_superuser("root", password=None))


@pytest.mark.parametrize(("method", "template", "body"), CHANGES)
def test_every_change_needs_if_match(superuser_api, kb, method, template, body):
    url = template.format(**_urls(kb))
    before = superuser_api.get(url.rsplit("/", 2)[0] + "/" if url.count("/") > 4 else url)
    response = getattr(superuser_api, method)(url, body or {}, format="json")
    assert response.status_code == 428, response.content
    assert "If-Match" in response.json()["detail"]
    again = superuser_api.get(url.rsplit("/", 2)[0] + "/" if url.count("/") > 4 else url)
    assert again["ETag"] == before["ETag"]  # nothing changed


@pytest.mark.django_db
def test_the_schema_documents_if_match_on_every_change_and_nowhere_else(anon):
    schema = anon.get("/api/schema/?format=json").json()
    documented = set()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            headers = [p for p in operation.get("parameters", []) if p["in"] == "header"]
            if any(p["name"] == "If-Match" and p["required"] for p in headers):
                documented.add((method, path))
                assert {"412", "428"} <= set(operation["responses"])
    expected = {
        (method, template.replace("{claim}", "{id}").replace("{contradiction}", "{id}"))
        for method, template, _ in CHANGES
    }
    expected = {
        (
            m,
            p.replace("{entity}", "{slug}")
            .replace("{source}", "{id}")
            .replace("{metric}", "{slug}")
            .replace("{endpoint}", "{id}")
            .replace("{publisher}", "{slug}"),
        )
        for m, p in expected
    }
    assert documented == expected


@pytest.mark.django_db
def test_delete_answers_what_the_schema_documents(anon, reviewer_api, kb):
    schema = anon.get("/api/schema/?format=json").json()
    documented = schema["paths"]["/api/claims/{id}/"]["delete"]["responses"]
    url = f"/api/claims/{kb['a'].pk}/"
    response = reviewer_api.delete(url, HTTP_IF_MATCH=reviewer_api.get(url)["ETag"])
    assert response.status_code == 200 and "200" in documented and "204" not in documented
    assert response["ETag"] == reviewer_api.get(url)["ETag"]


def test_a_stale_if_match_changes_nothing_on_review_actions(reviewer_api, kb):
    url = f"/api/claims/{kb['a'].pk}/"
    etag = reviewer_api.get(url)["ETag"]
    rejected = reviewer_api.post(url + "reject/", {}, format="json", HTTP_IF_MATCH=etag)
    assert rejected.status_code == 200
    stale = reviewer_api.post(url + "accept/", {}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412 and stale.json()["current"]["status"] == "rejected"
    assert stale["ETag"] == rejected["ETag"]
    assert Claim.objects.get(pk=kb["a"].pk).status == "rejected"


def test_long_reasons_and_notes_are_kept_whole(reviewer_api, editor_api, kb):
    """The history's reason column held 100 characters: longer reasons were a 500 on PostgreSQL."""
    reason = "Checked against the press release and two interviews; " * 10 + "done."
    url = f"/api/claims/{kb['c'].pk}/"
    changed = editor_api.patch(
        url,
        {"notes": "n", "reason": reason},
        format="json",
        HTTP_IF_MATCH=editor_api.get(url)["ETag"],
    )
    assert changed.status_code == 200
    assert Claim.history.filter(id=kb["c"].pk).latest().history_change_reason == reason
    record = Contradiction.objects.get()
    url = f"/api/contradictions/{record.pk}/"
    note = "The later report corrects the earlier one, as its own erratum says. " * 8 + "End."
    resolved = reviewer_api.post(
        url + "resolve/",
        {"preferred_claim": kb["b"].pk, "note": note},
        format="json",
        HTTP_IF_MATCH=reviewer_api.get(url)["ETag"],
    )
    assert resolved.status_code == 200 and resolved.json()["resolution"]["note"] == note
    latest = Contradiction.history.filter(id=record.pk).latest()
    assert latest.history_change_reason == f"Contradiction {record.pk} resolved: {note.strip()}"


def test_history_reason_columns_are_text():
    from django.apps import apps

    for model in apps.get_models():
        if model.__name__.startswith("Historical"):
            field = model._meta.get_field("history_change_reason")
            assert field.get_internal_type() == "TextField", model.__name__


@pytest.mark.parametrize(
    "url",
    [
        "/api/claims/?subject=%25s",
        "/api/claims/?subject_tree=%25s%25d",
        "/api/claims/?metric=%25(x)s",
        "/api/claims/?publisher=100%25",
        "/api/entities/?parent=%25s",
        "/api/contradictions/?subject=%25s",
    ],
)
def test_percent_signs_in_filter_values_are_read_literally(anon, kb, url):
    response = anon.get(url)
    assert response.status_code == 400
    name = url.split("?")[1].split("=")[0]
    value = url.split("=")[1].replace("%25", "%")
    [message] = response.json()[name]
    assert f"\u201c{value}\u201d" in message


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    value=st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=12)
)
def test_no_filter_value_reaches_a_server_error(kb, value):
    client = APIClient(raise_request_exception=False)
    for name in ("subject", "metric", "publisher", "disputed", "as_of_after", "source"):
        response = client.get("/api/claims/", {name: value})
        assert response.status_code in (200, 400), (name, value, response.content[:200])
        if response.status_code == 400:
            assert set(response.json()) == {name}


@pytest.mark.parametrize(
    ("url", "status"),
    [("/api/entities/%00/", 404), ("/api/claims/1%00/", 404), ("/entities/%00/", 404)],
)
def test_nul_in_a_path_is_not_found(db, url, status):
    response = Client(raise_request_exception=False).get(url)
    assert response.status_code == status


def test_nul_in_a_query_is_a_400_naming_the_parameter(db):
    client = Client(raise_request_exception=False)
    api = client.get("/api/parse/?text=%00")
    assert api.status_code == 400 and api.json() == {"text": ["Null characters are not allowed."]}
    page = client.get("/search/?q=a%00b")
    assert page.status_code == 400 and b"<code>q</code>" in page.content


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 1000, 100_000])
def test_deeply_nested_json_is_a_400(editor_api, kb, depth):
    body = '{"notes": ' + "[" * depth + "]" * depth + "}"
    response = editor_api.post("/api/claims/", body, content_type="application/json")
    assert response.status_code == 400
    assert "nested deeper" in response.json()["detail"]


@given(st.recursive(st.none(), lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner)))
def test_json_depth_counts_levels(value):
    def depth(v):
        if isinstance(v, list):
            return 1 + max(map(depth, v), default=0)
        if isinstance(v, dict):
            return 1 + max(map(depth, v.values()), default=0)
        return 0

    assert json_depth(value) == depth(value)


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/api/claims/?disputed=maybe", "disputed"),
        ("/api/entities/?descendants=maybe", "descendants"),  # was read as not given
        ("/api/claims/?cursor=garbage", "cursor"),
        ("/api/claims/?cursor=cD1hYmM%3D", "cursor"),  # a cursor whose position is no id
        ("/api/claims/?page=-1", "page"),
        ("/api/claims/?page=two", "page"),
        ("/api/entities/?page=0", "page"),
        ("/api/claims/?brief=perhaps", "brief"),
    ],
)
def test_bad_booleans_cursors_and_pages_are_a_400_naming_them(anon, kb, url, name):
    response = anon.get(url)
    assert response.status_code == 400
    assert list(response.json()) == [name]


def test_disputed_filter_reads_true_and_false(anon, kb):
    disputed = {c["id"] for c in anon.get("/api/claims/?disputed=yes").json()["results"]}
    undisputed = {c["id"] for c in anon.get("/api/claims/?disputed=0").json()["results"]}
    assert disputed == {kb["a"].pk, kb["b"].pk} and undisputed == {kb["c"].pk}
    assert anon.get("/entities/?disputed=unknown").status_code in (200, 400)


def test_a_page_past_the_end_names_the_page(anon, kb):
    response = anon.get("/api/claims/?page=9")
    assert response.status_code == 404 and "page 9" in response.json()["detail"]


@pytest.mark.django_db(transaction=True)
@override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
def test_a_forged_host_or_scheme_does_not_poison_the_read_cache(kb):
    readcache.clear()
    client = APIClient()
    url = "/api/claims/?page_size=1"
    forged = client.get(url, HTTP_HOST="localhost", HTTP_X_FORWARDED_PROTO="https")
    assert forged.json()["next"].startswith("https://localhost/")
    honest = client.get(url, HTTP_HOST="testserver")
    assert honest.json()["next"].startswith("http://testserver/api/claims/")
    again = client.get(url, HTTP_HOST="testserver")
    assert again["X-Cache"] == "hit" and again.content == honest.content
    readcache.clear()


def _database_down(*args, **kwargs):
    raise OperationalError("connection to server at 127.0.0.1, port 5432 failed")


@pytest.mark.parametrize("url", ["/api/claims/", "/api/entities/qwen/", "/api/contradictions/"])
def test_a_database_outage_is_a_json_503_on_the_api(kb, url):
    with mock.patch("django.db.backends.utils.CursorWrapper.execute", _database_down):
        response = Client(raise_request_exception=False).get(url)
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert int(response["Retry-After"]) > 0
    assert "unavailable" in response.json()["detail"]


@pytest.mark.parametrize(
    ("url", "kind"), [("/api/claims/", "application/json"), ("/", "text/html")]
)
def test_a_database_outage_after_the_view_is_a_503_too(kb, url, kind):
    """A session saved after the view (in middleware, out of the view's reach) fails: 503."""
    from django.contrib.sessions.middleware import SessionMiddleware

    with mock.patch.object(SessionMiddleware, "process_response", _database_down):
        response = Client(raise_request_exception=False).get(url)
    assert response.status_code == 503 and int(response["Retry-After"]) > 0
    assert response["Content-Type"].startswith(kind)


def test_any_other_failure_after_the_view_is_the_500_page(kb):
    from django.contrib.sessions.middleware import SessionMiddleware

    with mock.patch.object(SessionMiddleware, "process_response", side_effect=RuntimeError("x")):
        response = Client(raise_request_exception=False).get("/")
    assert response.status_code == 500 and "Retry-After" not in response
    assert response["Content-Type"].startswith("text/html")


def test_a_database_outage_is_a_friendly_503_page(kb):
    with mock.patch("django.db.backends.utils.CursorWrapper.execute", _database_down):
        response = Client(raise_request_exception=False).get("/entities/qwen/")
    assert response.status_code == 503 and int(response["Retry-After"]) > 0
    assert response["Content-Type"].startswith("text/html")
    assert b"briefly unavailable" in response.content


@pytest.mark.parametrize(
    ("proxies", "expected"), [(0, "192.0.2.9"), (1, "203.0.113.7"), (2, "198.51.100.1")]
)
def test_clients_are_told_apart_by_address_and_trusted_proxies_only(proxies, expected):
    from rest_framework.request import Request
    from rest_framework.settings import api_settings
    from rest_framework.test import APIRequestFactory

    from qwenkb.throttles import AnonReadRateThrottle

    forwarded = "198.51.100.1, 203.0.113.7"  # the client's claim, then the proxy's
    raw = APIRequestFactory().get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="192.0.2.9")
    with mock.patch.object(api_settings, "NUM_PROXIES", proxies):
        assert AnonReadRateThrottle().get_ident(Request(raw)) == expected


def test_by_default_no_proxy_is_trusted():
    from django.conf import settings as django_settings

    assert django_settings.REST_FRAMEWORK["NUM_PROXIES"] == 0


SEARCHED = [
    *("/api/entities/", "/api/metrics/", "/api/publishers/", "/api/sources/", "/api/claims/"),
    *("/api/search/", "/search/", "/entities/", "/metrics/", "/claims/", "/sources/"),
    "/publishers/",
]


@pytest.mark.parametrize("url", SEARCHED)
def test_text_to_look_for_is_bounded_and_a_longer_one_is_a_400_naming_q(db, url):
    """Matching text costs the database in proportion to its length, row by row (10,000
    characters took 165 s over a million claims): ``?q=`` takes at most 200 characters."""
    client = Client(raise_request_exception=False)
    longest = client.get(url, {"q": "é" * SEARCH_MAX_LENGTH})
    assert longest.status_code == 200
    if not url.startswith("/api/"):  # its search box takes no more
        assert b'name="q" maxlength="200"' in longest.content
    response = client.get(url, {"q": "é" * 10_000})
    assert response.status_code == 400
    message = "Must be at most 200 characters; got 10000."
    if url.startswith("/api/"):
        assert response.json() == {"q": [message]}
    else:
        assert b"<code>q</code>" in response.content and message.encode() in response.content


def test_every_filter_on_text_to_look_for_is_bounded():
    searched = {
        name: filterset.base_filters["q"]
        for module in (claim_filtersets, source_filtersets)
        for name, filterset in vars(module).items()
        if isinstance(filterset, type)
        and issubclass(filterset, FilterSet)
        and "q" in filterset.base_filters
    }
    assert len(searched) == 5
    assert all(isinstance(q, SearchFilter) for q in searched.values())


def _stopped_for_taking_too_long(*args, **kwargs):
    """What Django raises for a statement PostgreSQL stopped at ``statement_timeout``."""
    cause = psycopg.errors.QueryCanceled("canceling statement due to statement timeout")
    raise OperationalError("canceling statement due to statement timeout") from cause


@pytest.mark.parametrize("url", ["/api/claims/", "/claims/"])
def test_a_request_the_database_stopped_for_taking_too_long_says_so(kb, url, settings):
    settings.DB_REQUEST_TIMEOUT = 30
    with mock.patch("django.db.backends.utils.CursorWrapper.execute", _stopped_for_taking_too_long):
        response = Client(raise_request_exception=False).get(url)
    assert response.status_code == 503
    assert "Retry-After" not in response  # asking again would take as long
    sentence = "The database worked on this request for more than 30 s and stopped it."
    if url.startswith("/api/"):
        assert response.json()["detail"].startswith(sentence)
    else:
        assert b"That took too long" in response.content and sentence.encode() in response.content


@pytest.mark.needs("postgresql")
def test_a_statement_postgresql_stops_at_the_timeout_is_that_503(kb, settings):
    """The real thing: PostgreSQL's statement_timeout (what the app server sets) stops a slow
    statement, and the answer says so."""
    settings.DB_REQUEST_TIMEOUT = 0.05
    real = CursorWrapper._execute

    def slow(self, sql, params, *more):
        real(self, "SELECT pg_sleep(0.5)", None, *more)
        return real(self, sql, params, *more)

    with connection.cursor() as cursor:  # undone with the test's transaction
        cursor.execute("SET statement_timeout = 50")
    with mock.patch.object(CursorWrapper, "_execute", slow):
        response = Client(raise_request_exception=False).get("/api/entities/?q=qwen")
    assert response.status_code == 503 and "Retry-After" not in response
    assert "more than 0.05 s and stopped it" in response.json()["detail"]

"""Publishers and metrics through the API: create, change with If-Match, history, hostile input."""

import pytest

from claims.models import Contradiction, Metric
from sources.models import Publisher, Source
from tests import factories

pytestmark = pytest.mark.django_db

NEW_METRIC = {
    "name": "Training tokens",
    "slug": "training-tokens",
    "value_type": "quantity",
    "dimension": "number",
    "unit": "tokens",
    "cues": ["trained on", "training tokens"],
    "reason": "needed for the Qwen3 report",
}
NEW_PUBLISHER = {
    "name": "KrASIA",
    "slug": "krasia",
    "url": "https://kr-asia.com",
    "reliability": "C",
    "reason": "new source",
}


def history_reasons(obj) -> list[str]:
    return list(obj.history.order_by("history_id").values_list("history_change_reason", flat=True))


def test_anonymous_reads_but_cannot_write(anon, kb):
    assert anon.get("/api/publishers/").status_code == 200
    assert anon.get("/api/metrics/largest-model-parameters/").status_code == 200
    assert anon.post("/api/metrics/", NEW_METRIC, format="json").status_code == 401
    assert anon.post("/api/publishers/", NEW_PUBLISHER, format="json").status_code == 401
    assert not Metric.objects.filter(slug="training-tokens").exists()


def test_an_account_outside_the_editors_is_refused(db, kb):
    from django.contrib.auth.models import User

    from tests.api.conftest import token_client

    outsider = token_client(User.objects.create_user("olga", password=None))
    refused = outsider.post("/api/publishers/", NEW_PUBLISHER, format="json")
    assert refused.status_code == 403 and "sources.add_publisher" in refused.json()["detail"]


def test_editor_creates_a_metric_with_history_and_its_etag(editor_api, editor, kb):
    made = editor_api.post("/api/metrics/", NEW_METRIC, format="json")
    assert made.status_code == 201, made.json()
    body = made.json()
    assert body["slug"] == "training-tokens" and body["cues"] == ["trained on", "training tokens"]
    assert body["bound_ratio"] == 1.5 and body["counting"] == "level"
    assert made["ETag"] == editor_api.get("/api/metrics/training-tokens/")["ETag"]
    metric = Metric.objects.get(slug="training-tokens")
    entry = metric.history.get()
    assert entry.history_type == "+" and entry.history_user == editor
    assert entry.history_change_reason == "needed for the Qwen3 report"
    again = editor_api.post("/api/metrics/", NEW_METRIC, format="json")
    assert again.status_code == 400 and "slug" in again.json()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": None}, "name"),
        ({"value_type": "colour"}, "value_type"),
        ({"dimension": ""}, "dimension"),  # a quantity needs one
        ({"value_type": "date"}, "dimension"),  # a date has none
        ({"slug": "Training Tokens!"}, "slug"),
        ({"owner": "me"}, "owner"),
    ],
)
def test_a_bad_metric_is_400_naming_the_field(editor_api, kb, change, field):
    body = {k: v for k, v in (NEW_METRIC | change).items() if v is not None}
    refused = editor_api.post("/api/metrics/", body, format="json")
    assert refused.status_code == 400 and field in refused.json(), refused.json()
    assert not Metric.objects.filter(name="Training tokens").exists()


def test_metric_changes_need_the_current_version_and_keep_history(editor_api, editor, kb):
    url = "/api/metrics/largest-model-parameters/"
    assert editor_api.patch(url, {"description": "x"}, format="json").status_code == 428
    etag = editor_api.get(url)["ETag"]
    done = editor_api.patch(
        url,
        {"description": "The largest model", "reason": "clarity"},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert done.status_code == 200 and done.json()["description"] == "The largest model"
    stale = editor_api.patch(url, {"description": "y"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale.json()["current"]["description"] == "The largest model"
    assert stale["ETag"] == done["ETag"]
    assert history_reasons(kb["largest"])[-1] == "clarity"
    assert kb["largest"].history.count() == 2


def test_put_replaces_every_field_of_a_metric(editor_api, kb):
    url = "/api/metrics/largest-model-parameters/"
    etag = editor_api.get(url)["ETag"]
    editor_api.patch(
        url, {"bound_ratio": 2, "cues": ["largest"]}, format="json", HTTP_IF_MATCH=etag
    )
    etag = editor_api.get(url)["ETag"]
    body = {
        "name": "Largest model",
        "slug": "largest-model-parameters",
        "value_type": "quantity",
        "dimension": "number",
        "unit": "parameters",
        "reason": "reset",
    }
    done = editor_api.put(url, body, format="json", HTTP_IF_MATCH=etag)
    assert done.status_code == 200, done.json()
    # Left out of the PUT: back to the defaults, and the 1.8x pair is a discrepancy again.
    assert done.json()["bound_ratio"] == 1.5 and done.json()["cues"] == []
    assert Contradiction.objects.get().status == "open"
    missing = editor_api.put(url, {"name": "x"}, format="json", HTTP_IF_MATCH=done["ETag"])
    assert missing.status_code == 400 and {"slug", "value_type"} <= set(missing.json())


def test_a_metric_change_its_claims_cannot_read_is_refused_whole(editor_api, kb):
    url = "/api/metrics/largest-model-parameters/"
    name = kb["largest"].name
    etag = editor_api.get(url)["ETag"]
    refused = editor_api.patch(
        url,
        {"value_type": "date", "dimension": "", "name": "Renamed"},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert refused.status_code == 400 and "value_type" in refused.json()
    assert "claim" in refused.json()["value_type"][0]
    kb["largest"].refresh_from_db()
    assert (kb["largest"].value_type, kb["largest"].name) == ("quantity", name)
    assert kb["largest"].history.count() == 1
    assert editor_api.get(url)["ETag"] == etag


def test_editor_creates_and_changes_a_publisher_with_history(editor_api, editor, kb):
    made = editor_api.post("/api/publishers/", NEW_PUBLISHER, format="json")
    assert made.status_code == 201, made.json()
    assert made.json() == {
        "slug": "krasia",
        "name": "KrASIA",
        "url": "https://kr-asia.com",
        "reliability": "C",
        "description": "",
    }
    url = "/api/publishers/krasia/"
    assert editor_api.patch(url, {"description": "x"}, format="json").status_code == 428
    etag = editor_api.get(url)["ETag"]
    assert etag == made["ETag"]
    done = editor_api.patch(
        url,
        {"description": "Tech news in Asia", "reason": "context"},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert done.status_code == 200 and done.json()["description"] == "Tech news in Asia"
    stale = editor_api.patch(url, {"name": "K"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412 and stale.json()["current"]["name"] == "KrASIA"
    publisher = Publisher.objects.get(slug="krasia")
    assert history_reasons(publisher) == ["new source", "context"]
    assert {e.history_user for e in publisher.history.all()} == {editor}
    put = editor_api.put(
        url, {"name": "KrASIA", "slug": "kr-asia"}, format="json", HTTP_IF_MATCH=done["ETag"]
    )
    assert put.status_code == 200
    assert put.json() == {
        "slug": "kr-asia",
        "name": "KrASIA",
        "url": "",
        "reliability": "F",
        "description": "",
    }
    assert editor_api.get("/api/publishers/kr-asia/").status_code == 200
    taken = editor_api.post("/api/publishers/", NEW_PUBLISHER | {"slug": "kr-asia"}, format="json")
    assert taken.status_code == 400 and "slug" in taken.json()


def test_a_publishers_new_grade_reaches_the_sources_that_take_its_default(editor_api, kb):
    publisher = kb["publisher"]  # grade B; kb's source took it by default
    own = factories.source(title="Graded apart", pub=publisher, reliability="B")
    Source.objects.filter(pk=own.pk).update(reliability_reason="checked by hand")
    other = factories.source(title="Other grade", pub=publisher, reliability="D")
    qwen_url = "/api/entities/qwen/facts/"
    before = {f["metric"]["slug"]: f for f in editor_api.get(qwen_url).json()["results"]}
    assert before["largest-model-parameters"]["current"]["source"]["reliability"] == "B"
    url = f"/api/publishers/{publisher.slug}/"
    etag = editor_api.get(url)["ETag"]
    done = editor_api.patch(
        url, {"reliability": "E", "reason": "retractions"}, format="json", HTTP_IF_MATCH=etag
    )
    assert done.status_code == 200
    grades = dict(Source.objects.values_list("title", "reliability"))
    assert grades == {"Weekly report": "E", "Graded apart": "B", "Other grade": "D"}
    followed = Source.objects.get(title="Weekly report")
    assert followed.history.first().history_change_reason == (
        "VentureBeat's default grade changed from B to E: retractions"
    )
    after = {f["metric"]["slug"]: f for f in editor_api.get(qwen_url).json()["results"]}
    assert after["largest-model-parameters"]["current"]["source"]["reliability"] == "E"
    assert other.history.count() == 1  # untouched


TEN_THOUSAND = "x" * 10_000


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "bad\x00name"}, "name"),
        ({"name": TEN_THOUSAND}, "name"),
        ({"description": "nul \x00 inside"}, "description"),
        ({"unit": TEN_THOUSAND}, "unit"),
        ({"slug": "rocket-\U0001f680"}, "slug"),
        ({"slug": "100%"}, "slug"),
        ({"cues": ["ok", "bad\x00cue"]}, "cues"),
        ({"cues": [TEN_THOUSAND]}, "cues"),
        ({"cues": "not a list"}, "cues"),
        ({"cues": ["  "]}, "cues"),
        ({"bound_ratio": -2}, "bound_ratio"),
        ({"bound_ratio": 0}, "bound_ratio"),
        ({"bound_ratio": 1e308}, "bound_ratio"),
        ({"bound_ratio": "NaN"}, "bound_ratio"),
        ({"bound_ratio": "1e999"}, "bound_ratio"),
        ({"tolerance": -0.1}, "tolerance"),
        ({"counting": "%"}, "counting"),
    ],
)
def test_hostile_metric_values_are_400_naming_the_field(editor_api, kb, change, field):
    url = "/api/metrics/largest-model-parameters/"
    etag = editor_api.get(url)["ETag"]
    refused = editor_api.patch(url, change, format="json", HTTP_IF_MATCH=etag)
    assert refused.status_code == 400, refused.content
    assert set(refused.json()) == {field}, refused.json()
    created = editor_api.post("/api/metrics/", NEW_METRIC | change, format="json")
    assert created.status_code == 400 and field in created.json(), created.json()
    assert kb["largest"].history.count() == 1
    assert not Metric.objects.filter(name="Training tokens").exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "bad\x00name"}, "name"),
        ({"name": TEN_THOUSAND}, "name"),
        ({"description": "nul \x00 inside"}, "description"),
        ({"slug": "\U0001f4f0"}, "slug"),
        ({"slug": "%"}, "slug"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "https://example.com/" + TEN_THOUSAND}, "url"),
        ({"reliability": "Z"}, "reliability"),
        ({"reliability": "%"}, "reliability"),
    ],
)
def test_hostile_publisher_values_are_400_naming_the_field(editor_api, kb, change, field):
    url = f"/api/publishers/{kb['publisher'].slug}/"
    etag = editor_api.get(url)["ETag"]
    refused = editor_api.patch(url, change, format="json", HTTP_IF_MATCH=etag)
    assert refused.status_code == 400, refused.content
    assert set(refused.json()) == {field}, refused.json()
    created = editor_api.post("/api/publishers/", NEW_PUBLISHER | change, format="json")
    assert created.status_code == 400 and field in created.json(), created.json()
    assert kb["publisher"].history.count() == 1
    assert not Publisher.objects.filter(name="KrASIA").exists()


def test_odd_but_valid_text_is_stored_whole(editor_api, kb):
    name = "100% \U0001f680 R\u00e9sum\u00e9 <b>&amp;</b>"
    long_text = "\U0001f680" + TEN_THOUSAND
    made = editor_api.post(
        "/api/metrics/",
        NEW_METRIC | {"name": name, "description": long_text, "cues": ["50%", "\U0001f680 rocket"]},
        format="json",
    )
    assert made.status_code == 201, made.json()
    metric = Metric.objects.get(slug="training-tokens")
    assert metric.name == name and metric.description == long_text
    assert metric.cues == ["50%", "\U0001f680 rocket"]
    publisher = editor_api.post(
        "/api/publishers/",
        NEW_PUBLISHER | {"name": name, "description": long_text},
        format="json",
    )
    assert publisher.status_code == 201
    assert Publisher.objects.get(slug="krasia").description == long_text
    found = editor_api.get("/api/publishers/", {"q": "100%"}).json()
    assert [p["slug"] for p in found["results"]] == ["krasia"]

"""Reads: fact sheets, metric values, the parser, brief and cursor pages, exports, docs, limits."""

import csv
import io
import json

import pytest
from django.test import override_settings
from rest_framework.settings import api_settings

from claims import services
from claims.models import Contradiction
from qwenkb.throttles import AnonReadRateThrottle
from tests import factories

pytestmark = pytest.mark.django_db


def test_claim_json_has_the_contract_shape(anon, kb):
    body = anon.get(f"/api/claims/{kb['a'].pk}/").json()
    assert set(body) >= {
        "id",
        "subject",
        "metric",
        "value_text",
        "value",
        "as_of",
        "source",
        "attributed_to",
        "quote",
        "quote_verified",
        "status",
        "rank",
        "disputed",
        "contradictions",
    }
    assert body["quote_verified"] is True
    assert body["subject"] == {"slug": kb["qwen"].slug, "name": "Qwen", "kind": "model_family"}
    assert body["source"]["reliability"] == "B" and body["source"]["publisher"] == "VentureBeat"
    assert body["as_of"] == {"start": "2026-03-28", "end": "2026-03-28", "precision": "day"}
    record = Contradiction.objects.get()
    assert body["contradictions"] == [
        {
            "id": record.pk,
            "kind": "discrepancy",
            "status": "open",
            "review": "confirmed",
            "severity": pytest.approx(1.8),
            "other_claim": kb["b"].pk,
        }
    ]


def test_seed_case_disputed_claims_and_open_contradictions(anon, kb):
    claims = anon.get("/api/claims/", {"subject": "qwen", "disputed": "true"}).json()["results"]
    assert {c["value_text"] for c in claims} == {"over 1 trillion", "exceeding 1.8 trillion"}
    for claim in claims:
        other = ({kb["a"].pk, kb["b"].pk} - {claim["id"]}).pop()
        assert [c["other_claim"] for c in claim["contradictions"]] == [other]
    (record,) = anon.get("/api/contradictions/", {"status": "open"}).json()["results"]
    assert "1.8× apart" in record["explanation"]
    assert [c["id"] for c in record["claims"]] == [kb["a"].pk, kb["b"].pk]


def test_entity_by_alias_and_fact_sheet(anon, kb):
    assert anon.get("/api/entities/tongyi-qianwen/").json()["slug"] == kb["qwen"].slug
    facts = anon.get("/api/entities/qwen/facts/").json()["results"]
    (fact,) = facts
    assert fact["metric"]["slug"] == "largest-model-parameters"
    assert fact["disputed"] is True and fact["claim_count"] == 2
    assert len(fact["open_contradictions"]) == 1
    assert fact["current"]["value_text"] in {"over 1 trillion", "exceeding 1.8 trillion"}


def test_metric_values_filter_by_parent_and_order(anon, kb):
    for name, value in (("Qwen3.5-27B", "27B"), ("Qwen3.5-35B", "35B")):
        model = factories.entity(name=name, parent=kb["qwen"])
        factories.claim(subject=model, metric_=kb["total"], value=value, quote=name)
    factories.claim(metric_=kb["total"], value="7B", quote="q")  # no parent
    body = anon.get(
        "/api/metrics/total-parameters/values/", {"parent": "qwen", "ordering": "-value"}
    ).json()
    assert [row["entity"]["name"] for row in body["results"]] == [
        "Qwen3.5-Max Preview",
        "Qwen3.5-35B",
        "Qwen3.5-27B",
    ]
    assert body["results"][0]["current"]["value"]["low"] == 1e12
    assert (
        anon.get("/api/metrics/total-parameters/values/", {"parent": "nobody"}).status_code == 400
    )
    assert anon.get("/api/metrics/total-parameters/values/", {"kind": "model"}).json()["count"] == 4


def test_filters_subject_tree_value_range_and_ordering(anon, kb):
    tree = anon.get("/api/claims/", {"subject_tree": "qwen"}).json()
    assert tree["count"] == 3
    ranged = anon.get("/api/claims/", {"value_min": 1.5e12, "ordering": "-value"}).json()
    assert [c["value_text"] for c in ranged["results"]] == ["exceeding 1.8 trillion"]
    ordered = anon.get("/api/claims/", {"ordering": "value"}).json()["results"]
    assert ordered[-1]["value_text"] == "exceeding 1.8 trillion"
    assert anon.get("/api/claims/", {"ordering": "colour"}).status_code == 400
    assert anon.get("/api/contradictions/", {"severity_min": 2}).json()["count"] == 0
    assert anon.get("/api/claims/", {"q": "rivals say"}).json()["count"] == 0
    assert anon.get("/api/claims/", {"q": "1.8 trillion"}).json()["count"] == 1


def test_brief_mode_and_cursor_pages(anon, kb):
    brief = anon.get("/api/claims/", {"brief": "true"}).json()["results"][0]
    assert set(brief) == {"id", "subject", "metric", "value_text", "value", "disputed"}
    assert anon.get("/api/claims/", {"brief": "perhaps"}).status_code == 400
    first = anon.get("/api/claims/", {"pagination": "cursor", "page_size": 2}).json()
    assert [c["id"] for c in first["results"]] == [kb["a"].pk, kb["b"].pk]
    second = anon.get(first["next"]).json()
    assert [c["id"] for c in second["results"]] == [kb["c"].pk]
    assert (
        anon.get("/api/claims/", {"pagination": "cursor", "ordering": "value"}).status_code == 400
    )


def test_parse(anon, kb):
    body = anon.get("/api/parse/", {"text": "over 1 trillion"}).json()
    assert body["value"] == {
        "type": "quantity",
        "bound": "more_than",
        "low": 1e12,
        "high": None,
        "point": 1e12,
        "unit": "",
    }
    with_metric = anon.get(
        "/api/parse/", {"text": "nearly 400", "metric": "total-parameters"}
    ).json()
    assert (
        with_metric["value"]["low"] == pytest.approx(380)
        and with_metric["value"]["unit"] == "parameters"
    )
    date = anon.get("/api/parse/", {"text": "February 16", "context": "2026-03-28"}).json()
    assert date["value"] == {
        "type": "date",
        "start": "2026-02-16",
        "end": "2026-02-16",
        "precision": "day",
    }
    refused = anon.get("/api/parse/", {"text": "lots"})
    assert refused.status_code == 400 and "lots" in refused.json()["text"][0]
    assert anon.get("/api/parse/").status_code == 400
    assert anon.get("/api/parse/", {"text": "5", "metric": "nope"}).json() == {
        "metric": ["No metric has the slug “nope”."]
    }
    assert anon.get("/api/parse/", {"text": "30%", "metric": "total-parameters"}).status_code == 400


def test_csv_export_streams_every_row_and_neutralises_formulas(anon, kb):
    services.claim_update(claim=kb["c"], notes="n", quote="over 1 trillion parameters")
    evil = factories.claim(
        subject=kb["qwen"],
        metric_=factories.metric(value_type="text"),
        value="=HYPERLINK(1)",
        quote="q",
    ).claim
    response = anon.get("/api/claims/", {"format": "csv", "page_size": 1})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 4  # every row, not one page
    by_id = {int(r["id"]): r for r in rows}
    assert by_id[evil.pk]["value_text"] == "'=HYPERLINK(1)"
    assert (
        by_id[kb["a"].pk]["disputed"] == "True" and by_id[kb["a"].pk]["point"] == "1000000000000.0"
    )
    filtered = anon.get("/api/claims/", {"format": "csv", "subject": "Qwen3.5-Max Preview"})
    assert (
        len(
            list(
                csv.DictReader(
                    io.StringIO(b"".join(filtered.streaming_content).decode("utf-8-sig"))
                )
            )
        )
        == 1
    )
    bad = anon.get("/api/claims/", {"format": "csv", "subject": "nobody"})
    assert bad.status_code == 400 and bad.json() == {
        "subject": ["No entity has the slug, name or alias “nobody”."]
    }


def test_jsonl_exports(anon, kb):
    response = anon.get("/api/contradictions/", {"format": "jsonl"})
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert [json.loads(line)["kind"] for line in lines] == ["discrepancy"]
    claims = (
        b"".join(anon.get("/api/claims/", {"format": "jsonl"}).streaming_content)
        .decode()
        .splitlines()
    )
    assert len(claims) == 3


def test_schema_and_offline_docs(anon, kb):
    schema = anon.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    spec = json.loads(schema.content)
    paths = spec["paths"]
    for path in [
        "/api/claims/",
        "/api/claims/{id}/",
        "/api/contradictions/{id}/resolve/",
        "/api/entities/{slug}/facts/",
        "/api/metrics/{slug}/values/",
        "/api/parse/",
        "/api/sources/",
        "/api/publishers/",
    ]:
        assert path in paths, path
    names = {p["name"] for p in paths["/api/claims/"]["get"]["parameters"]}
    assert {
        "subject",
        "subject_tree",
        "disputed",
        "value_min",
        "as_of_after",
        "ordering",
        "brief",
        "page_size",
    } <= names
    docs = anon.get("/api/docs/").content.decode()
    assert (
        "swagger-ui-bundle.js" in docs
        and "http" not in docs.split("swagger-ui-bundle.js")[0].rsplit('"', 1)[-1]
    )
    assert "<script>" not in docs  # CSP: no inline script


def test_anonymous_reads_are_throttled_with_retry_after(anon, kb, monkeypatch):
    monkeypatch.setattr(AnonReadRateThrottle, "THROTTLE_RATES", {"anon": "3/minute"})
    codes = [anon.get("/api/metrics/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = anon.get("/api/metrics/")
    assert int(response["Retry-After"]) > 0


def test_writes_are_throttled(editor_api, kb, monkeypatch):
    from qwenkb.throttles import WriteRateThrottle

    monkeypatch.setattr(
        WriteRateThrottle, "THROTTLE_RATES", {"writes": "1/minute", "anon": "1000/minute"}
    )
    first = editor_api.post("/api/claims/", {}, format="json")
    second = editor_api.post("/api/claims/", {}, format="json")
    assert (first.status_code, second.status_code) == (400, 429)
    assert editor_api.get("/api/claims/").status_code == 200


def test_cors_closed_by_default_and_configurable(anon, kb):
    origin = {"HTTP_ORIGIN": "https://example.org"}
    assert "Access-Control-Allow-Origin" not in anon.get("/api/metrics/", **origin)
    with override_settings(CORS_ALLOWED_ORIGINS=["https://example.org"]):
        response = anon.get("/api/metrics/", **origin)
    assert response["Access-Control-Allow-Origin"] == "https://example.org"


def test_default_api_settings_are_strict():
    assert [r.__name__ for r in api_settings.DEFAULT_RENDERER_CLASSES] == ["ORJSONRenderer"]


def test_facts_carry_the_current_values_grade_and_why(anon, kb):
    (fact,) = [
        f
        for f in anon.get(f"/api/entities/{kb['qwen'].slug}/facts/").json()["results"]
        if f["metric"]["slug"] == "largest-model-parameters"
    ]
    assert fact["grade"] == "B"
    assert fact["why"]  # two claims from one source: not "the only accepted claim"
    assert fact["why"] != "the only accepted claim"
    values = anon.get("/api/metrics/total-parameters/values/").json()["results"]
    assert [(v["grade"], v["why"]) for v in values] == [("B", "the only accepted claim")]


def test_a_contradiction_with_a_proposed_claim_is_pending_and_not_disputed(anon, kb):
    proposed = factories.claim(
        subject=kb["model"], metric_=kb["total"], value="50B", status="proposed"
    ).claim
    record = Contradiction.objects.get(claim_b=proposed)
    body = anon.get(f"/api/contradictions/{record.pk}/").json()
    assert body["review"] == "pending"
    listed = anon.get("/api/contradictions/", {"subject": kb["model"].slug}).json()["results"]
    assert [r["review"] for r in listed] == ["pending"]
    claim = anon.get(f"/api/claims/{proposed.pk}/").json()
    assert [c["review"] for c in claim["contradictions"]] == ["pending"]
    facts = anon.get(f"/api/entities/{kb['model'].slug}/facts/").json()["results"]
    assert [(f["disputed"], f["open_contradictions"][0]["review"]) for f in facts] == [
        (False, "pending")
    ]
    services.claim_accept(claim=proposed)
    assert anon.get(f"/api/contradictions/{record.pk}/").json()["review"] == "confirmed"
    facts = anon.get(f"/api/entities/{kb['model'].slug}/facts/").json()["results"]
    assert facts[0]["disputed"] is True


def test_claims_on_a_source_without_text_are_unverified(anon, kb):
    bare = factories.claim(subject=kb["model"], value="27B").claim
    assert anon.get(f"/api/claims/{bare.pk}/").json()["quote_verified"] is False
    assert anon.get(f"/api/claims/{kb['a'].pk}/").json()["quote_verified"] is True
    rows = {c["id"]: c for c in anon.get("/api/claims/").json()["results"]}
    assert (rows[bare.pk]["quote_verified"], rows[kb["a"].pk]["quote_verified"]) == (False, True)

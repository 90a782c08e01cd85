"""Writes through the API: the same services as the admin, versions, roles and errors."""

import json

import pytest
from rest_framework.test import APIClient

from claims.models import Claim, Contradiction, Entity
from sources.models import Source

pytestmark = pytest.mark.django_db


def new_claim(kb, **extra) -> dict:
    return {
        "subject": "Qwen3.5-Max Preview",
        "metric": "total-parameters",
        "source": kb["source"].pk,
        "value_text": "exceeding 1.8 trillion",
        "quote": "exceeding 1.8 trillion",
        "reason": "from the weekly report",
        **extra,
    }


def test_editor_creates_claim_and_sees_the_conflict_it_opened(editor_api, kb, editor):
    response = editor_api.post("/api/claims/", new_claim(kb), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["value"] == {
        "type": "quantity",
        "bound": "more_than",
        "low": 1.8e12,
        "high": None,
        "point": 1.8e12,
        "unit": "parameters",
    }
    assert body["status"] == "proposed" and body["disputed"] is True
    (opened,) = body["contradictions_opened"]
    assert opened["kind"] == "discrepancy" and opened["severity"] == pytest.approx(1.8)
    assert body["contradictions"][0]["other_claim"] == kb["c"].pk
    claim = Claim.objects.get(pk=body["id"])
    assert (claim.added_by, claim.history.first().history_change_reason) == (
        editor,
        "from the weekly report",
    )
    assert response["ETag"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"value_text": "heaps"}, "value_text"),
        ({"quote": "not in the text"}, "quote"),
        ({"subject": "Nobody"}, "subject"),
        ({"metric": "nope"}, "metric"),
        ({"source": 9999}, "source"),
        ({"source": "two"}, "source"),
        ({"as_of": "one day"}, "as_of"),
        ({"status": "maybe"}, "status"),
        ({"value_text": "-5 trillion"}, "value_text"),
        ({"colour": "red"}, "colour"),
        ({"attributed_to": "nobody"}, "attributed_to"),
    ],
)
def test_bad_claim_input_is_400_naming_the_field_and_writes_nothing(editor_api, kb, change, field):
    before = Claim.objects.count()
    response = editor_api.post("/api/claims/", new_claim(kb, **change), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Claim.objects.count() == before


def test_malformed_json_wrong_body_and_huge_body(editor_api, kb):
    response = editor_api.post("/api/claims/", "{not json", content_type="application/json")
    assert response.status_code == 400 and "JSON parse error" in response.json()["detail"]
    assert editor_api.post("/api/claims/", [1, 2], format="json").status_code == 400
    huge = json.dumps(new_claim(kb, notes="x" * (2 * 1024 * 1024)))
    response = editor_api.post("/api/claims/", huge, content_type="application/json")
    assert response.status_code == 413


def test_only_reviewers_accept_or_set_status(editor_api, reviewer_api, kb):
    response = editor_api.post("/api/claims/", new_claim(kb, status="accepted"), format="json")
    assert response.status_code == 403 and "reviewers" in response.json()["detail"].lower()
    created = editor_api.post("/api/claims/", new_claim(kb), format="json").json()
    assert editor_api.post(f"/api/claims/{created['id']}/accept/").status_code == 403
    accepted = reviewer_api.post(
        f"/api/claims/{created['id']}/accept/",
        {"reason": "checked"},
        format="json",
        HTTP_IF_MATCH=reviewer_api.get(f"/api/claims/{created['id']}/")["ETag"],
    )
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"


def test_delete_is_a_rejection(reviewer_api, editor_api, kb):
    url = f"/api/claims/{kb['a'].pk}/"
    assert editor_api.delete(url).status_code == 403
    assert reviewer_api.delete(url).status_code == 428
    response = reviewer_api.delete(url, HTTP_IF_MATCH=reviewer_api.get(url)["ETag"])
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    assert Claim.objects.filter(pk=kb["a"].pk, status="rejected").exists()
    assert Contradiction.objects.get().status == "closed"


def test_updates_need_the_current_version(editor_api, kb):
    url = f"/api/claims/{kb['c'].pk}/"
    assert editor_api.patch(url, {"notes": "x"}, format="json").status_code == 428
    etag = editor_api.get(url)["ETag"]
    changed = editor_api.patch(
        url, {"value_text": "about 1 trillion"}, format="json", HTTP_IF_MATCH=etag
    )
    assert changed.status_code == 200 and changed.json()["value"]["bound"] == "approximate"
    stale = editor_api.patch(url, {"notes": "late"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale.json()["current"]["value_text"] == "about 1 trillion"
    assert stale["ETag"] == changed["ETag"]
    assert Claim.objects.get(pk=kb["c"].pk).notes == ""


def test_put_replaces_the_writable_fields(editor_api, kb):
    url = f"/api/claims/{kb['c'].pk}/"
    etag = editor_api.get(url)["ETag"]
    body = new_claim(kb, value_text="about 1 trillion", quote="over 1 trillion parameters")
    response = editor_api.put(url, body, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200
    assert response.json()["value"]["bound"] == "approximate"
    missing = {k: v for k, v in body.items() if k != "quote"}
    etag = response["ETag"]
    assert editor_api.put(url, missing, format="json", HTTP_IF_MATCH=etag).json() == {
        "quote": ["This field is required."]
    }


def test_reviewer_resolves_and_dismisses(reviewer_api, editor_api, kb):
    record = Contradiction.objects.get()
    url = f"/api/contradictions/{record.pk}/"
    assert (
        editor_api.post(
            url + "resolve/", {"preferred_claim": kb["b"].pk, "note": "n"}, format="json"
        ).status_code
        == 403
    )
    body = {"preferred_claim": kb["b"].pk, "note": "n"}
    assert reviewer_api.post(url + "resolve/", body, format="json").status_code == 428
    etag = reviewer_api.get(url)["ETag"]
    assert (
        reviewer_api.post(
            url + "resolve/",
            {"preferred_claim": kb["c"].pk, "note": "n"},
            format="json",
            HTTP_IF_MATCH=etag,
        ).status_code
        == 400
    )
    assert reviewer_api.post(
        url + "resolve/", {"preferred_claim": kb["b"].pk}, format="json", HTTP_IF_MATCH=etag
    ).json() == {"note": ["This field is required."]}
    stale = reviewer_api.post(
        url + "resolve/",
        {"preferred_claim": kb["b"].pk, "note": "n"},
        format="json",
        HTTP_IF_MATCH='"old"',
    )
    assert stale.status_code == 412
    done = reviewer_api.post(
        url + "resolve/",
        {"preferred_claim": kb["b"].pk, "note": "later report"},
        format="json",
        HTTP_IF_MATCH=stale["ETag"],
    )
    assert done.status_code == 200
    body = done.json()
    assert body["status"] == "resolved"
    assert (
        body["resolution"]["preferred_claim"] == kb["b"].pk
        and body["resolution"]["note"] == "later report"
    )
    assert [c["rank"] for c in body["claims"]] == ["deprecated", "preferred"]
    again = reviewer_api.post(
        url + "dismiss/", {"note": "x"}, format="json", HTTP_IF_MATCH=done["ETag"]
    )
    assert again.status_code == 400 and "status" in again.json()


def test_entity_create_update_and_alias_collision(editor_api, kb):
    created = editor_api.post(
        "/api/entities/",
        {
            "name": "Qwen3.5-27B",
            "slug": "qwen3-5-27b",
            "kind": "model",
            "parent": "tongyi qianwen",
            "aliases": ["Q27"],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["parent"]["slug"] == kb["qwen"].slug and created.json()["aliases"] == [
        "Q27"
    ]
    clash = editor_api.post(
        "/api/entities/",
        {"name": "Other", "slug": "other", "kind": "model", "aliases": ["tongyi-qianwen"]},
        format="json",
    )
    assert clash.status_code == 400 and "aliases" in clash.json()
    url = "/api/entities/q27/"
    etag = editor_api.get(url)["ETag"]
    renamed = editor_api.patch(
        url, {"description": "A dense model."}, format="json", HTTP_IF_MATCH=etag
    )
    assert renamed.status_code == 200 and renamed.json()["description"] == "A dense model."
    assert Entity.objects.get(slug="qwen3-5-27b").history.count() == 2


def test_source_create_and_text_change_keeping_quotes(editor_api, kb):
    created = editor_api.post(
        "/api/sources/",
        {
            "key": "new-report",
            "title": "New report",
            "publisher": kb["publisher"].slug,
            "published": "2026-05",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["reliability"] == "B" and created.json()["published_precision"] == "month"
    url = f"/api/sources/{kb['source'].pk}/"
    etag = editor_api.get(url)["ETag"]
    broken = editor_api.patch(url, {"text": "Nothing here."}, format="json", HTTP_IF_MATCH=etag)
    assert broken.status_code == 400 and "text" in broken.json()
    assert Source.objects.get(pk=kb["source"].pk).text.startswith("The flagship")


def test_session_writes_need_csrf(editor, kb):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(editor)
    response = client.post("/api/claims/", new_claim(kb), format="json")
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]


def test_duplicate_source_key_is_refused_on_create_and_update(editor_api, kb):
    body = {"key": kb["source"].key, "title": "Copy", "publisher": kb["publisher"].slug}
    response = editor_api.post("/api/sources/", body, format="json")
    assert response.status_code == 400 and "key" in response.json()
    other = editor_api.post("/api/sources/", body | {"key": "other"}, format="json").json()
    url = f"/api/sources/{other['id']}/"
    etag = editor_api.get(url)["ETag"]
    clash = editor_api.patch(url, {"key": kb["source"].key}, format="json", HTTP_IF_MATCH=etag)
    assert clash.status_code == 400 and "key" in clash.json()


def test_a_quote_without_the_figure_and_a_duplicate_are_refused(editor_api, kb):
    body = new_claim(kb, value_text="about 400 billion", quote="over 1 trillion parameters")
    refused = editor_api.post("/api/claims/", body, format="json")
    assert refused.status_code == 400
    assert "does not contain the figure \u201c400\u201d" in refused.json()["quote"][0]
    again = new_claim(kb, value_text="over 1 trillion", quote="over 1 trillion parameters")
    again["subject"] = kb["qwen"].slug
    again["metric"] = "largest-model-parameters"
    duplicate = editor_api.post("/api/claims/", again, format="json")
    assert duplicate.status_code == 400
    assert f"Claim {kb['a'].pk} already states this" in duplicate.json()["quote"][0]


def test_prefer_settles_the_group_in_one_step(reviewer_api, kb):
    url = f"/api/claims/{kb['a'].pk}/"
    etag = reviewer_api.get(url)["ETag"]
    done = reviewer_api.post(
        url + "prefer/", {"note": "dated source"}, format="json", HTTP_IF_MATCH=etag
    )
    assert done.status_code == 200 and done.json()["rank"] == "preferred"
    record = Contradiction.objects.get()
    assert (record.status, record.preferred_claim_id, record.resolution_note) == (
        "resolved",
        kb["a"].pk,
        "dated source",
    )
    assert Claim.objects.get(pk=kb["b"].pk).rank == "deprecated"


def test_an_editor_may_withdraw_only_their_own_proposed_claim(editor_api, editor, kb):
    created = editor_api.post(
        "/api/claims/",
        new_claim(kb, value_text="about 1 trillion", quote="over 1 trillion parameters"),
        format="json",
    ).json()
    url = f"/api/claims/{created['id']}/"
    etag = editor_api.get(url)["ETag"]
    withdrawn = editor_api.post(url + "reject/", {}, format="json", HTTP_IF_MATCH=etag)
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "rejected"
    other = f"/api/claims/{kb['a'].pk}/"
    etag = editor_api.get(other)["ETag"]
    refused = editor_api.post(other + "reject/", {}, format="json", HTTP_IF_MATCH=etag)
    assert refused.status_code == 403


def test_a_metrics_bound_ratio_is_editable_with_history(editor_api, kb):
    url = "/api/metrics/largest-model-parameters/"
    etag = editor_api.get(url)["ETag"]
    bad = editor_api.patch(url, {"bound_ratio": 0.5}, format="json", HTTP_IF_MATCH=etag)
    assert bad.status_code == 400 and "bound_ratio" in bad.json()
    done = editor_api.patch(url, {"bound_ratio": 2}, format="json", HTTP_IF_MATCH=etag)
    assert done.status_code == 200 and done.json()["bound_ratio"] == 2
    # 1.8x is now within the ratio: the discrepancy closes.
    assert Contradiction.objects.get().status == "closed"
    assert kb["largest"].history.count() == 2

"""POST /api/sources/{id}/extract/: proposals stored as claims, with their pending conflicts."""

from claims import services
from claims.models import Claim, Entity, EntityCandidate, Metric
from tests import factories

TEXT = (
    "Qwen3.5-Max Preview goes live. The model, according to VentureBeat, has over 2 trillion "
    "parameters. Zhenwu M890 chips ship soon. In 2025 the team grew."
)


def _metrics():
    parameters = Metric.objects.get(slug="largest-model-parameters")
    return services.metric_save(metric=parameters, cues=["parameters"])


def test_editor_posts_a_text_and_extracts_proposals(editor_api, kb):
    _metrics()
    created = editor_api.post(
        "/api/sources/",
        {"key": "news", "title": "News", "publisher": kb["publisher"].slug, "text": TEXT},
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["has_text"] is True
    url = f"/api/sources/{created.json()['id']}/extract/"
    answer = editor_api.post(url)
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert [c["name"] for c in body["candidates"]] == ["Zhenwu M890"]
    assert body["candidates"][0]["sentence"] == "Zhenwu M890 chips ship soon."
    stored = EntityCandidate.objects.get()
    assert body["candidates"][0] == {
        "id": stored.pk,
        "name": "Zhenwu M890",
        "start": TEXT.index("Zhenwu"),
        "end": TEXT.index(" chips"),
        "sentence": "Zhenwu M890 chips ship soon.",
        "status": "open",
    }
    (proposal,) = body["proposed"]
    assert proposal["subject"]["slug"] == kb["model"].slug
    assert proposal["metric"]["slug"] == "largest-model-parameters"
    assert proposal["value_text"] == "over 2 trillion parameters"
    assert proposal["status"] == "proposed" and proposal["origin"] == "extracted"
    assert proposal["quote"] == (
        "The model, according to VentureBeat, has over 2 trillion parameters."
    )
    assert proposal["attributed_to"] == "VentureBeat"
    assert all({"text", "reason"} <= set(s) for s in body["skipped"])
    claim = Claim.objects.get(pk=proposal["id"])
    assert claim.extractor_version and claim.extraction["cue"] == "parameters"
    assert claim.extraction["resolved_from"] == "The model"
    assert TEXT[slice(*claim.extraction["figure_span"])] == "over 2 trillion"
    # Running it again proposes nothing twice.
    again = editor_api.post(url).json()
    assert again["proposed"] == []
    assert [c["id"] for c in again["candidates"]] == [stored.pk]  # the same stored candidate
    assert EntityCandidate.objects.count() == 1
    assert Claim.objects.filter(origin="extracted").count() == 1
    listed = editor_api.get(
        f"/api/claims/?status=proposed&origin=extracted&source={created.json()['id']}"
    ).json()
    assert [c["id"] for c in listed["results"]] == [proposal["id"]]


def test_a_proposal_shows_the_contradiction_it_would_open(editor_api, kb):
    _metrics()
    qwen = kb["qwen"]
    src = factories.source(
        text="Qwen has 500 billion parameters at most, the company said.", pub=kb["publisher"]
    )
    body = editor_api.post(f"/api/sources/{src.pk}/extract/").json()
    (proposal,) = body["proposed"]
    assert proposal["subject"]["slug"] == qwen.slug
    kinds = {c["kind"] for c in proposal["contradictions"]}
    assert "contradiction" in kinds


def test_extract_needs_an_editor_and_a_text(anon, editor_api, kb):
    src = factories.source(text="", pub=kb["publisher"])
    assert anon.post(f"/api/sources/{src.pk}/extract/").status_code in (401, 403)
    refused = editor_api.post(f"/api/sources/{src.pk}/extract/")
    assert refused.status_code == 400
    assert "no stored text" in refused.json()["text"][0]
    assert editor_api.post("/api/sources/999999/extract/").status_code == 404


def test_origin_filter_is_validated(anon, kb):
    assert anon.get("/api/claims/?origin=extracted").json()["count"] == 0
    assert anon.get("/api/claims/?origin=manual").json()["count"] == Claim.objects.count()
    bad = anon.get("/api/claims/?origin=guessed")
    assert bad.status_code == 400 and "origin" in bad.json()


def test_new_entity_is_never_guessed(editor_api, kb):
    _metrics()
    src = factories.source(text="Qwen3-Max has over 1 trillion parameters.", pub=kb["publisher"])
    body = editor_api.post(f"/api/sources/{src.pk}/extract/").json()
    assert body["proposed"] == []
    assert body["candidates"][0]["name"] == "Qwen3-Max"
    assert any("Qwen3-Max" in s["reason"] for s in body["skipped"])
    assert not Entity.objects.filter(name="Qwen3-Max").exists()


def test_editor_sets_a_metrics_cues_with_the_version_read(editor_api, anon, kb):
    url = "/api/metrics/largest-model-parameters/"
    read = editor_api.get(url)
    assert read.json()["cues"] == []
    assert editor_api.patch(url, {"cues": ["largest"]}, format="json").status_code == 428
    bad = editor_api.patch(url, {"cues": ["ok", " "]}, format="json", HTTP_IF_MATCH=read["ETag"])
    assert bad.status_code == 400 and "cues" in bad.json()
    changed = editor_api.patch(
        url,
        {"cues": ["largest model", " flagship  model"], "reason": "cues for the extractor"},
        format="json",
        HTTP_IF_MATCH=read["ETag"],
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["cues"] == ["largest model", "flagship model"]
    metric = Metric.objects.get(slug="largest-model-parameters")
    assert metric.history.first().history_change_reason == "cues for the extractor"
    assert anon.patch(url, {"cues": []}, format="json").status_code in (401, 403)


def test_creating_a_source_with_propose_queues_its_proposals(
    editor_api, kb, django_capture_on_commit_callbacks
):
    from claims.jobs.models import Job
    from sources.models import Source

    _metrics()
    body = {"key": "queued", "title": "Queued", "publisher": kb["publisher"].slug, "text": TEXT}
    with django_capture_on_commit_callbacks(execute=True):
        created = editor_api.post("/api/sources/?propose=true", body, format="json")
    assert created.status_code == 201, created.json()
    source_id = created.json()["id"]
    job = Job.objects.get()
    assert (job.kind, job.source_id, job.requested_by.username) == ("propose", source_id, "edith")
    proposals = created.json()["proposals"]
    # Answered inside the test's transaction: queued; the job ran once the write committed
    # (without a broker in this process; on a worker with one).
    assert proposals == {
        "job": job.pk,
        "status": "queued",
        "claims": f"/api/claims/?status=proposed&origin=extracted&source={source_id}",
    }
    assert job.status == "done"
    assert job.report.startswith("1 claim(s) proposed") and "“Zhenwu M890”" in job.report
    listed = editor_api.get(proposals["claims"]).json()
    assert [c["value_text"] for c in listed["results"]] == ["over 2 trillion parameters"]
    # The ETag is the source's own version, so a change can name it.
    read = editor_api.get(f"/api/sources/{source_id}/")
    assert read["ETag"] == created["ETag"]
    assert Source.objects.filter(key="queued").count() == 1


def test_propose_needs_a_text_and_a_boolean_and_only_on_create(editor_api, kb):
    from claims.jobs.models import Job
    from sources.models import Source

    body = {"key": "bare", "title": "Bare", "publisher": kb["publisher"].slug}
    bare = editor_api.post("/api/sources/?propose=true", body, format="json")
    assert bare.status_code == 400 and list(bare.json()) == ["text"]
    assert not Source.objects.filter(key="bare").exists()  # all or nothing
    odd = editor_api.post("/api/sources/?propose=maybe", body | {"text": TEXT}, format="json")
    assert odd.status_code == 400 and list(odd.json()) == ["propose"]
    assert editor_api.get("/api/sources/?propose=true").status_code == 400
    schema = editor_api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    create = schema["paths"]["/api/sources/"]["post"]
    assert [p["name"] for p in create["parameters"] if p["in"] == "query"] == ["propose"]
    plain = editor_api.post("/api/sources/?propose=false", body, format="json")
    assert plain.status_code == 201 and "proposals" not in plain.json()
    assert not Job.objects.exists()

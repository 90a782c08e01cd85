"""Proposals end to end: the admin's Add source, the Proposals queue, ingest_source --propose."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from claims import services
from claims.jobs.models import Job
from claims.models import Claim, Entity, EntityCandidate, Metric
from tests import factories

pytestmark = pytest.mark.django_db
QUEUE = "admin:claims_proposal_changelist"


@pytest.fixture
def catalogue():
    """Qwen and a model of it, a parameters metric with its cue, one accepted claim."""
    qwen = factories.entity(name="Qwen", kind="model_family")
    model = factories.entity(name="Qwen3.5-Max Preview", parent=qwen)
    metric = factories.metric(slug="total-parameters")
    services.metric_save(metric=metric, cues=["parameters", "parameter count"])
    publisher = factories.publisher(name="VentureBeat")
    factories.claim(
        subject=model, metric_=metric, value="over 1 trillion", quote="over 1 trillion parameters"
    )
    return {"qwen": qwen, "model": model, "metric": metric, "publisher": publisher}


def _source(catalogue, text: str):
    return factories.source(text=text, pub=catalogue["publisher"])


def test_add_source_with_an_uploaded_html_file_and_propose(
    editor_client, catalogue, django_capture_on_commit_callbacks
):
    page = (
        b"<html><body><script>alert(1)</script><article><h1>News</h1>"
        b"<p>Qwen3.5-Max Preview has about 3 trillion parameters.</p></article></body></html>"
    )
    with django_capture_on_commit_callbacks() as queued:
        response = editor_client.post(
            reverse("admin:sources_source_add"),
            {
                "key": "news",
                "title": "News",
                "publisher": catalogue["publisher"].pk,
                "published": "2026-03-28",
                "published_precision": "day",
                "language": "en",
                "text": "",
                "upload": SimpleUploadedFile("news.html", page, content_type="text/html"),
                "_propose": "Save and propose claims",
            },
        )
    assert response.status_code == 302, response.context["adminform"].form.errors
    source = catalogue["publisher"].sources.get(key="news")
    assert response["Location"] == reverse(QUEUE) + f"?source={source.pk}"
    assert "alert" not in source.text
    # The proposals are a background job, run once the source is committed.
    job = Job.objects.get()
    assert (job.kind, job.status, job.source, job.requested_by.username) == (
        "propose",
        "queued",
        source,
        "edith",
    )
    assert not Claim.objects.filter(source=source).exists()
    for callback in queued:
        callback()
    job.refresh_from_db()
    assert job.status == "done", job.report
    assert job.report.startswith("1 claim(s) proposed from")
    listed = editor_client.get(response["Location"]).content.decode()
    assert f"/admin/jobs/job/{job.pk}/change/" in listed  # the message links to the job
    jobs = editor_client.get("/admin/jobs/job/").content.decode()
    assert "propose claims from a source" in jobs and "News" in jobs and "done" in jobs
    proposal = Claim.objects.get(source=source)
    assert (proposal.status, proposal.origin, proposal.value_text) == (
        "proposed",
        "extracted",
        "about 3 trillion parameters",
    )


def test_the_list_action_queues_one_job_per_source_and_names_a_source_without_text(
    editor_client, catalogue, django_capture_on_commit_callbacks
):
    texts = [
        "Qwen3.5-Max Preview has about 3 trillion parameters.",
        "Qwen3.5-Max Preview has about 4 trillion parameters.",
    ]
    sources = [_source(catalogue, text) for text in texts]
    empty = _source(catalogue, "")
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            reverse("admin:sources_source_changelist"),
            {"action": "propose", "_selected_action": [s.pk for s in [*sources, empty]]},
            follow=True,
        )
    page = response.content.decode()
    assert "no stored text to propose claims from" in page
    jobs = Job.objects.order_by("pk")
    assert [(j.source_id, j.status) for j in jobs] == [(s.pk, "done") for s in sources]
    assert Claim.objects.filter(source__in=sources, origin="extracted").count() == 2


def test_an_upload_of_another_kind_is_refused_on_its_field(editor_client, catalogue):
    response = editor_client.post(
        reverse("admin:sources_source_add"),
        {
            "key": "bad",
            "title": "Bad",
            "publisher": catalogue["publisher"].pk,
            "published_precision": "unknown",
            "language": "en",
            "upload": SimpleUploadedFile("a.pdf", b"%PDF", content_type="application/pdf"),
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "not a .txt, .md or .html file" in errors["upload"][0]
    assert not catalogue["publisher"].sources.filter(key="bad").exists()


def test_queue_shows_sentence_reason_confidence_and_the_conflict(editor_client, catalogue):
    source = _source(catalogue, "Intro. Qwen3.5-Max Preview has exceeding 1.8 trillion parameters.")
    services.source_propose(source=source)
    index = editor_client.get(reverse("admin:index")).content.decode()
    assert "<strong>1</strong> waiting for review" in index
    page = editor_client.get(reverse(QUEUE)).content.decode()
    assert "<mark>exceeding 1.8 trillion</mark>" in page
    assert "<u>parameters</u>" in page
    assert "<strong>Qwen3.5-Max Preview</strong>" in page
    assert 'class="confidence"' in page and "cue \u201cparameters\u201d" in page
    assert "Would open a discrepancy" in page


def test_accept_correct_and_reject_one_by_one_and_in_bulk(reviewer_client, catalogue):
    source = _source(
        catalogue,
        "Qwen3.5-Max Preview has 1.1 trillion parameters. "
        "Qwen3.5-Max Preview has a parameter count of 1.2 trillion. "
        "Qwen3.5-Max Preview has 1.3 trillion parameters. "
        "Qwen3.5-Max Preview has 1.4 trillion parameters.",
    )
    first, second, third, fourth = (
        w.claim for w in services.source_propose(source=source).proposed
    )
    url = reverse(QUEUE) + f"?source={source.pk}"

    def form(claim, action, **changes):
        data = {
            f"c{claim.pk}-subject": claim.subject.slug,
            f"c{claim.pk}-metric": claim.metric.slug,
            f"c{claim.pk}-value_text": claim.value_text,
            f"c{claim.pk}-as_of": "",
        } | {f"c{claim.pk}-{k}": v for k, v in changes.items()}
        return reviewer_client.post(url, {"claim": claim.pk, "action": action, **data})

    assert form(first, "accept").status_code == 302
    assert Claim.objects.get(pk=first.pk).status == "accepted"
    form(second, "correct", subject="Qwen", value_text="1.2 trillion", as_of="March 2026")
    corrected = Claim.objects.get(pk=second.pk)
    assert (corrected.subject, corrected.value_text, corrected.status) == (
        catalogue["qwen"],
        "1.2 trillion",
        "proposed",
    )
    assert str(corrected.as_of_start) == "2026-03-01"
    refused = form(second, "correct", value_text="lots")
    assert Claim.objects.get(pk=second.pk).value_text == "1.2 trillion"
    assert refused.status_code == 302
    form(third, "reject")
    assert Claim.objects.get(pk=third.pk).status == "rejected"
    reviewer_client.post(url, {"action": "reject_selected", "selected": [second.pk, fourth.pk]})
    assert set(
        Claim.objects.filter(pk__in=[second.pk, fourth.pk]).values_list("status", flat=True)
    ) == {"rejected"}
    page = reviewer_client.get(url).content.decode()
    assert "Nothing is waiting for review." in page


def test_an_editor_corrects_but_cannot_accept(editor_client, catalogue):
    source = _source(catalogue, "Qwen3.5-Max Preview has 1.1 trillion parameters.")
    (write,) = services.source_propose(source=source).proposed
    page = editor_client.get(reverse(QUEUE)).content.decode()
    assert 'value="accept"' not in page
    editor_client.post(reverse(QUEUE), {"claim": write.claim.pk, "action": "accept"})
    assert Claim.objects.get(pk=write.claim.pk).status == "proposed"


def test_a_candidate_is_created_or_mapped_in_one_step(editor_client, catalogue):
    source = _source(
        catalogue,
        "Qwen3-Max has 2 trillion parameters. Qwen4-Ultra has 3 trillion parameters. "
        "Zhenwu M890 ships.",
    )
    run = services.source_propose(source=source)
    assert run.proposed == []
    assert [c.name for c in run.candidates] == ["Qwen3-Max", "Qwen4-Ultra", "Zhenwu M890"]
    assert all(c.pk for c in run.candidates)  # stored, each with its id
    again = services.source_propose(source=source)
    assert [c.pk for c in again.candidates] == [c.pk for c in run.candidates]
    assert EntityCandidate.objects.filter(source=source).count() == 3  # no duplicate
    index = editor_client.get(reverse("admin:index")).content.decode()
    assert "<strong>3</strong> to create or map" in index
    max_, ultra, zhenwu = run.candidates
    page = editor_client.get(reverse(QUEUE) + f"?source={source.pk}").content.decode()
    assert "Qwen3-Max" in page and 'value="create_entity"' in page
    assert f'name="candidate" value="{max_.pk}"' in page
    editor_client.post(
        reverse(QUEUE), {"action": "create_entity", "candidate": max_.pk, "kind": "model"}
    )
    created = Entity.objects.get(name="Qwen3-Max")
    assert Claim.objects.get(source=source, subject=created).value_text == "2 trillion parameters"
    max_.refresh_from_db()
    assert (max_.status, max_.entity) == ("created", created)
    editor_client.post(
        reverse(QUEUE),
        {"action": "map_entity", "candidate": ultra.pk, "entity": "Qwen3.5-Max Preview"},
    )
    assert catalogue["model"].aliases.filter(name="Qwen4-Ultra").exists()
    assert Claim.objects.filter(source=source, subject=catalogue["model"]).count() == 1
    ultra.refresh_from_db()
    assert (ultra.status, ultra.entity) == ("mapped", catalogue["model"])
    editor_client.post(reverse(QUEUE), {"action": "dismiss_candidate", "candidate": zhenwu.pk})
    zhenwu.refresh_from_db()
    assert zhenwu.status == "dismissed"
    page = editor_client.get(reverse(QUEUE) + f"?source={source.pk}").content.decode()
    assert "New-entity candidates" not in page  # none is open any more
    # Proposing again offers nothing new: the dismissed name stays set aside.
    assert services.source_propose(source=source).candidates == []
    assert EntityCandidate.objects.filter(source=source).count() == 3


def test_a_candidate_resolved_once_is_resolved_for_every_source(catalogue):
    first = _source(catalogue, "Qwen3-Max has 2 trillion parameters.")
    second = factories.source(
        text="Qwen3-Max is said to have 2.1 trillion parameters.",
        pub=catalogue["publisher"],
    )
    (candidate,) = services.source_propose(source=first).candidates
    (other,) = services.source_propose(source=second).candidates
    entity, run = services.candidate_resolve(candidate=candidate, kind="model")
    assert [w.claim.subject for w in run.proposed] == [entity]  # the first source, read again
    other.refresh_from_db()
    assert (other.status, other.entity) == ("created", entity)
    with pytest.raises(ValidationError, match="was created as a new entity"):
        services.candidate_resolve(candidate=other, kind="model")
    third = factories.source(text="Qwen5 has 9 trillion parameters.", pub=catalogue["publisher"])
    (fresh,) = services.source_propose(source=third).candidates
    with pytest.raises(ValidationError, match="kind"):
        services.candidate_resolve(candidate=fresh)
    fresh.refresh_from_db()
    assert fresh.status == "open" and not Entity.objects.filter(name="Qwen5").exists()


def test_ingest_source_propose(tmp_path, catalogue):
    path = tmp_path / "news.md"
    path.write_text("# News\n\nQwen3.5-Max Preview has 1.5 trillion parameters.\n")
    out = io.StringIO()
    args = [str(path), "--publisher", catalogue["publisher"].slug, "--title", "N", "--propose"]
    call_command("ingest_source", *args, stdout=out)
    assert "Proposed 1 claim(s) for review" in out.getvalue()
    out = io.StringIO()
    call_command("ingest_source", *args, stdout=out)
    assert "Proposed 0 claim(s) for review" in out.getvalue()
    assert Claim.objects.filter(origin="extracted").count() == 1


def test_a_proposal_carries_its_as_of_phrase_and_a_projection_its_note(catalogue):
    source = _source(
        catalogue,
        "Qwen3.5-Max Preview had 1.1 trillion parameters as of February 2026. "
        "Qwen3.5-Max Preview will have 5 trillion parameters by 2027.",
    )
    dated, projected = (w.claim for w in services.source_propose(source=source).proposed)
    assert (str(dated.as_of_start), str(dated.as_of_end)) == ("2026-02-01", "2026-02-28")
    assert dated.extraction["as_of_text"] == "as of February 2026"
    assert projected.as_of_start == source.published
    assert projected.notes.startswith("A projection (\u201cby 2027\u201d)")


def test_metric_cues_are_cleaned_and_kept_in_the_history(catalogue):
    metric = services.metric_save(
        metric=catalogue["metric"], cues=["  total   parameters ", "Total parameters", "size"]
    )
    assert metric.cues == ["total parameters", "size"]
    assert metric.history.first().cues == ["total parameters", "size"]
    with pytest.raises(Exception, match="empty"):
        services.metric_save(metric=metric, cues=["ok", "  "])
    assert Metric.objects.get(pk=metric.pk).cues == ["total parameters", "size"]


def test_claims_say_how_they_came_in(tmp_path, catalogue):
    """Typed claims are manual, imported ones imported (COPY on PostgreSQL), proposals extracted."""
    source = _source(catalogue, "Qwen3.5-Max Preview has 1.1 trillion parameters. It has 42B.")
    (proposed,) = services.source_propose(source=source).proposed
    rows = tmp_path / "claims.jsonl"
    rows.write_text(
        '{"subject": "Qwen3.5-Max Preview", "metric": "total-parameters", "value": "42B", '
        f'"source": {source.pk}, "quote": "It has 42B."}}\n'
    )
    call_command("import_claims", str(rows), stdout=io.StringIO(), stderr=io.StringIO())
    imported = Claim.objects.get(source=source, value_text="42B")
    assert (imported.origin, imported.extraction, imported.extractor_version) == (
        "imported",
        {},
        "",
    )
    assert proposed.claim.origin == "extracted" and proposed.claim.extractor_version
    assert Claim.objects.exclude(source=source).get().origin == "manual"


def test_entity_and_yes_no_proposals_are_stored_as_claims(catalogue):
    alibaba = factories.entity(name="Alibaba", kind="organisation")
    developer = factories.metric(slug="developer", value_type="entity")
    services.metric_save(metric=developer, cues=["developed by"])
    open_weights = factories.metric(slug="open-weights", value_type="boolean")
    services.metric_save(metric=open_weights, cues=["open-weight"])
    source = _source(
        catalogue, "Alibaba’s Qwen3.5-Max Preview is fast. Alibaba released the open-weight Qwen."
    )
    run = services.source_propose(source=source)
    stored = {(w.claim.subject, w.claim.metric.slug, w.claim.value_text) for w in run.proposed}
    assert stored == {
        (catalogue["model"], "developer", "Alibaba"),
        (catalogue["qwen"], "open-weights", "yes"),
    }
    made_by = Claim.objects.get(source=source, metric=developer)
    assert (made_by.entity_value, made_by.status) == (alibaba, "proposed")
    assert Claim.objects.get(source=source, metric=open_weights).bool_value is True
    assert services.source_propose(source=source).proposed == []  # nothing twice

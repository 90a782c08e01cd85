"""Jobs from the admin: a reviewer queues a rescan or uploads an import; it runs after the
commit (in-process without a broker) and its report shows in the admin."""

import json

from django.core.files.uploadedfile import SimpleUploadedFile

from claims.jobs.models import Job
from claims.models import Claim, Contradiction
from tests.claims.test_bulk import rows


def test_a_reviewer_uploads_an_import_that_runs_and_reports(
    reviewer_client, bulk_kb, django_capture_on_commit_callbacks
):
    content = "".join(json.dumps(row) + "\n" for row in rows(bulk_kb, 4)).encode()
    with django_capture_on_commit_callbacks(execute=True):
        response = reviewer_client.post(
            "/admin/jobs/job/add/",
            {"kind": "import", "upload": SimpleUploadedFile("claims.jsonl", content)},
        )
    assert response.status_code == 302
    job = Job.objects.get()
    assert (job.status, job.filename) == ("done", "claims.jsonl")
    assert job.report.startswith("4 rows read: 4 claims created")
    assert Claim.objects.count() == 4 and Contradiction.objects.count() == 1
    page = reviewer_client.get(f"/admin/jobs/job/{job.pk}/change/").content.decode()
    assert "4 claims created" in page


def test_a_bad_upload_is_refused_by_name_and_a_bad_row_fails_the_job(
    reviewer_client, bulk_kb, django_capture_on_commit_callbacks
):
    refused = reviewer_client.post(
        "/admin/jobs/job/add/", {"kind": "import", "upload": SimpleUploadedFile("x.txt", b"{}")}
    )
    assert refused.status_code == 200 and "must end in .jsonl" in refused.content.decode()
    missing = reviewer_client.post("/admin/jobs/job/add/", {"kind": "import"})
    assert "Choose a JSON Lines or CSV file" in missing.content.decode()
    good = json.dumps(rows(bulk_kb, 1)[0])
    with django_capture_on_commit_callbacks(execute=True):
        reviewer_client.post(
            "/admin/jobs/job/add/",
            {
                "kind": "import",
                "upload": SimpleUploadedFile("c.jsonl", f"{good}\n{{oops\n".encode()),
            },
        )
    job = Job.objects.get()
    assert job.status == "failed" and job.report.startswith("Line 2: not valid JSON")
    assert not Claim.objects.exists()


def test_a_rescan_from_the_admin_finds_what_direct_writes_left_unchecked(
    reviewer_client, bulk_kb, django_capture_on_commit_callbacks
):
    from tests import factories

    metric = factories.metric(slug="size")
    for value in ("over 1 trillion", "exceeding 1.8 trillion"):
        made = factories.claim(subject=bulk_kb["qwen"], metric_=metric, src=bulk_kb["source"],
                               value=value, quote=value)  # fmt: skip
    Contradiction.objects.all().delete()  # as if written around the services
    assert made is not None
    with django_capture_on_commit_callbacks(execute=True):
        reviewer_client.post("/admin/jobs/job/add/", {"kind": "rescan"})
    job = Job.objects.get()
    assert job.status == "done" and "1 created" in job.report
    assert Contradiction.objects.count() == 1


def test_editors_see_jobs_but_only_reviewers_start_them(editor_client, db):
    assert editor_client.get("/admin/jobs/job/").status_code == 200
    assert editor_client.get("/admin/jobs/job/add/").status_code == 403

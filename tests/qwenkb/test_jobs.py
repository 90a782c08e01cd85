"""Jobs from the admin: a reviewer queues a rescan or uploads an import; it runs after the
commit (in-process without a broker) and its report shows in the admin."""

import datetime
import functools
import json
import threading
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection, transaction

from claims.jobs import services
from claims.jobs.models import SILENT_AFTER, Job, JobKind, JobStatus
from claims.models import Claim, Contradiction
from qwenkb import outage
from tests.claims.test_bulk import rows
from tests.claims.test_rescan import terminate_backend
from tests.qwenkb.worker import celery_worker, needs_a_worker, wait_for


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


def test_proposals_are_not_started_from_the_jobs_page(reviewer_client, db):
    form = reviewer_client.get("/admin/jobs/job/add/").content.decode()
    assert 'value="rescan"' in form and 'value="propose"' not in form
    refused = reviewer_client.post("/admin/jobs/job/add/", {"kind": "propose"})
    assert refused.status_code == 200 and not Job.objects.exists()


def test_a_proposals_job_reports_and_its_page_names_the_source(
    editor_client, kb, django_capture_on_commit_callbacks
):
    from claims.jobs.services import job_queue
    from tests import factories

    source = factories.source(text="Nothing to see.", pub=kb["publisher"])
    with django_capture_on_commit_callbacks(execute=True):
        job = job_queue(kind="propose", source=source)
    job.refresh_from_db()
    assert job.status == "done"
    assert job.report == (
        f"0 claim(s) proposed from “{source}”, 0 new-entity candidate(s), 0 figure(s) skipped."
    )
    page = editor_client.get(f"/admin/jobs/job/{job.pk}/change/").content.decode()
    assert str(source) in page and "0 claim(s) proposed" in page


@needs_a_worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_makes_the_proposals_for_a_new_source(kb, tmp_path):
    from claims import services
    from claims.jobs.services import job_queue
    from claims.models import Metric
    from sources.services import source_save

    metric = Metric.objects.get(slug="largest-model-parameters")
    services.metric_save(metric=metric, cues=["parameters"])
    text = "The model Qwen3.5-Max Preview has over 2 trillion parameters."
    log = tmp_path / "worker.log"
    with celery_worker(log) as worker:
        with transaction.atomic():
            source = source_save(
                key="by-worker", title="By worker", publisher=kb["publisher"], text=text
            )
            job = job_queue(kind="propose", source=source)
            assert not Claim.objects.filter(source=source).exists()
        wait_for(lambda: Job.objects.get().status in ("done", "failed"), worker, log)
    job.refresh_from_db()
    assert (job.status, job.started_at is not None) == ("done", True), job.report
    assert job.report.startswith("1 claim(s) proposed")
    claim = Claim.objects.get(source=source)
    assert (claim.origin, claim.status, claim.value_text) == (
        "extracted",
        "proposed",
        "over 2 trillion parameters",
    )
    assert "claims.jobs.services.run_job[" in log.read_text()


@pytest.mark.needs("postgresql")
def test_a_second_rescan_from_the_admin_says_it_skipped_the_unchanged_groups(
    reviewer_client, bulk_kb, django_capture_on_commit_callbacks
):
    from tests import factories

    metric = factories.metric(slug="size")
    for value in ("over 1 trillion", "exceeding 1.8 trillion"):
        factories.claim(subject=bulk_kb["qwen"], metric_=metric, src=bulk_kb["source"],
                        value=value, quote=value)  # fmt: skip
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            reviewer_client.post("/admin/jobs/job/add/", {"kind": "rescan"})
    first, second = Job.objects.order_by("pk")
    assert first.status == second.status == "done"
    assert "as the last rescan left them" not in first.report
    assert "0 created" in second.report
    assert "1 group was as the last rescan left it and was not judged again" in second.report


def _loses_its_database(job):
    """A job's work during which the database restarts (on SQLite, as if it had)."""
    if connection.vendor == "postgresql":
        terminate_backend(connection.connection.info.backend_pid)
        Claim.objects.count()  # the next query finds the connection gone
    raise OperationalError("the database system is shutting down")


@pytest.mark.django_db(transaction=True)  # the job runs outside a transaction, as a worker's
@pytest.mark.parametrize(
    "kind, kept",
    [
        ("rescan", "The batches committed before it are kept; start the rescan again to finish."),
        ("import", "Nothing was imported; start the import again."),
    ],
)
def test_a_job_that_loses_its_database_is_reported_failed_not_left_running(monkeypatch, kind, kept):
    monkeypatch.setitem(services.RUNS, JobKind(kind), _loses_its_database)
    job = Job.objects.create(kind=kind, filename="x.jsonl", content=b"")
    services.job_run(job=job)
    job.refresh_from_db()  # on a new connection: the report was written after the outage
    assert job.status == JobStatus.FAILED and job.finished_at is not None
    reason = (
        "terminating connection due to administrator command"
        if connection.vendor == "postgresql"
        else "the database system is shutting down"
    )
    assert job.report == f"The database stopped answering ({reason}). {kept}"


@pytest.mark.django_db(transaction=True)
def test_a_jobs_report_waits_for_a_database_that_is_restarting(monkeypatch):
    """The report is written once the database answers again (here on the third try), on a
    new connection each time."""
    monkeypatch.setitem(services.RUNS, JobKind.RESCAN, _raises_unreachable)
    monkeypatch.setattr(services, "retried", functools.partial(outage.retried, waits=(0, 0, 0)))
    save, tries = Job.save, []

    def restarting(job, *args, **kwargs):
        tries.append(kwargs.get("update_fields"))
        if len(tries) < 3:
            raise OperationalError("the database system is starting up")
        return save(job, *args, **kwargs)

    job = Job.objects.create(kind="rescan")
    monkeypatch.setattr(Job, "save", restarting)
    services.job_run(job=job)
    assert len(tries) == 3
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.report.startswith("The database stopped answering (server closed the connection")


def test_inside_a_transaction_a_job_that_loses_its_database_raises(monkeypatch, db):
    """The caller's transaction cannot go on without its connection: the error is theirs,
    at once (the job rolls back with it)."""
    monkeypatch.setitem(services.RUNS, JobKind.RESCAN, _raises_unreachable)
    job = Job.objects.create(kind="rescan")
    tries = []

    def gone(*args, **kwargs):
        tries.append(1)
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(Job, "save", gone)
    with pytest.raises(OperationalError), transaction.atomic():
        services.job_run(job=job)
    assert len(tries) == 1


@pytest.mark.django_db(transaction=True)
def test_a_database_that_never_comes_back_ends_the_job_with_its_error(monkeypatch):
    sleeps = []
    monkeypatch.setattr(outage.time, "sleep", sleeps.append)

    def down():
        raise OperationalError("connection refused")

    with pytest.raises(OperationalError, match="connection refused"):
        outage.retried(down, waits=(0.5, 1, 2))
    assert sleeps == [0.5, 1, 2]  # then the last try, whose error is raised
    assert outage.retried(lambda: 7, waits=(0.5,)) == 7 and sleeps == [0.5, 1, 2]


def _raises_unreachable(job):
    raise OperationalError("server closed the connection unexpectedly")


def test_a_reviewer_marks_failed_a_job_whose_worker_stopped(reviewer_client, editor_client, db):
    """A job whose worker was killed shows running for ever; a reviewer marks it failed (a
    queued one is then never started), and finished jobs are left as they were."""
    running = Job.objects.create(kind="rescan", status=JobStatus.RUNNING)
    queued = Job.objects.create(kind="rescan")
    done = Job.objects.create(kind="rescan", status=JobStatus.DONE, report="Scanned 3 groups")
    listing = editor_client.get("/admin/jobs/job/").content.decode()
    assert "Mark failed" not in listing  # editors see jobs, only reviewers act on them
    chosen = {"action": "abandon", "_selected_action": [running.pk, queued.pk, done.pk]}
    refused = editor_client.post("/admin/jobs/job/", chosen)
    assert refused.status_code == 200 and "Mark failed" not in refused.content.decode()
    assert Job.objects.get(pk=running.pk).status == JobStatus.RUNNING
    answer = reviewer_client.post("/admin/jobs/job/", chosen, follow=True)
    page = answer.content.decode()
    assert "Marked failed: 2 job(s). Left as they were: 1 job(s) that had already finished." in page
    for job in (running, queued):
        job.refresh_from_db()
        assert job.status == JobStatus.FAILED and job.finished_at is not None
        assert job.report.startswith("Marked failed by ") and "start the job again" in job.report
    done.refresh_from_db()
    assert (done.status, done.report) == (JobStatus.DONE, "Scanned 3 groups")
    assert services.job_run(job=queued).status == JobStatus.FAILED  # never started now


def _silent_for(seconds: float, **fields) -> Job:
    """A rescan job shown running whose worker was last heard from ``seconds`` ago."""
    from django.utils import timezone

    last = timezone.now() - datetime.timedelta(seconds=seconds)
    return Job.objects.create(
        kind="rescan", status=JobStatus.RUNNING, started_at=last, heartbeat_at=last, **fields
    )


def test_a_job_whose_worker_fell_silent_is_started_again_by_the_worker_given_it_next(seed_kb):
    """The broker gives a task whose worker never acknowledged it (killed) to another worker:
    that one starts the job again, and its report says so."""
    silent = SILENT_AFTER.total_seconds() + 1
    job = _silent_for(silent)
    first_heard = job.heartbeat_at
    services.job_run(job=job)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.started_at > first_heard
    assert job.heartbeat_at == job.started_at  # heard from when it started (no beat since)
    started_again, rest = job.report.split(". ", 1)
    assert started_again.startswith("Started again at ")
    assert started_again.endswith(
        f"the worker that ran it first fell silent (last heard from at {services._when(first_heard)})"
    )
    assert rest.startswith("Scanned ") and " groups: " in rest


@pytest.mark.parametrize("seconds", [0, SILENT_AFTER.total_seconds() - 5])
def test_a_running_job_heard_from_lately_is_left_to_its_worker(monkeypatch, db, seconds):
    """A task given again while its worker still runs it (the broker's visibility timeout
    passed during a long job) leaves the job alone."""
    ran = []
    monkeypatch.setitem(services.RUNS, JobKind.RESCAN, ran.append)
    job = _silent_for(seconds)
    before = Job.objects.values().get(pk=job.pk)
    services.job_run(job=job)
    assert ran == [] and Job.objects.values().get(pk=job.pk) == before


def test_a_failed_restart_says_it_was_started_again(monkeypatch, db):
    monkeypatch.setitem(services.RUNS, JobKind.RESCAN, lambda job: 1 / 0)
    job = _silent_for(SILENT_AFTER.total_seconds() + 60)
    Job.objects.filter(pk=job.pk).update(heartbeat_at=None, started_at=None)
    services.job_run(job=job)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.report.startswith("Started again at ")
    assert "fell silent (never heard from). ZeroDivisionError: division by zero" in job.report


@pytest.mark.django_db(transaction=True)  # the job runs outside a transaction, as a worker's
def test_a_running_jobs_worker_writes_its_heartbeat_while_it_works(monkeypatch):
    """From a thread of its own, on its own connection, while the job's work goes on."""
    monkeypatch.setattr(services, "HEARTBEAT", datetime.timedelta(seconds=0.05))
    heard = []

    def works(job):
        deadline = time.monotonic() + 20
        while len(set(heard)) < 3 and time.monotonic() < deadline:
            heard.append(Job.objects.values_list("heartbeat_at", flat=True).get(pk=job.pk))
            time.sleep(0.02)
        return "worked"

    monkeypatch.setitem(services.RUNS, JobKind.RESCAN, works)
    job = Job.objects.create(kind="rescan")
    services.job_run(job=job)
    job.refresh_from_db()
    assert (job.status, job.report) == (JobStatus.DONE, "worked")
    beats = sorted(set(heard))
    # Written when it started, then by every beat (on a loaded machine the first read may
    # already see a beat).
    assert len(beats) >= 3 and beats[0] >= job.started_at
    assert not [t for t in threading.enumerate() if t.name.startswith(f"job-{job.pk}-")]


@pytest.mark.needs("postgresql")
@pytest.mark.django_db(transaction=True)
def test_two_workers_given_a_silent_job_at_once_start_it_once(monkeypatch):
    ran = []

    def slow(job):
        ran.append(job.pk)
        time.sleep(0.3)
        return "ran"

    monkeypatch.setitem(services.RUNS, JobKind.RESCAN, slow)
    job = _silent_for(SILENT_AFTER.total_seconds() + 1)
    barrier = threading.Barrier(2)

    def worker():
        barrier.wait()
        try:
            services.job_run(job=Job.objects.get(pk=job.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert ran == [job.pk]
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.report.endswith(" ran")


def test_the_jobs_list_says_which_running_jobs_went_silent(reviewer_client, db):
    silent = _silent_for(SILENT_AFTER.total_seconds() + 60)
    busy = _silent_for(5)
    page = reviewer_client.get("/admin/jobs/job/").content.decode()
    assert page.count("running, its worker silent since ") == 1
    rows = {
        pk: page.split(f'<a href="/admin/jobs/job/{pk}/change/">')[1].split("</tr>")[0]
        for pk in (silent.pk, busy.pk)
    }
    assert "silent" in rows[silent.pk] and "silent" not in rows[busy.pk]
    assert ">running<" in rows[busy.pk]
    never = Job.objects.create(kind="rescan", status=JobStatus.RUNNING)
    assert (
        "running, its worker never heard from"
        in reviewer_client.get("/admin/jobs/job/").content.decode()
    )
    help_text = reviewer_client.get(f"/admin/jobs/job/{never.pk}/change/").content.decode()
    assert "a worker given the job again starts it again, or mark it failed" in help_text

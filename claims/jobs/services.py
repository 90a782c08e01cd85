"""Queuing jobs and running them: the admin (and the sources API, for proposals) calls
``job_queue``, a worker ``job_run``."""

import contextlib
import datetime
import io
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

from celery import shared_task
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from claims.jobs.models import HEARTBEAT, Job, JobKind, JobStatus
from qwenkb.outage import UNREACHABLE, retried, stopped

logger = logging.getLogger(__name__)

UPLOAD_MAX_BYTES = 50 * 1024 * 1024


@transaction.atomic
def job_queue(*, kind: str, user=None, upload=None, subject=None, metric=None, source=None) -> Job:
    """Record a job and have a worker run it once this transaction commits."""
    from qwenkb.tasks import enqueue

    job_check(kind=kind, upload=upload, source=source)
    job = Job(kind=kind, requested_by=user, subject=subject, metric=metric, source=source)
    if kind == JobKind.IMPORT:
        job.filename, job.content = Path(upload.name).name, upload.read()
    job.full_clean()
    job.save()
    enqueue(run_job, job.pk)
    return job


def job_check(*, kind: str, upload=None, source=None) -> None:
    """Refuse a job that cannot run: an import needs a file the importer reads, of sane size;
    proposals need a source with text."""
    if kind == JobKind.PROPOSE:
        from claims.services import source_propose_check

        if source is None:
            raise ValidationError({"source": "Choose the source to propose claims from."})
        source_propose_check(source)
        return
    if kind != JobKind.IMPORT:
        return
    if upload is None:
        raise ValidationError({"upload": "Choose a JSON Lines or CSV file to import."})
    if upload.size > UPLOAD_MAX_BYTES:
        raise ValidationError(
            {"upload": f"The file is over {UPLOAD_MAX_BYTES // 2**20} MB; use import_claims."}
        )
    if _format(upload.name) is None:
        raise ValidationError({"upload": "The file must end in .jsonl, .ndjson, .json or .csv."})


def _format(name: str) -> str | None:
    from claims.management.commands.import_claims import SUFFIXES

    return SUFFIXES.get(Path(name).suffix.lower())


def job_run(*, job: Job) -> Job:
    """Run a queued job and write its report. A job already running is left alone, unless
    its worker fell silent (``Job.silent``: killed, its machine lost) and the broker gave its
    task to this worker again: then this worker starts it again, and the report says so. A
    job that committed part of its work before (a rescan's batches) goes on from there; an
    import or proposals committed nothing."""
    now = timezone.now()
    with transaction.atomic():
        current = Job.objects.select_for_update().filter(pk=job.pk).first()
        if current is None or not (current.status == JobStatus.QUEUED or current.silent(now)):
            job.refresh_from_db()
            return job
        # Said at the head of its report when another worker had it first and fell silent.
        again = _started_again(current, now) if current.status == JobStatus.RUNNING else ""
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.RUNNING, started_at=now, heartbeat_at=now
        )
    job.refresh_from_db()
    try:
        with _heartbeat(job.pk):
            job.report = RUNS[JobKind(job.kind)](job)
        job.status = JobStatus.DONE
    except Exception as error:  # the report says what went wrong; the job never just vanishes
        logger.exception("job %s failed", job.pk)
        job.report, job.status = _failure(job, error), JobStatus.FAILED
    job.report = f"{again} {job.report}".lstrip()
    job.finished_at = timezone.now()
    # Written on a new connection once the database is back, when it went away under the
    # job (a restart, a failover): else the job would be shown running for ever.
    retried(lambda: job.save(update_fields=["status", "report", "finished_at"]))
    return job


def _started_again(job: Job, now: datetime.datetime) -> str:
    last = job.last_heard
    heard = f"last heard from at {_when(last)}" if last else "never heard from"
    return f"Started again at {_when(now)}: the worker that ran it first fell silent ({heard})."


def _when(moment: datetime.datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M:%S %Z}"


@contextlib.contextmanager
def _heartbeat(job_id: int) -> Iterator[None]:
    """While the block runs, a thread of this worker writes the time into the running job
    every ``HEARTBEAT``, on a connection of its own (the job's work may hold its own in one
    long transaction). A write that fails is logged and tried again at the next beat."""
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(HEARTBEAT.total_seconds()):
                try:
                    Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
                        heartbeat_at=timezone.now()
                    )
                except DatabaseError:
                    logger.warning("job %s: its heartbeat could not be written", job_id)
                    connection.close()  # the next beat opens a new connection
        finally:
            connection.close()  # this thread's own

    thread = threading.Thread(target=beat, name=f"job-{job_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def jobs_abandon(*, jobs, user) -> int:
    """Mark queued or running ``jobs`` failed because their worker stopped (killed, its machine
    lost) and will not report; returns how many. A queued one is then never started
    (``job_run`` starts only queued jobs); one still running writes its own outcome over this
    when it ends."""
    return Job.objects.filter(
        pk__in=[job.pk for job in jobs], status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
    ).update(
        status=JobStatus.FAILED,
        finished_at=timezone.now(),
        report=f"Marked failed by {user}: its worker stopped before it finished. What it "
        "committed is kept; start the job again to finish.",
    )


# What a job that lost its database left behind, and how to finish it.
KEPT = {
    JobKind.RESCAN: "The batches committed before it are kept; start the rescan again to finish.",
    JobKind.IMPORT: "Nothing was imported; start the import again.",
    JobKind.PROPOSE: "No claim was proposed; start the proposals again.",
}


def _failure(job: Job, error: Exception) -> str:
    from claims import bulk

    if isinstance(error, UNREACHABLE):
        return stopped(error, KEPT[JobKind(job.kind)])
    if isinstance(error, bulk.RowError):
        return f"Line {error.line}: {error.message} Nothing was imported."
    if isinstance(error, IntegrityError):
        return f"A row the file refers to was deleted during the import ({error}). Nothing was imported."
    return f"{type(error).__name__}: {error}"


def _rescan(job: Job) -> str:
    from claims import detection

    summary = detection.rescan(
        subject_ids=[job.subject_id] if job.subject_id else None,
        metric_ids=[job.metric_id] if job.metric_id else None,
    )
    report = summary.report()
    return report[0].upper() + report[1:]


def _import(job: Job) -> str:
    from claims import bulk
    from claims.management.commands.import_claims import READERS

    fmt = _format(job.filename)
    if fmt is None:  # job_check refused such a file when the job was queued
        raise ValueError(f"{job.filename}: not a JSON Lines or CSV file name.")
    rows = READERS[fmt](io.BytesIO(bytes(job.content)))
    # workers=0: a Celery worker's processes are daemons, which may not start processes.
    report = bulk.claims_import(
        bulk.prefetched(rows), reason=f"Imported from {job.filename} (admin)", workers=0
    )
    return (
        f"{report.rows:,} rows read: {report.created:,} claims created, "
        f"{report.present:,} already present. Contradictions: "
        f"{report.conflicts.created:,} created, {report.conflicts.updated:,} updated, "
        f"{report.conflicts.reopened:,} reopened, {report.conflicts.closed:,} closed."
    )


def _propose(job: Job) -> str:
    from claims.services import source_propose

    if job.source is None:
        raise ValueError("The source was deleted before its proposals were made.")
    run = source_propose(source=job.source, user=job.requested_by)
    candidates = ", ".join(f"“{c.name}”" for c in run.candidates)
    return (
        f"{len(run.proposed):,} claim(s) proposed from “{job.source}”, "
        f"{len(run.candidates):,} new-entity candidate(s){': ' + candidates if candidates else ''}, "
        f"{len(run.skipped):,} figure(s) skipped."
    )


RUNS = {JobKind.RESCAN: _rescan, JobKind.IMPORT: _import, JobKind.PROPOSE: _propose}


@shared_task(acks_late=True)
def run_job(job_id: int) -> str:
    """Run a rescan, an import or a source's proposals (the worker's side)."""
    return job_run(job=Job.objects.get(pk=job_id)).status

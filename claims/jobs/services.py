"""Queuing jobs and running them: the admin (and the sources API, for proposals) calls
``job_queue``, a worker ``job_run``."""

import io
import logging
from pathlib import Path

from celery import shared_task
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from claims.jobs.models import Job, JobKind, JobStatus
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
    """Run a queued job and write its report; a job already started is left alone."""
    claimed = Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=timezone.now()
    )
    job.refresh_from_db()
    if not claimed:
        return job
    try:
        job.report = RUNS[JobKind(job.kind)](job)
        job.status = JobStatus.DONE
    except Exception as error:  # the report says what went wrong; the job never just vanishes
        logger.exception("job %s failed", job.pk)
        job.report, job.status = _failure(job, error), JobStatus.FAILED
    job.finished_at = timezone.now()
    # Written on a new connection once the database is back, when it went away under the
    # job (a restart, a failover): else the job would be shown running for ever.
    retried(lambda: job.save(update_fields=["status", "report", "finished_at"]))
    return job


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

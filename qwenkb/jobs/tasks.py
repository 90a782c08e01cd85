"""The worker's side of admin jobs."""

from celery import shared_task

from qwenkb.jobs.models import Job
from qwenkb.jobs.services import job_run


@shared_task(acks_late=True)
def run_job(job_id: int) -> str:
    """Run a rescan or an import queued from the admin."""
    return job_run(job=Job.objects.get(pk=job_id)).status

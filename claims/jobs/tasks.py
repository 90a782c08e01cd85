"""The worker's side of admin jobs, where Celery's autodiscovery looks for it."""

from claims.jobs.services import run_job

__all__ = ["run_job"]

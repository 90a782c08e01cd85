"""The worker's side of background jobs (a rescan, an import, the proposals for a new
source's text), where Celery's autodiscovery (``qwenkb/celery.py``) looks for it."""

from claims.jobs.services import run_job

__all__ = ["run_job"]

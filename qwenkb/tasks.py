"""Background work: enqueued when the caller's transaction commits, carrying its request id.

With ``CELERY_BROKER_URL`` a task goes to the broker and a worker (`make worker`) runs it;
without one Celery runs it eagerly, in the process that asked, right after the commit. Either
way the write that asked for it has already committed and never fails because of it.
"""

import logging

from celery import signals
from django.db import transaction

from qwenkb.observability import request_id_var

logger = logging.getLogger(__name__)


def enqueue(task, /, *args, **kwargs) -> None:
    """Run ``task(*args, **kwargs)`` in the background once the current transaction commits."""
    request_id = request_id_var.get()

    def send():
        try:
            task.apply_async(args, kwargs, headers={"request_id": request_id})
        except Exception:  # a broker outage must not turn a committed write into an error
            logger.exception("could not enqueue %s", task.name)

    transaction.on_commit(send, robust=True)


_tokens: dict[str, list] = {}  # task id -> tokens (an eager retry runs inside its first try)


@signals.task_prerun.connect
def _adopt_request_id(task_id=None, task=None, **kwargs):
    """Log a task's lines under the id of the request that enqueued it."""
    request = task.request
    request_id = getattr(request, "request_id", None) or (request.headers or {}).get("request_id")
    _tokens.setdefault(task_id, []).append(request_id_var.set(request_id or f"task-{task_id}"))


@signals.task_postrun.connect
def _drop_request_id(task_id=None, **kwargs):
    tokens = _tokens.get(task_id)
    if tokens:
        request_id_var.reset(tokens.pop())
    if not tokens:
        _tokens.pop(task_id, None)

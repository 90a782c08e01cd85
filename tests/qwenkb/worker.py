"""A Celery worker started like `make worker`, for the tests that need a real one: PostgreSQL
and Redis (the worker shares the test database and the broker)."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

# A worker process shares the database and the broker: PostgreSQL and Redis.
needs_a_worker = pytest.mark.needs("postgresql", "redis")


def worker_broker() -> str:
    """The broker a test's worker uses: CELERY_BROKER_URL when set, else Redis database 14."""
    return os.environ.get("CELERY_BROKER_URL") or os.environ["REDIS_URL"].rsplit("/", 1)[0] + "/14"


def _forget_connections(app):
    """Drop the pooled broker connections, which were made for the broker set before."""
    app._pool = None
    app.amqp._producer_pool = None


@contextlib.contextmanager
def celery_worker(log: Path):
    """Run a worker (its log in ``log``) and send this process's tasks to its broker."""
    from django.db import connection

    from qwenkb.celery import app

    broker = worker_broker()
    env = os.environ | {
        "CELERY_BROKER_URL": broker,
        "WEBHOOK_ALLOW_PRIVATE_NETWORKS": "1",
        "DATABASE_URL": "postgres://postgres@{HOST}:{PORT}/{NAME}".format(
            **connection.settings_dict
        ),
    }
    worker = subprocess.Popen(
        [str(Path(sys.executable).with_name("celery")), "-A", "qwenkb", "worker",
         "--pool=solo", "--loglevel=INFO", "--without-gossip", "--without-mingle"],
        cwd=Path(__file__).resolve().parents[2], env=env,
        stdout=subprocess.DEVNULL, stderr=log.open("wb"), start_new_session=True,
    )  # fmt: skip
    saved = {"CELERY_TASK_ALWAYS_EAGER": True, "CELERY_BROKER_URL": app.conf.broker_url}
    app.conf.update(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL=broker)
    _forget_connections(app)
    try:
        yield worker
    finally:
        app.conf.update(saved)
        _forget_connections(app)
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)


def wait_for(condition, worker, log: Path, seconds: float = 60):
    """Poll ``condition()`` until true; fail with the worker's log if it dies or time runs out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        assert worker.poll() is None, log.read_text()
        time.sleep(0.2)
    raise AssertionError(f"timed out; the worker's log:\n{log.read_text()}")

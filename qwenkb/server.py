"""`make serve`'s application server: granian serving ``qwenkb.wsgi`` on this machine's cores.

    python -m qwenkb.server

Granian parses HTTP and holds connections in Rust, and hands each request to one of a
worker's Python threads: against gunicorn on the benchmark's questions it answered 20-30%
more read-cache hits and 5-10% more uncached requests (bench/notes.md). Django is CPU-bound
here, so there is one worker process per core, and two threads in each let one request run
while another waits on PostgreSQL; more processes than cores answered no more and doubled
the slowest answers' time (p99). Every value can be set from the environment:

- ``HOST`` / ``PORT``: where it listens (127.0.0.1:8000);
- ``WEB_CONCURRENCY`` / ``WEB_THREADS``: worker processes (one per core) and threads each (2);
- ``WEB_MAX_RSS_MB``: a worker whose memory grows past this many MiB is replaced (400), so a
  slow leak cannot grow without bound; a worker that dies is replaced too.

The workers it starts stop any statement of a request that runs longer than
``DB_REQUEST_TIMEOUT`` seconds (30) on PostgreSQL: ``QWENKB_SERVING`` tells their settings
that they serve requests.

Every request is logged by the app itself, one JSON line with its status, duration, query
counts and worker process (``qwenkb.observability``), so the server keeps no access log.
"""

import multiprocessing
import os
from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured
from granian import Granian
from granian.constants import Interfaces
from granian.log import LogLevels

from qwenkb.env import LOG_LEVELS, env_choice, env_number

TARGET = "qwenkb.wsgi:application"


def settings(environ: Mapping[str, str] = os.environ) -> dict:
    """Granian's arguments for this environment (ImproperlyConfigured for a bad value)."""
    return {
        "address": environ.get("HOST") or "127.0.0.1",
        "port": env_number("PORT", 8000, minimum=1, maximum=65535, environ=environ),
        "interface": Interfaces.WSGI,
        "workers": env_number(
            "WEB_CONCURRENCY", multiprocessing.cpu_count(), minimum=1, environ=environ
        ),
        "blocking_threads": env_number("WEB_THREADS", 2, minimum=1, environ=environ),
        "workers_max_rss": env_number("WEB_MAX_RSS_MB", 400, minimum=1, environ=environ),
        "respawn_failed_workers": True,
        # A stopping worker finishes the requests it holds; one that takes longer is killed.
        "workers_kill_timeout": 10,
        "log_level": LogLevels(env_choice("LOG_LEVEL", "INFO", LOG_LEVELS, environ).lower()),
        "log_access": False,
        # A proxy in front terminates websockets if any; this app speaks plain HTTP.
        "websockets": False,
    }


def main() -> None:
    try:
        options = settings()
    except ImproperlyConfigured as error:
        raise SystemExit(f"make serve: {error}") from None
    # The workers' settings bound each request's statements (DB_REQUEST_TIMEOUT).
    os.environ["QWENKB_SERVING"] = "1"
    Granian(TARGET, **options).serve()


if __name__ == "__main__":
    main()

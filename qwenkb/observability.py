"""What an operator sees: a JSON log line per request with its id, and Prometheus metrics.

Every request gets an id (the client's ``X-Request-ID`` when it is a sane token, else a new
one), sent back in the ``X-Request-ID`` header, stamped on every log line written while the
request runs, and handed to the tasks it enqueues so that their log lines carry it too.
"""

import contextvars
import datetime
import logging
import os
import re
import time
import uuid

import orjson
from django.db import connections
from prometheus_client import Counter, Histogram

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_META = "HTTP_X_REQUEST_ID"
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar(
    "qwenkb_request_id", default="-"
)
request_logger = logging.getLogger("qwenkb.requests")

DB_QUERIES = Counter(
    "qwenkb_db_queries_total", "Database queries run while answering requests", ["alias"]
)
DB_QUERIES_PER_REQUEST = Histogram(
    "qwenkb_db_queries_per_request",
    "Database queries one request ran",
    buckets=(0, 1, 2, 5, 10, 20, 50, 100, 500),
)
READ_CACHE = Counter("qwenkb_read_cache_total", "API read cache look-ups", ["result"])


class RequestIdFilter(logging.Filter):
    """Gives every log record the id of the request (or task) it was written under."""

    def filter(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id and any extras."""

    STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}

    def format(self, record):
        line = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id_var.get()),
        }
        line |= {k: v for k, v in record.__dict__.items() if k not in self.STANDARD}
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


class RequestLogMiddleware:
    """Names each request, counts its queries, and logs it in one line when it is answered."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # From the WSGI environ: ``request.headers`` would build a dict of every header.
        given = request.META.get(_REQUEST_ID_META, "")
        request_id = given if _VALID_ID.match(given) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        queries: dict[str, int] = {}
        started = time.perf_counter()
        try:
            with _counting_queries(queries):
                response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        elapsed = time.perf_counter() - started
        response[REQUEST_ID_HEADER] = request_id
        for alias, count in queries.items():
            DB_QUERIES.labels(alias).inc(count)
        DB_QUERIES_PER_REQUEST.observe(sum(queries.values()))
        if response.get("X-Cache") in ("hit", "miss"):
            READ_CACHE.labels(response["X-Cache"]).inc()
        match = getattr(request, "resolver_match", None)
        request_logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "request_id": request_id,
                "method": request.method,
                "path": request.path,
                "view": match.view_name if match else None,
                "status": response.status_code,
                "duration_ms": round(elapsed * 1000, 2),
                "queries": queries,
                "user": request.user.pk if getattr(request, "user", None) else None,
                "cache": response.get("X-Cache"),
                "worker_pid": os.getpid(),  # which worker process answered
            },
        )
        return response


class _counting_queries:
    """Counts the queries each database alias runs inside the block (Django's execute hooks)."""

    def __init__(self, counts: dict[str, int]):
        self.counts = counts
        self.hooks: list = []

    def __enter__(self):
        for connection in connections.all(initialized_only=False):
            hook = connection.execute_wrapper(self._wrapper(connection.alias))
            hook.__enter__()
            self.hooks.append(hook)

    def __exit__(self, *exc):
        for hook in reversed(self.hooks):
            hook.__exit__(*exc)

    def _wrapper(self, alias):
        def count(execute, sql, params, many, context):
            self.counts[alias] = self.counts.get(alias, 0) + 1
            return execute(sql, params, many, context)

        return count

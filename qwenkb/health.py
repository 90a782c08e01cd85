"""Liveness, readiness and Prometheus metrics for the operator and the load balancer."""

import ipaddress
import secrets
import time

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily

from qwenkb import routers


@never_cache
def healthz(request):
    """The process is alive and answering; touches nothing else."""
    return JsonResponse({"status": "ok"})


def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        result = {"ok": True} | (check() or {})
    except Exception as error:  # any failure is the answer, not a crash of the probe
        result = {"ok": False, "error": f"{type(error).__name__}: {error}"}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def _database():
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")


def _migrations():
    executor = MigrationExecutor(connections["default"])
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _ in pending)
        raise DatabaseError(f"{len(pending)} migrations not applied: {names}")


def _replica(alias: str):
    def check():
        lag = routers.replica_lag(alias)
        if lag is None:
            raise DatabaseError("not in recovery: this is not a replica")
        return {"lag_seconds": lag, "usable": lag <= settings.REPLICA_MAX_LAG}

    return check


def _redis():
    client = caches["default"].client.get_client()
    client.ping()


@never_cache
def readyz(request):
    """Whether this server can answer: 200 when the primary, Redis and the schema are fine.

    A replica that is down or behind is reported, but leaves the server ready: its reads
    then go to the primary (qwenkb/routers.py), so taking servers out would help no one.
    """
    checks = {"database": _timed(_database), "migrations": _timed(_migrations)}
    if settings.REDIS_URL:
        checks["redis"] = _timed(_redis)
    replicas = {alias: _timed(_replica(alias)) for alias in routers.replica_aliases()}
    ready = all(check["ok"] for check in checks.values())
    body = {"status": "ready" if ready else "unready", "checks": checks, "replicas": replicas}
    return JsonResponse(body, status=200 if ready else 503)


class QueueDepthCollector:
    """The number of tasks waiting in the broker's default queue, read at each scrape."""

    def collect(self):
        gauge = GaugeMetricFamily("qwenkb_task_queue_depth", "Tasks waiting in the broker queue")
        depth = queue_depth()
        if depth is not None:
            gauge.add_metric([], depth)
        yield gauge


def queue_depth() -> int | None:
    """Tasks waiting in the Redis broker's default queue; None without a Redis broker."""
    if not settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        return None
    from qwenkb.celery import app

    with app.connection_for_read() as connection:
        return connection.default_channel.client.llen("celery")


def _allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if token and secrets.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(
        address in ipaddress.ip_network(network, strict=False)
        for network in settings.METRICS_ALLOWED_NETWORKS
    )


def _registry():
    import os

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Several worker processes: sum what each wrote to the shared directory.
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(QueueDepthCollector())
        return registry
    return REGISTRY


REGISTRY.register(QueueDepthCollector())


@never_cache
def metrics(request):
    """Prometheus metrics, to the networks or the bearer token the settings allow."""
    if not _allowed(request):
        return JsonResponse({"detail": "Metrics are not open to this address."}, status=403)
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)

"""Read replicas: anonymous reads go to a replica, everything else to the primary.

A request may read from a replica only when it is a safe method, carries no credentials
(no ``Authorization`` header, no logged-in session) and its client has not written in the
last ``REPLICA_PIN_SECONDS`` (a cookie set on every write response pins it to the primary,
so a client always reads its own writes, whichever app server answers). Outside a request
(commands, tasks) every read goes to the primary. A replica is used only while it answers
and its replay lags at most ``REPLICA_MAX_LAG`` seconds; each process re-reads that at most
every ``REPLICA_CHECK_SECONDS``. A replica found down or behind is skipped until the next
check, and the primary answers instead.
"""

import contextvars
import logging
import time

from django.conf import settings
from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

PIN_COOKIE = "qwenkb_primary"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The alias this request's reads go to; None outside a request that may use a replica.
_read_alias: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "qwenkb_read_alias", default=None
)
_health: dict[str, tuple[float, bool]] = {}  # alias -> (checked at, usable)

LAG_SQL = (
    "SELECT CASE WHEN NOT pg_is_in_recovery() THEN NULL"
    " WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
    " ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END"
)


def replica_aliases() -> list[str]:
    """The configured replicas' database aliases."""
    return [alias for alias in settings.DATABASES if alias.startswith("replica")]


def replica_lag(alias: str) -> float | None:
    """Seconds the replica's replay is behind (0 when it has replayed all it received);
    None when the database is not a replica. Raises DatabaseError when it cannot answer."""
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute(LAG_SQL)
            lag = cursor.fetchone()[0]
    except DatabaseError:
        connections[alias].close()  # the next try opens a new connection
        raise
    return None if lag is None else float(lag)


def replica_usable(alias: str) -> bool:
    """Whether reads may go to ``alias`` now (answer cached for REPLICA_CHECK_SECONDS)."""
    now = time.monotonic()
    checked = _health.get(alias)
    if checked is not None and now - checked[0] < settings.REPLICA_CHECK_SECONDS:
        return checked[1]
    try:
        lag = replica_lag(alias)
        usable = lag is not None and lag <= settings.REPLICA_MAX_LAG
        if not usable:
            logger.warning("replica %s skipped: lag %s s", alias, lag)
    except DatabaseError as error:
        usable = False
        logger.warning("replica %s skipped: %s", alias, error)
    _health[alias] = (now, usable)
    return usable


def forget_health() -> None:
    """Check every replica again on its next use (tests)."""
    _health.clear()


def choose_replica(request_number: int = 0) -> str:
    """A usable replica's alias, taking turns between them; "default" when none is usable."""
    aliases = replica_aliases()
    for offset in range(len(aliases)):
        alias = aliases[(request_number + offset) % len(aliases)]
        if replica_usable(alias):
            return alias
    return "default"


def may_read_replica(request) -> bool:
    """Whether a request is an anonymous read from a client that has not just written."""
    return (
        request.method in SAFE_METHODS
        and "HTTP_AUTHORIZATION" not in request.META
        and not request.user.is_authenticated
        and PIN_COOKIE not in request.COOKIES
    )


class ReplicaPinMiddleware:
    """Chooses where a request's reads go, and pins a client that writes to the primary."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.requests = 0

    def __call__(self, request):
        alias = None
        if replica_aliases() and may_read_replica(request):
            self.requests += 1
            alias = choose_replica(self.requests)
        token = _read_alias.set(alias)
        try:
            response = self.get_response(request)
        finally:
            _read_alias.reset(token)
        if request.method not in SAFE_METHODS and settings.REPLICA_PIN_SECONDS > 0:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.REPLICA_PIN_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response


class ReplicaRouter:
    """Sends reads to the replica the request was given, and every write to the primary."""

    def db_for_read(self, model, **hints):
        return _read_alias.get() or "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # every alias holds the same database

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"

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

# A replica has replayed all it can when its replay has reached what it received, or when
# its startup process is waiting for more WAL: what it received can end part-way through a
# record (WAL is streamed as it is flushed, a page at a time), which it cannot replay until
# the rest arrives. Seeing the startup process needs pg_read_all_stats (or pg_monitor);
# without it, only the first test counts, and the lag read is an upper bound.
CAUGHT_UP_SQL = (
    "(pg_last_wal_replay_lsn() >= {received} OR EXISTS (SELECT 1 FROM pg_stat_activity"
    " WHERE backend_type = 'startup' AND wait_event = 'RecoveryWalStream'))"
)
# Whether this is a replica; the WAL it has received; whether it has replayed all it can; and
# the age of the last commit it replayed (how far behind it is, while it is behind).
LAG_SQL = (
    "SELECT pg_is_in_recovery(), pg_last_wal_receive_lsn(), "
    + CAUGHT_UP_SQL.format(received="pg_last_wal_receive_lsn()")
    + ", EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())"
)
REPLAYED_SQL = "SELECT " + CAUGHT_UP_SQL.format(received="%s::pg_lsn")
# How long a replica that has received WAL it has not yet replayed is given to replay it
# before the age of its last replayed commit counts as its lag, and how often it is asked.
REPLAY_GRACE_SECONDS = 0.05
REPLAY_POLL_SECONDS = 0.01


def replica_aliases() -> list[str]:
    """The configured replicas' database aliases."""
    return [alias for alias in settings.DATABASES if alias.startswith("replica")]


def replica_lag(alias: str) -> float | None:
    """Seconds the replica ``alias`` is behind (``measure_lag``); None when it is not a
    replica. Raises DatabaseError when it cannot answer."""
    connection = connections[alias]
    try:
        with connection.cursor() as cursor:
            return measure_lag(cursor)
    except DatabaseError:
        connection.close()  # the next try opens a new connection
        raise


def measure_lag(cursor) -> float | None:
    """Seconds a replica's replay is behind, read through ``cursor`` (a DB-API cursor on
    it); None when the database is not a replica.

    A replica that has replayed all it can (``CAUGHT_UP_SQL``) is not behind (0). One that
    has received more is given ``REPLAY_GRACE_SECONDS`` to replay it: WAL arriving after the
    primary was quiet is replayed in moments, and the age of the last replayed commit would
    count the quiet spell as lag (the replica skipped after every quiet spell). Caught up
    within the grace, its lag is the time that took; still behind, it is the age of the last
    commit it replayed (unknown, a DatabaseError, when it has replayed none since it
    started)."""
    cursor.execute(LAG_SQL)
    in_recovery, received, caught_up, age = cursor.fetchone()
    if not in_recovery:
        return None
    if caught_up:
        return 0.0
    started = time.monotonic()
    waited = 0.0
    while received is not None and waited < REPLAY_GRACE_SECONDS:
        time.sleep(REPLAY_POLL_SECONDS)
        cursor.execute(REPLAYED_SQL, [received])
        waited = time.monotonic() - started
        if cursor.fetchone()[0]:
            return waited
    if age is None:
        raise DatabaseError("behind, and no commit replayed since it started: lag unknown")
    return float(age) + waited


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

"""Reusing anonymous API read responses for as long as the database is provably unchanged.

A response is stored under the request's absolute URL (scheme, host, path and query), its
format and Accept header, and a *database state*: on PostgreSQL the
text of ``pg_current_snapshot()`` (the next transaction id and the transactions in flight),
which changes whenever any transaction starts writing, commits or aborts, whoever runs it
(the admin, the API, an import's COPY, ``psql``); on SQLite the change counter in the file's
header (``sqlite_file_state``), or for a database in memory the connection's ``data_version``
with its own change count. There is nothing to invalidate by hand and no write
path to forget: the moment a change is committed, every later request reads a new state and
misses. The state is read before the response's data, so an entry never holds data older
than its state. The database's name, host and port are part of the key, since databases of
one PostgreSQL cluster share transaction ids.

Only anonymous GETs outside a transaction are cached (a transaction could read its own
uncommitted writes), after authentication, throttles and query-parameter checks have run.
Every key also holds the version of the code (``code_version``), so a deploy never serves a
response the old code wrote. The researchers' pages are cached the same way
(``cached_page``), except with DEBUG on (a template edited in development would not show
until the next write) and for a client with a session (which may carry a message for the
page to show once); a page that sets a cookie is not stored.
Entries live in a directory every worker process of the server shares (``API_CACHE_DIR``,
diskcache: SQLite and files), bounded in bytes (``API_CACHE_MB``; 0 turns the cache off),
oldest stored out first; or, when the settings define a ``readcache`` cache (with
``REDIS_URL``), in that cache, which every app server shares.
"""

import functools
import logging
import os
import threading
import uuid
from pathlib import Path
from typing import Any, cast

from diskcache import Cache, Timeout
from django.conf import settings
from django.core.cache import caches
from django.core.signals import setting_changed
from django.db import connection, connections, router
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils.cache import set_response_etag

from qwenkb.release import files_digest
from qwenkb.throttles import AnonReadRateThrottle

HIT_HEADER = "X-Cache"
CODE_FOLDERS = ("qwenkb", "claims", "sources", "templates")
CODE_SUFFIXES = frozenset({".py", ".html", ".txt", ".xml", ".json", ".js", ".css", ".svg"})
KEPT_HEADERS = ("Content-Type", "ETag", "Allow", "Vary")
logger = logging.getLogger(__name__)
_thread = threading.local()  # .opened: (process id, directory, size) -> this thread's Cache


class SharedEntries:
    """The read cache in a Django cache every app server shares (Redis), sized like diskcache's."""

    def __init__(self, size_limit: int):
        self.size_limit = size_limit
        # django-redis' cache: ``delete_pattern`` is its own, not Django's BaseCache's.
        self.cache: Any = caches["readcache"]

    def get(self, key):
        return self.cache.get(key)

    def set(self, key, value) -> None:
        self.cache.set(key, value)

    def clear(self) -> None:
        # Only this cache's keys: the Redis database may hold the throttles' and sessions'.
        self.cache.delete_pattern("*")


def _entries() -> Cache | SharedEntries | None:
    limit = int(settings.API_CACHE_MB * 1024 * 1024)
    if limit <= 0:
        return None
    if "readcache" in settings.CACHES:
        return SharedEntries(limit)
    # Opened in each thread that uses it, in each process (a worker may be forked from a
    # process that had opened it). diskcache keeps a connection per thread but one record
    # of which thread holds the write lock per Cache: were the directory cleared under a
    # running server, threads connected to the deleted file and threads connected to its
    # successor would each take "the" lock, and the record would fail every later write.
    opened = _thread.__dict__.setdefault("opened", {})
    key = (os.getpid(), str(settings.API_CACHE_DIR), limit)
    if key not in opened:
        opened[key] = Cache(
            str(settings.API_CACHE_DIR), size_limit=limit, eviction_policy="least-recently-stored"
        )
    return opened[key]


@receiver(connection_created)
def _name_connection(sender, connection, **kwargs):
    """A name for each new connection: SQLite's change count starts again at 0 with it."""
    connection.qwenkb_name = uuid.uuid4().hex


@functools.cache
def code_version() -> str:
    """A digest of the code and templates this process serves (``qwenkb.release``): part of
    every key, so that responses stored before a deploy that changes what a response shows
    are never served by the new code (read once per process; a few hundred kilobytes)."""
    return files_digest(
        Path(settings.BASE_DIR), CODE_FOLDERS, suffixes=CODE_SUFFIXES, skip=("migrations",)
    )


def database_state() -> str | None:
    """A text that changes whenever the database changes; None when it cannot be known."""
    if connection.in_atomic_block:
        return None
    # The state of the database the request reads from: a replica's own, which lags with it,
    # so an entry never holds a replica's older data under the primary's newer state.
    reading = connections[router.db_for_read(None)]  # type: ignore[arg-type]  # any model
    with reading.cursor() as cursor:
        if reading.vendor == "postgresql":
            cursor.execute("SELECT pg_current_snapshot()::text")
            where = "{HOST}:{PORT}/{NAME}".format(**reading.settings_dict)
            return f"pg:{where}:{cursor.fetchone()[0]}"
        if reading.vendor == "sqlite":
            shared = sqlite_file_state(str(reading.settings_dict["NAME"]))
            if shared is not None:
                return shared
            cursor.execute("PRAGMA data_version")
            version = cursor.fetchone()[0]
            if not hasattr(reading, "qwenkb_name"):  # opened before this module loaded
                _name_connection(None, reading)
            changes = reading.connection.total_changes
            return f"sqlite:{cast(Any, reading).qwenkb_name}:{version}:{changes}"
    return None


def sqlite_file_state(name: str) -> str | None:
    """A SQLite database file's change counter, the same for every connection to it.

    In rollback-journal mode (Django's default) every commit raises the counter in the
    file's header (bytes 24-27), so threads and processes with connections of their own
    share entries. None for a database in memory or in write-ahead-log mode, whose commits
    do not touch the header: ``database_state`` then keys by connection.
    """
    path = Path(name)
    if name.startswith("file:") or name == ":memory:" or not path.is_file():
        return None
    if path.with_name(path.name + "-wal").exists():
        return None
    with path.open("rb") as database:
        header = database.read(28)
    if len(header) < 28:
        return None
    return f"sqlite:{path.resolve()}:{int.from_bytes(header[24:28], 'big')}"


def _key(request, *kind: str) -> str | None:
    """A GET's cache key: the code's version, the database's state, what ``kind`` names and
    the absolute URL (links are absolute, so scheme and host; keyed on the path alone, one
    request with a forged Host or X-Forwarded-Proto would have set every later client's
    links). None when the cache is off, for another method, or when the state is unknown."""
    if request.method != "GET" or _entries() is None:
        return None
    state = database_state()
    if state is None:
        return None
    return " ".join((code_version(), state, *kind, request.build_absolute_uri()))


def api_key(request) -> str | None:
    """The cache key of an API read (``request`` is Django's or DRF's), or None when its
    response must not be reused. DRF chooses the renderer from the URL (``?format=``) and
    the Accept header, both in the key, so the choice is in it without being named. Whether
    the client is anonymous is the caller's to decide."""
    return _key(request, "api", repr(request.headers.get("Accept", "")))


def read_for(request) -> tuple[str | None, HttpResponse | None]:
    """The cache key of a DRF read request (authenticated, permitted, throttled, its
    parameters checked) and its stored response; no key when the response must not be
    reused. A request ``ReadCacheMiddleware`` looked up comes with its key and was a miss
    (a hit never reaches DRF): the state is read, and the entry looked for, once."""
    given = getattr(request._request, "qwenkb_read_key", None)
    if given is not None:
        return given, None
    if request.user.is_authenticated:
        return None, None
    key = api_key(request)
    return key, lookup(key)


def page_key(request) -> str | None:
    """The cache key of a public page (HTML, a feed), or None when it must not be reused."""
    if (
        settings.DEBUG
        or request.user.is_authenticated
        or settings.SESSION_COOKIE_NAME in request.COOKIES
    ):
        return None
    return _key(request, "page")


def cached_page(view):
    """``view`` (a public, read-only page) answered again while the database is unchanged."""

    @functools.wraps(view)
    def answer(request, *args, **kwargs):
        key = page_key(request)
        hit = lookup(key)
        if hit is not None:
            return hit
        response = view(request, *args, **kwargs)
        if key is not None and not response.cookies:
            if getattr(response, "is_rendered", True):
                store(key, response)
            else:
                response.add_post_render_callback(lambda rendered: store(key, rendered))
        return response

    return answer


def lookup(key) -> HttpResponse | None:
    """The stored response for ``key``, as a new response object."""
    store = _entries()
    if key is None or store is None:
        return None
    entry = store.get(key)
    if entry is None:
        return None
    status, content, headers = entry
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response[name] = value
    response[HIT_HEADER] = "hit"
    return response


def store(key, response) -> None:
    """Keep a rendered 200 response under ``key`` (called once it is rendered)."""
    entries = _entries()
    if key is None or entries is None or response.status_code != 200 or response.streaming:
        return
    if not response.has_header("ETag"):
        # The tag ``ConditionalGetMiddleware`` gives the response on its way out, given now so
        # that it is stored with it: a hit of a long answer would otherwise hash its whole
        # body again (0.12 ms of a 100 KB hit, bench/notes.md).
        set_response_etag(response)
    headers = tuple((name, response[name]) for name in KEPT_HEADERS if response.has_header(name))
    if len(response.content) <= entries.size_limit // 8:  # no one entry crowds out the rest
        try:
            entries.set(key, (response.status_code, response.content, headers))
        except Timeout:  # the store stayed locked past its timeout: answer, keep nothing
            logger.warning("The read cache is locked; a response was not kept.")
    response[HIT_HEADER] = "miss"


def clear() -> None:
    """Forget every stored response (tests)."""
    entries = _entries()
    if entries is not None:
        entries.clear()


def carries_credentials(request) -> bool:
    """Whether a request could be a signed-in client's (a token, or a session's cookie),
    told without reading the session: a request that cannot is anonymous."""
    return "HTTP_AUTHORIZATION" in request.META or settings.SESSION_COOKIE_NAME in request.COOKIES


class ReadCacheMiddleware:
    """Answers an anonymous API read from the read cache before URL resolution and DRF.

    A response is stored only after DRF has authenticated, permitted, throttled and checked
    the request that made it (``qwenkb.api.BaseViewSet``); its key holds the URL, the Accept
    header, the code and the database's state, so any request with the same key would be
    permitted and checked the same way and answered the same. What a hit still needs is the
    client's rate limit, which is counted here (``AnonReadRateThrottle``), once: a hit over
    the limit goes on to DRF, which answers 429 as for any request. A miss goes on too,
    carrying its key, so DRF does not read the state again. Only requests that carry no
    credentials are looked up here; a signed-in client's reads are never cached.
    Only paths whose view keeps its answers here are looked up (``answers_from_read_cache``;
    the schema and docs, for one, read no database). A hit costs a URL resolution, a state
    read and the entry's (bench/notes.md): no view, no serializer.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            _entries() is not None
            and not carries_credentials(request)
            and _answered_from_cache(request.path_info)
        ):
            key = api_key(request)
            if key is not None:
                hit = lookup(key)
                if hit is not None and AnonReadRateThrottle().allow_request(request, None):
                    return hit
                request.qwenkb_read_key = key
        return self.get_response(request)


@functools.lru_cache(maxsize=4096)
def _answered_from_cache(path: str) -> bool:
    """Whether the view at ``path`` keeps its answers in the read cache (``qwenkb.api``):
    remembered for the most recent paths (resolving one costs a tenth of a hit)."""
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return getattr(getattr(match.func, "cls", None), "answers_from_read_cache", False)


@receiver(setting_changed)
def _forget_paths(setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _answered_from_cache.cache_clear()

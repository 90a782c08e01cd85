"""Anonymous reads are answered from memory only while the database is unchanged."""

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from claims.models import Claim
from qwenkb import readcache
from qwenkb.throttles import AnonReadRateThrottle
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db(transaction=True)
LIST = "/api/claims/?metric=largest-model-parameters"


@pytest.fixture(autouse=True)
def empty_read_cache():
    readcache.clear()
    yield
    readcache.clear()


def test_a_repeated_read_is_a_hit_with_the_same_body(anon, kb):
    first = anon.get(LIST)
    second = anon.get(LIST)
    assert first.status_code == second.status_code == 200
    assert first["X-Cache"] == "miss" and second["X-Cache"] == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"] == "application/json"


def test_the_chosen_format_is_part_of_the_key(anon, kb):
    anon.get(LIST)
    assert anon.get(LIST)["X-Cache"] == "hit"
    csv = anon.get(LIST, HTTP_ACCEPT="text/csv")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert b"".join(csv.streaming_content).decode("utf-8-sig").startswith("id,subject,")


def test_a_detail_hit_keeps_its_etag(anon, kb):
    url = f"/api/claims/{kb['a'].pk}/"
    first, second = anon.get(url), anon.get(url)
    assert second["X-Cache"] == "hit" and second["ETag"] == first["ETag"]


def test_a_list_hit_carries_the_misses_etag_without_hashing_its_body(anon, kb, monkeypatch):
    """A list has no version tag of its own: ConditionalGetMiddleware tags it with a digest of
    the body. The tag is stored with the entry, so a hit hashes nothing and answers 304."""
    import django.middleware.http

    first = anon.get(LIST)
    assert first["X-Cache"] == "miss" and first["ETag"].startswith('"')
    hashed: list[object] = []
    monkeypatch.setattr(django.middleware.http, "set_response_etag", hashed.append)
    hit = anon.get(LIST)
    assert hit["X-Cache"] == "hit" and hit["ETag"] == first["ETag"]
    assert hashed == []
    again = anon.get(LIST, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""


def test_a_write_without_signals_is_seen_at_once(anon, kb):
    """A queryset update (no save(), no signal) changes the state: the next read misses."""
    anon.get(LIST)
    Claim.objects.filter(pk=kb["a"].pk).update(notes="checked against the filing")
    after = anon.get(LIST)
    assert after["X-Cache"] == "miss"
    notes = {c["id"]: c["notes"] for c in after.json()["results"]}
    assert notes[kb["a"].pk] == "checked against the filing"


def test_raw_sql_writes_are_seen_at_once(anon, kb):
    anon.get(LIST)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE claims_claim SET notes = 'raw' WHERE id = %s", [kb["b"].pk])
    after = anon.get(LIST)
    assert after["X-Cache"] == "miss"
    assert {c["id"]: c["notes"] for c in after.json()["results"]}[kb["b"].pk] == "raw"


def _commit_from_another_connection(sql: str, params: list) -> None:
    """Run one write on a connection of its own (what another process would do) and commit."""
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        import psycopg

        with psycopg.connect(
            dbname=settings["NAME"],
            user=settings["USER"],
            host=settings["HOST"],
            port=settings["PORT"] or 5432,
            autocommit=True,
        ) as other:
            other.execute(sql, params)
    else:
        import sqlite3

        other = sqlite3.connect(settings["NAME"], uri=True)
        other.execute(sql.replace("%s", "?"), params)
        other.commit()
        other.close()


def test_a_commit_from_another_connection_is_seen_at_once(anon, kb):
    anon.get(LIST)
    assert anon.get(LIST)["X-Cache"] == "hit"
    _commit_from_another_connection(
        "UPDATE claims_claim SET notes = 'elsewhere' WHERE id = %s", [kb["a"].pk]
    )
    after = anon.get(LIST)
    assert after["X-Cache"] == "miss"
    assert {c["id"]: c["notes"] for c in after.json()["results"]}[kb["a"].pk] == "elsewhere"


def test_authenticated_reads_are_never_cached(kb, django_user_model):
    client = token_client(django_user_model.objects.create_user("reader", password="x" * 12))
    first, second = client.get(LIST), client.get(LIST)
    assert first.status_code == second.status_code == 200
    assert not first.has_header("X-Cache") and not second.has_header("X-Cache")


def test_errors_are_not_cached(anon, kb):
    for _ in range(2):
        assert not anon.get("/api/claims/999999/").has_header("X-Cache")
        bad = anon.get("/api/claims/?colour=red")
        assert bad.status_code == 400 and not bad.has_header("X-Cache")


def test_hits_still_count_against_the_rate_limit(anon, kb, monkeypatch):
    monkeypatch.setattr(AnonReadRateThrottle, "THROTTLE_RATES", {"anon": "3/minute"})
    responses = [anon.get(LIST) for _ in range(5)]
    assert [r.status_code for r in responses] == [200, 200, 200, 429, 429]
    assert responses[2]["X-Cache"] == "hit"


def test_size_zero_turns_the_cache_off(anon, kb):
    with override_settings(API_CACHE_MB=0):
        assert not anon.get(LIST).has_header("X-Cache")
        assert not anon.get(LIST).has_header("X-Cache")


# The disk store's own behaviour, also where REDIS_URL would put the entries in Redis.
# The settings of the test's time (the session's own cache directories), read when it runs.
@pytest.fixture
def on_disk(settings):
    settings.CACHES = {k: v for k, v in settings.CACHES.items() if k != "readcache"}


ON_DISK = pytest.mark.usefixtures("on_disk")


@ON_DISK
def test_the_store_is_bounded_in_bytes(anon, kb, tmp_path):
    body = len(anon.get(LIST).content)
    with override_settings(API_CACHE_MB=2, API_CACHE_DIR=tmp_path / "small"):
        entries = readcache._entries()
        assert entries.size_limit == 2 * 1024 * 1024
        assert entries.eviction_policy == "least-recently-stored"
        anon.get(LIST)
        assert anon.get(LIST)["X-Cache"] == "hit"
    # A response larger than an eighth of the store is served but never kept.
    with override_settings(API_CACHE_MB=body * 4 / (1024 * 1024), API_CACHE_DIR=tmp_path / "tiny"):
        first, second = anon.get(LIST), anon.get(LIST)
        assert first["X-Cache"] == second["X-Cache"] == "miss"
        assert second.content == first.content
        assert len(readcache._entries()) == 0


@ON_DISK
def test_worker_processes_share_the_store(anon, kb):
    """What one process stored, a process forked from the same server reads."""
    import multiprocessing

    anon.get(LIST)
    key = next(iter(readcache._entries()))
    context = multiprocessing.get_context("fork")
    with context.Pool(1) as pool:
        found = pool.apply(_stored_in_another_process, (key,))
    assert found == readcache._entries()[key][1]


def _stored_in_another_process(key):
    entry = readcache._entries().get(key)
    return entry[1] if entry else None


def test_reads_inside_a_transaction_are_not_cached(anon, kb):
    """A transaction may read its own uncommitted writes: nothing it reads is kept."""
    with transaction.atomic():
        Claim.objects.filter(pk=kb["a"].pk).update(notes="not yet committed")
        inside = [anon.get(LIST) for _ in range(2)]
        transaction.set_rollback(True)
    assert not any(r.has_header("X-Cache") for r in inside)
    after = anon.get(LIST)
    assert after["X-Cache"] == "miss"
    assert "not yet committed" not in after.content.decode()


def test_a_sqlite_file_state_is_shared_and_moves_with_every_commit(tmp_path):
    import sqlite3

    path = tmp_path / "kb.sqlite3"
    writer = sqlite3.connect(path)
    writer.execute("CREATE TABLE t (x)")
    writer.commit()
    before = readcache.sqlite_file_state(str(path))
    reader = sqlite3.connect(path)
    reader.execute("SELECT count(*) FROM t").fetchall()
    assert readcache.sqlite_file_state(str(path)) == before  # reading changes nothing
    writer.execute("INSERT INTO t VALUES (1)")
    assert readcache.sqlite_file_state(str(path)) == before  # not yet committed
    writer.commit()
    after = readcache.sqlite_file_state(str(path))
    assert after is not None and after != before
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("INSERT INTO t VALUES (2)")
    writer.commit()
    assert readcache.sqlite_file_state(str(path)) is None  # WAL: keyed by connection instead
    assert readcache.sqlite_file_state(":memory:") is None
    assert readcache.sqlite_file_state("file:memorydb_default?mode=memory&cache=shared") is None


def test_a_hit_is_answered_before_any_view_runs_with_one_query(anon, kb, monkeypatch):
    """ReadCacheMiddleware: the state is the hit's only query; no view, no serializer."""
    from claims.api.views import ClaimViewSet

    first = anon.get(LIST)
    monkeypatch.setattr(ClaimViewSet, "list", _no_view)
    with CaptureQueriesContext(connection) as queries:
        hit = anon.get(LIST)
    assert hit.status_code == 200 and hit["X-Cache"] == "hit"
    assert hit.content == first.content
    assert len(queries) <= 1 and all(_is_state(q["sql"]) for q in queries)
    # The headers every other middleware adds are on the hit too.
    for name in ("X-Request-ID", "Content-Security-Policy", "X-Content-Type-Options", "ETag"):
        assert hit.has_header(name) == first.has_header(name), name


@ON_DISK
def test_a_miss_reads_the_state_and_looks_for_its_entry_once(anon, kb, monkeypatch):
    store = readcache._entries()
    looked: list[str] = []
    real_get = store.get

    def get(key, *args, **kwargs):
        looked.append(key)
        return real_get(key, *args, **kwargs)

    monkeypatch.setattr(store, "get", get)
    with CaptureQueriesContext(connection) as queries:
        assert anon.get(LIST)["X-Cache"] == "miss"
    states = [q for q in queries if _is_state(q["sql"])]
    # Once, not again in the view: on PostgreSQL a query, on SQLite a query or the file's header.
    assert len(states) == 1 if connection.vendor == "postgresql" else len(states) <= 1
    assert len(looked) == 1


def test_credentials_are_never_answered_from_the_cache_even_a_wrong_token(anon, kb):
    anon.get(LIST)
    assert anon.get(LIST)["X-Cache"] == "hit"
    wrong = anon.get(LIST, HTTP_AUTHORIZATION="Token not-a-token")
    assert wrong.status_code == 401 and not wrong.has_header("X-Cache")


def test_paths_whose_views_keep_nothing_read_no_state(anon, kb):
    for path in ("/api/schema/", "/api/no-such-endpoint/"):
        with CaptureQueriesContext(connection) as queries:
            response = anon.get(path)
        assert not response.has_header("X-Cache"), path
        assert not any(_is_state(q["sql"]) for q in queries), path


def _is_state(sql: str) -> bool:
    """Whether a query is ``readcache.database_state``'s (a SQLite file's needs none)."""
    return "pg_current_snapshot" in sql or "data_version" in sql.lower()


def _no_view(*args, **kwargs):
    raise AssertionError("a hit must not reach the view")


@ON_DISK
def test_a_store_that_stays_locked_never_fails_the_read(anon, kb, monkeypatch, caplog):
    from diskcache import Timeout

    def locked(*args, **kwargs):
        raise Timeout

    monkeypatch.setattr(readcache._entries(), "set", locked)
    first, second = anon.get(LIST), anon.get(LIST)
    assert first.status_code == second.status_code == 200
    assert first["X-Cache"] == second["X-Cache"] == "miss"
    assert second.content == first.content
    assert "read cache is locked" in caplog.text


@ON_DISK
def test_clearing_the_directory_under_a_running_server_fails_no_thread(tmp_path):
    """Each thread opens the store itself: one connected to the deleted file and others to
    its successor never share diskcache's record of who holds the write lock."""
    import shutil
    import threading

    errors: list[str] = []
    with override_settings(API_CACHE_DIR=tmp_path / "cleared", API_CACHE_MB=16):
        readcache._entries().set("opened before", b"x")
        shutil.rmtree(tmp_path / "cleared")
        start = threading.Barrier(3)

        def write(name: str) -> None:
            start.wait()
            try:
                for number in range(200):
                    readcache._entries().set(f"{name}{number}", b"x" * 100)
            except Exception as exc:  # any failure is the finding
                errors.append(repr(exc))

        others = [threading.Thread(target=write, args=(name,)) for name in ("b", "c")]
        for thread in others:
            thread.start()
        write("a")
        for thread in others:
            thread.join()
        assert errors == []
        assert (tmp_path / "cleared" / "cache.db").is_file()
        assert len(readcache._entries()) == 201  # this thread's, in the deleted file

"""COPY of any model's new rows with their creation records (django-simple-history), on
PostgreSQL: the one place that knows how a copied row and its history row are filled.

Detection stores contradictions with ``copy_with_history``; the claims import
(``claims.bulk.store.CopyStore``) encodes its own rows for speed but draws ids, fills
defaults and chooses the COPY format (``copy_format``: binary data, ``qwenkb.copydata``, when
both tables allow it) with the helpers here. Both skip PostgreSQL's row-by-row foreign-key checks where
they may, locking what the rows reference instead (``reference_checks``, ``lock_rows``,
``replica_role``).
"""

import datetime
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any

from django.db import OperationalError, ProgrammingError, connection, transaction
from django.db.models import Model
from django.utils import timezone
from psycopg import errors

from qwenkb.copydata import CopyFormat
from qwenkb.postgres.arrays import Ids


def column_defaults(model: type[Model], skip: set[str], now: datetime.datetime) -> dict[str, Any]:
    """The columns a copy does not fill: their defaults, or ``now`` for auto_now fields."""
    return {
        f.attname: now
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        else f.get_default()
        for f in model._meta.concrete_fields
        if not f.generated and f.attname not in skip
    }


def next_ids(cursor: Any, table: str, count: int) -> list[int]:
    """``count`` ids drawn from ``table``'s sequence, so history rows can name them."""
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
        [table, count],
    )
    return [pk for (pk,) in cursor.fetchall()]


def copy_format(
    cursor: Any,
    table: str,
    history_table: str,
    columns: Sequence[str],
    history_columns: Sequence[str],
) -> CopyFormat:
    """How rows of ``columns`` of ``table`` and of ``history_columns`` of its history table (the
    same columns, then the history's own) are written as COPY data: binary when every column's
    type is known (``copydata``) and the two tables agree on the shared ones, text otherwise.
    Raises if the history table has other columns than ``history_columns`` and its own key."""
    cursor.execute(
        "SELECT attrelid::regclass::text, attname, format_type(atttypid, atttypmod)"
        " FROM pg_attribute WHERE attrelid = ANY(%s::regclass[]) AND attnum > 0"
        " AND NOT attisdropped",
        [[table, history_table]],
    )
    types: dict[str, dict[str, str]] = {table: {}, history_table: {}}
    for relation, name, type_name in cursor.fetchall():
        types[relation.strip('"')][name] = type_name
    history = types[history_table]
    if set(history) - {"history_id"} != set(history_columns):
        raise RuntimeError(f"the history table's columns differ: {sorted(history)}")
    found = {name: history[name] for name in history_columns}
    if any(types[table].get(name) != found[name] for name in columns):
        found[columns[0]] = "unknown"  # the text format then
    return CopyFormat(found)


def history_stamp(now: datetime.datetime, user: Any = None) -> dict[str, Any]:
    """The columns that make a history row a creation record by ``user`` at ``now``."""
    return {"history_date": now, "history_type": "+", "history_user_id": getattr(user, "pk", None)}


def reference_checks(cursor: Any, tables: list[str]) -> list[tuple[str, str, str]] | None:
    """(column, referenced table, its column) for every foreign key of ``tables``, when the
    session may copy into them without PostgreSQL's own checks (``replica_role``): it may set
    ``session_replication_role``, nothing but foreign-key checks is a trigger on them that
    the replica role turns off (a trigger enabled ALWAYS still fires), and every key is one
    column. None otherwise: PostgreSQL then checks as usual.

    Django's constraints are ``DEFERRABLE INITIALLY DEFERRED``: PostgreSQL queues a check per
    row and per key and runs them all at commit, a row at a time. A caller that locks every
    referenced row itself (``lock_rows``, the very lock the check takes, so none can be
    deleted before the commit) may skip them; the constraints stay in the schema throughout
    and check every other write.
    """
    cursor.execute(
        "SELECT current_setting('is_superuser') = 'on' OR"
        " current_setting('server_version_num')::int >= 150000 AND"
        " has_parameter_privilege('session_replication_role', 'SET')"
    )
    if not cursor.fetchone()[0]:
        return None
    cursor.execute(
        "SELECT count(*) FROM pg_trigger t LEFT JOIN pg_constraint c"
        " ON c.oid = t.tgconstraint WHERE t.tgrelid = ANY(%s::regclass[])"
        " AND t.tgenabled NOT IN ('D', 'A') AND c.contype IS DISTINCT FROM 'f'",
        [tables],
    )
    if cursor.fetchone()[0]:
        return None
    cursor.execute(
        "SELECT a.attname, c.confrelid::regclass::text, fa.attname, cardinality(c.conkey)"
        " FROM pg_constraint c"
        " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]"
        " JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1]"
        " WHERE c.conrelid = ANY(%s::regclass[]) AND c.contype = 'f'",
        [tables],
    )
    keys = cursor.fetchall()
    if any(width != 1 for *_, width in keys):
        return None
    return [(column, table, target) for column, table, target, _ in keys]


def lock_rows(cursor: Any, table: str, column: str, ids: Iterable) -> set:
    """Lock (FOR KEY SHARE) the rows of ``table`` whose ``column`` is one of ``ids``; the ids
    found (those missing are gone)."""
    ordered = sorted(ids)
    keys = Ids(ordered) if all(type(pk) is int for pk in ordered) else ordered
    cursor.execute(f"SELECT {column} FROM {table} WHERE {column} = ANY(%s) FOR KEY SHARE", [keys])
    return {pk for (pk,) in cursor.fetchall()}


@contextmanager
def replica_role(cursor: Any) -> Iterator[None]:
    """Writes in the block queue no foreign-key checks (``session_replication_role`` =
    replica, for this transaction); the role is restored after it. Only for rows whose
    references are locked (``reference_checks``)."""
    cursor.execute("SHOW session_replication_role")
    role = cursor.fetchone()[0]
    cursor.execute("SET LOCAL session_replication_role = replica")
    yield
    # Not in a ``finally``: after an error the transaction is aborted, which restores it.
    cursor.execute("SELECT set_config('session_replication_role', %s, true)", [role])


# From this many rows a copy locks what they reference rather than leave PostgreSQL a check
# per row and key: below it (a record opened by one save) the catalogue look-ups cost more.
LOCK_REFERENCES_FROM = 200


def _references_locked(
    cursor: Any, tables: list[str], records: list[dict[str, Any]], fixed: dict[str, Any]
) -> bool:
    """Whether every row ``records`` (and the ``fixed`` columns every row shares) reference is
    there and now locked, so the copy may skip PostgreSQL's checks; false when it must not
    (see ``reference_checks``) or need not."""
    if len(records) < LOCK_REFERENCES_FROM:
        return False
    checks = reference_checks(cursor, tables)
    if checks is None or any(
        column not in records[0] and column not in fixed for column, _, _ in checks
    ):
        return False
    for column, table, target in checks:
        if column in fixed:
            ids = {fixed[column]} - {None}
        else:
            ids = {record[column] for record in records} - {None}
        if ids and lock_rows(cursor, table, target, ids) != ids:
            return False  # PostgreSQL's own checks then name what is missing, at commit
    return True


def copy_with_history(
    model: type[Model], rows: list[dict[str, Any]], *, reasons: list[str | None], user: Any = None
) -> list[int]:
    """Insert ``rows`` (attname: value) of ``model`` with COPY, and their creation records.

    PostgreSQL only. Ids are drawn from the table's sequence first, so the history rows,
    the same ones ``bulk_create_with_history`` writes, can be copied too. Fields a row
    leaves out take their defaults; auto_now fields take the time of the call. A row's
    columns are encoded once (binary COPY data where every type allows, ``copydata``) and
    serve both the row and its history row.
    """
    now = timezone.now()
    defaults = column_defaults(model, {"id"}, now)
    # Stamped after the row's own values: unsaved instances carry None there until saved.
    stamps = {k: v for k, v in defaults.items() if v is now}
    stamp = history_stamp(now, user)
    history = model.history.model  # type: ignore[attr-defined]
    table, history_table = model._meta.db_table, history._meta.db_table
    columns = ("id", *defaults)
    history_own = (*stamp, "history_change_reason")
    history_columns = (*columns, *history_own)
    with connection.cursor() as cursor:
        ids = next_ids(cursor, table, len(rows))
        records = [defaults | row | stamps | {"id": pk} for pk, row in zip(ids, rows, strict=True)]
        fmt = copy_format(cursor, table, history_table, columns, history_columns)
        encode, encode_own = fmt.encoder(columns), fmt.encoder(history_own)
        stamp_values = tuple(stamp.values())
        bodies = [encode([record[name] for name in columns]) for record in records]
        data = fmt.rows([fmt.row(len(columns), body) for body in bodies])
        history_data = fmt.rows(
            [
                # An empty reason is stored as none, as simple_history stores it.
                fmt.row(len(history_columns), body, encode_own((*stamp_values, reason or None)))
                for body, reason in zip(bodies, reasons, strict=True)
            ]
        )
        raw = cursor.cursor  # psycopg's own cursor: Django's wrapper has no copy()
        # Checking each row's foreign keys at commit, a row and a key at a time, cost as much
        # as the copy; locking the rows they reference takes one query per referenced table.
        unchecked = _references_locked(cursor, [table, history_table], records, stamp)
        with replica_role(cursor) if unchecked else nullcontext():
            for name, names, copied in (
                (table, columns, data),
                (history_table, history_columns, history_data),
            ):
                with raw.copy(f"COPY {name} ({', '.join(names)}) FROM STDIN{fmt.option}") as copy:
                    copy.write(copied)
    return ids


# Indexes a bulk load may build after its rows rather than update row by row: plain b-trees
# and GIN indexes of trigrams that no constraint stands on. Primary keys, unique and exclusion
# indexes check the rows as they come; a full-text GIN index (a few words a row) is cheaper
# kept up to date (its pending list) than built, while one of trigrams (one entry for every
# three characters) costs a million-row load more kept up to date than built (bench/notes.md).
_DEFERRABLE_INDEXES = """
SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
FROM pg_index i
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_class ix ON ix.oid = i.indexrelid
JOIN pg_am am ON am.oid = ix.relam
JOIN pg_opclass op ON op.oid = i.indclass[0]
WHERE t.oid = ANY(%s::regclass[]) AND (am.amname = 'btree' OR op.opcname = 'gin_trgm_ops')
  AND NOT i.indisprimary AND NOT i.indisunique AND NOT i.indisexclusion
  AND i.indisvalid AND i.indisready
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
  AND ix.relname <> ALL(%s::text[])
ORDER BY ix.relname
"""
# A load waits this long for the lock that dropping an index takes (readers of the tables
# hold a weaker one); past it, it keeps the indexes and writes through them.
INDEX_LOCK_WAIT = "2s"
# Memory for building each index again: sorting a million rows' keys in memory.
INDEX_BUILD_MEMORY = "256MB"


@contextmanager
def indexes_built_after(cursor: Any, tables: Sequence[str], keep: Sequence[str]) -> Iterator[bool]:
    """Writes in the block go to ``tables`` without their deferrable indexes (above; ``keep``
    names those the block's own reads need), which are built again, each as it was, when
    it ends: for a load of many rows, one sorted build costs a fraction of updating each
    index row by row. Yields whether it dropped any.

    Inside the caller's transaction (required), so all or nothing: if anything fails, the
    rollback restores every index with the rows. Dropping an index locks its table against
    readers until the transaction ends, so this is for a load that fills the tables (the
    first import into an empty knowledge base). If the lock is not granted within
    ``INDEX_LOCK_WAIT``, or the session may not drop the indexes (not their owner), the
    indexes stay and the block writes through them as usual.
    """
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        raise RuntimeError("indexes_built_after needs a PostgreSQL transaction")
    cursor.execute(_DEFERRABLE_INDEXES, [list(tables), list(keep)])
    indexes = cursor.fetchall()
    if indexes:
        cursor.execute("SHOW lock_timeout")
        wait = cursor.fetchone()[0]
        try:
            with transaction.atomic():
                cursor.execute("SELECT set_config('lock_timeout', %s, true)", [INDEX_LOCK_WAIT])
                for name, _definition in indexes:  # as PostgreSQL names it: quoted, qualified
                    cursor.execute(f"DROP INDEX {name}")
                cursor.execute("SELECT set_config('lock_timeout', %s, true)", [wait])
        except (OperationalError, ProgrammingError) as exc:
            cause = exc.__cause__
            if not isinstance(cause, (errors.LockNotAvailable, errors.InsufficientPrivilege)):
                raise
            indexes = []
    try:
        yield bool(indexes)
    except BaseException:
        # Rows written without the indexes must never commit: even if the caller catches
        # this, its transaction rolls back (and with it the drops).
        if indexes:
            transaction.set_rollback(True)
        raise
    if indexes:
        # A table with foreign-key checks still queued (rows written the usual way, their
        # constraints deferred to commit) cannot be indexed: they run now, as at commit.
        connection.check_constraints()
        cursor.execute("SHOW maintenance_work_mem")
        memory = cursor.fetchone()[0]
        cursor.execute("SELECT set_config('maintenance_work_mem', %s, true)", [INDEX_BUILD_MEMORY])
        for _name, definition in indexes:
            cursor.execute(definition)
        cursor.execute("SELECT set_config('maintenance_work_mem', %s, true)", [memory])

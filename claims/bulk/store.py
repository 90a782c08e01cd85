"""Storing read rows with their creation records: COPY on PostgreSQL, bulk INSERTs elsewhere.

On PostgreSQL a row is encoded once, where it is read (``encode_row``, possibly in a worker
process), as the COPY text of its columns; the store only puts the id in front and the
constant columns behind, for the claim and for its history row.

Foreign keys. Django's constraints are ``DEFERRABLE INITIALLY DEFERRED``: PostgreSQL queues a
check per row and per key and runs them all at commit (about 18 s for a million rows). When
the session may, the store instead checks every reference itself, a chunk at a time, with one
``SELECT … FOR KEY SHARE`` per referenced table (the very lock the constraint's check takes,
so a referenced row cannot be deleted before the import commits), then copies the chunk with
``session_replication_role = replica`` for the duration of the COPY only, which queues no
check. That is done only when the tables' enabled triggers are all foreign-key triggers and
every foreign key is a single column the store can check; otherwise PostgreSQL checks as
usual. The constraints stay in the schema throughout and check every other write.
"""

import datetime
import math
from collections.abc import Sequence

from django.db import connection
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from claims.bulk.rows import COLUMNS, KEY_LENGTH, RowError
from claims.models import Claim

REFERENCES = tuple(
    f.attname for f in Claim._meta.concrete_fields if f.is_relation and f.attname in COLUMNS
)
# What the importer keeps of a read row: its natural key, then the references it makes.
HEAD_COLUMNS = COLUMNS[:KEY_LENGTH] + tuple(c for c in REFERENCES if c not in COLUMNS[:5])
HEAD_INDEXES = tuple(COLUMNS.index(column) for column in HEAD_COLUMNS)
HISTORY_COLUMNS = ("history_date", "history_type", "history_user_id", "history_change_reason")

_SPECIAL = ("\\", "\t", "\n", "\r")


def copy_text(value) -> str:
    """A value in COPY's text format (tabs, newlines and backslashes escaped; None is \\N)."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        value = str.__str__(value)  # a choice's value, not its enum
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            value = value.replace("\\", "\\\\").replace("\t", "\\t")
            value = value.replace("\n", "\\n").replace("\r", "\\r")
        return value
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime.date):  # and datetimes, time zone included
        return value.isoformat()
    raise TypeError(f"cannot copy {value!r}")


def encode_row(values: Sequence) -> bytes:
    """A read row's columns (``COLUMNS``) as COPY text, tab-separated, without the id."""
    return "\t".join([copy_text(value) for value in values]).encode()


def _defaults(model, skip: set[str], now: datetime.datetime) -> dict:
    """The columns an import does not fill: their defaults, or the time for auto_now fields."""
    return {
        f.attname: now
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        else f.get_default()
        for f in model._meta.concrete_fields
        if not f.generated and f.attname not in skip
    }


class CopyStore:
    """Copies new claims and their history rows; PostgreSQL only."""

    encoded = True  # rows come as ``encode_row`` bytes

    def __init__(self, *, reason: str, user=None):
        now = timezone.now()
        fixed = _defaults(Claim, {"id", *COLUMNS}, now)
        self.table, self.history_table = Claim._meta.db_table, Claim.history.model._meta.db_table
        self.columns = ("id", *COLUMNS, *fixed)
        self.history_columns = (*self.columns, *HISTORY_COLUMNS)
        history = {f.attname for f in Claim.history.model._meta.concrete_fields} - {"history_id"}
        if history != set(self.history_columns):
            raise RuntimeError(f"the history table's columns differ: {sorted(history)}")
        tail = "".join(f"\t{copy_text(value)}" for value in fixed.values())
        self.tail = f"{tail}\n".encode()
        user_id = getattr(user, "pk", None)
        self.fixed = fixed | {"history_user_id": user_id}
        stamp = f"\t{copy_text(now)}\t+\t{copy_text(user_id)}\t{copy_text(reason + ', line ')}"
        self.history_tail = f"{tail}{stamp}".encode()
        self.checks = self._reference_checks()
        self.locked: dict[str, set] = {}

    def _reference_checks(self) -> list[tuple[str, str, str]] | None:
        """(column, referenced table, its column) for every foreign key of the two tables, when
        the store can check them all itself and nothing but those checks is a trigger there."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('is_superuser') = 'on' OR"
                " current_setting('server_version_num')::int >= 150000 AND"
                " has_parameter_privilege('session_replication_role', 'SET')"
            )
            if not cursor.fetchone()[0]:
                return None
            tables = [self.table, self.history_table]
            cursor.execute(
                "SELECT count(*) FROM pg_trigger t LEFT JOIN pg_constraint c"
                " ON c.oid = t.tgconstraint WHERE t.tgrelid = ANY(%s::regclass[])"
                " AND t.tgenabled <> 'D' AND c.contype IS DISTINCT FROM 'f'",
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
        checks = []
        for column, table, target, width in keys:
            if width != 1 or (column not in HEAD_COLUMNS and column not in self.fixed):
                return None
            checks.append((column, table, target))
        return checks

    def begin(self) -> None:
        """A new transaction: row locks taken in earlier ones are gone."""
        self.locked = {}

    def _lock_references(self, lines: list[int], heads: list[tuple]) -> None:
        """Lock (FOR KEY SHARE) every row the new rows reference; a missing one is a RowError."""
        wanted: dict[tuple[str, str], dict] = {}
        for column, table, target in self.checks:
            ids = wanted.setdefault((table, target), {})
            if column in self.fixed:
                if self.fixed[column] is not None:
                    ids.setdefault(self.fixed[column], (lines[0], column))
                continue
            index = HEAD_COLUMNS.index(column)
            for line, head in zip(lines, heads, strict=True):
                if head[index] is not None:
                    ids.setdefault(head[index], (line, column))
        with connection.cursor() as cursor:
            for (table, target), ids in wanted.items():
                locked = self.locked.setdefault(f"{table}.{target}", set())
                todo = [pk for pk in ids if pk not in locked]
                if not todo:
                    continue
                cursor.execute(
                    f"SELECT {target} FROM {table} WHERE {target} = ANY(%s) FOR KEY SHARE",
                    [todo],
                )
                found = {pk for (pk,) in cursor.fetchall()}
                locked |= found
                for pk in todo:
                    if pk not in found:
                        line, column = ids[pk]
                        raise RowError(line, f"{column} {pk} is gone from {table}.")

    def insert(self, lines: list[int], heads: list[tuple], rows: list[bytes]) -> None:
        """Store new claims (their lines, heads and encoded rows) and their history rows."""
        if self.checks is not None:
            self._lock_references(lines, heads)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [self.table, len(rows)],
            )
            ids = [b"%d\t" % pk for (pk,) in cursor.fetchall()]
            raw = cursor.cursor  # psycopg's own cursor: Django's wrapper has no copy()
            if self.checks is not None:
                cursor.execute("SHOW session_replication_role")
                role = cursor.fetchone()[0]
                cursor.execute("SET LOCAL session_replication_role = replica")
            tail, history_tail = self.tail, self.history_tail
            with raw.copy(f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN") as copy:
                copy.write(b"".join([pk + row + tail for pk, row in zip(ids, rows, strict=True)]))
            columns = ", ".join(self.history_columns)
            with raw.copy(f"COPY {self.history_table} ({columns}) FROM STDIN") as copy:
                copy.write(
                    b"".join(
                        [
                            b"%s%s%s%d\n" % (pk, row, history_tail, line)
                            for pk, row, line in zip(ids, rows, lines, strict=True)
                        ]
                    )
                )
            if self.checks is not None:
                cursor.execute("SELECT set_config('session_replication_role', %s, true)", [role])


class InsertStore:
    """Inserts new claims and their history rows in bulk, on any database."""

    encoded = False  # rows come as ``COLUMNS`` tuples

    def __init__(self, *, reason: str, user=None):
        self.reason, self.user = reason, user

    def begin(self) -> None:
        pass

    def insert(self, lines: list[int], heads: list[tuple], rows: list[tuple]) -> None:
        claims = []
        for line, row in zip(lines, rows, strict=True):
            claim = Claim(**dict(zip(COLUMNS, row, strict=True)))
            claim._change_reason = f"{self.reason}, line {line}"
            claims.append(claim)
        bulk_create_with_history(claims, Claim, batch_size=500, default_user=self.user)


def claim_store(*, reason: str, user=None) -> CopyStore | InsertStore:
    """The store for the database in use."""
    store = CopyStore if connection.vendor == "postgresql" else InsertStore
    return store(reason=reason, user=user)

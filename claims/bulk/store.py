"""Storing read rows with their creation records: COPY on PostgreSQL, bulk INSERTs elsewhere.

On PostgreSQL a row is encoded once, where it is read (``CopyStore.encode``, possibly in a
worker process), as COPY data of its columns (binary, see ``qwenkb.copydata``); the store only puts
the id in front and the constant columns behind, for the claim and for its history row.

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

from contextlib import nullcontext

from django.db import connection
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from claims.bulk.rows import COLUMNS, KEY_LENGTH, RowError
from claims.choices import ClaimOrigin
from claims.models import Claim
from qwenkb.copydata import copy_text
from qwenkb.copying import (
    column_defaults,
    copy_format,
    history_stamp,
    lock_rows,
    next_ids,
    reference_checks,
    replica_role,
)

REFERENCES = tuple(
    f.attname for f in Claim._meta.concrete_fields if f.is_relation and f.attname in COLUMNS
)
# What the importer keeps of a read row: its natural key, then the references it makes.
HEAD_COLUMNS = COLUMNS[:KEY_LENGTH] + tuple(c for c in REFERENCES if c not in COLUMNS[:5])
HEAD_INDEXES = tuple(COLUMNS.index(column) for column in HEAD_COLUMNS)
HISTORY_COLUMNS = ("history_date", "history_type", "history_user_id", "history_change_reason")


class CopyStore:
    """Copies new claims and their history rows; PostgreSQL only."""

    def __init__(self, *, reason: str, user=None):
        now = timezone.now()
        fixed = column_defaults(Claim, {"id", *COLUMNS}, now) | {
            "origin": ClaimOrigin.IMPORTED.value
        }
        self.table, self.history_table = Claim._meta.db_table, Claim.history.model._meta.db_table
        self.columns = ("id", *COLUMNS, *fixed)
        self.history_columns = (*self.columns, *HISTORY_COLUMNS)
        user_id = getattr(user, "pk", None)
        self.fixed = fixed | {"history_user_id": user_id}
        with connection.cursor() as cursor:
            self.format = fmt = copy_format(
                cursor, self.table, self.history_table, self.columns, self.history_columns
            )
        self.encode = fmt.encoder(COLUMNS)  # in the workers: a row's columns, without the id
        tail = fmt.fields(fixed)
        stamp = fmt.fields(history_stamp(now, user))
        prefix = f"{reason}, line "
        if fmt.binary:
            write_id, count = fmt.encoders["id"], len(self.columns).to_bytes(2)
            history_count = len(self.history_columns).to_bytes(2)
            prefix_bytes = prefix.encode()

            def reason_of(line: int) -> bytes:
                data = b"%s%d" % (prefix_bytes, line)
                return len(data).to_bytes(4) + data

            self.claim_row = lambda pk, row, line: count + write_id(pk) + row + tail
            self.history_row = lambda pk, row, line: (
                history_count + write_id(pk) + row + tail + stamp + reason_of(line)
            )
        else:
            history_tail = b"%s%s\t%s" % (tail, stamp, copy_text(prefix).encode())
            self.claim_row = lambda pk, row, line: b"%d\t%s%s\n" % (pk, row, tail)
            self.history_row = lambda pk, row, line: (
                b"%d\t%s%s%d\n"
                % (
                    pk,
                    row,
                    history_tail,
                    line,
                )
            )
        self.checks = self._reference_checks()
        self.locked: dict[str, set] = {}

    def _reference_checks(self) -> list[tuple[str, str, str]] | None:
        """(column, referenced table, its column) for every foreign key of the two tables, when
        the store can check them all itself (``copying.reference_checks``)."""
        with connection.cursor() as cursor:
            checks = reference_checks(cursor, [self.table, self.history_table])
        if checks is None:
            return None
        if any(column not in HEAD_COLUMNS and column not in self.fixed for column, _, _ in checks):
            return None
        return checks

    def begin(self) -> None:
        """A new transaction: row locks taken in earlier ones are gone."""
        self.locked = {}

    def _lock_references(
        self, checks: list[tuple[str, str, str]], lines: list[int], heads: list[tuple]
    ) -> None:
        """Lock (FOR KEY SHARE) every row the new rows reference; a missing one is a RowError."""
        wanted: dict[tuple[str, str], set] = {}
        for column, table, target in checks:
            ids = wanted.setdefault((table, target), set())
            if column in self.fixed:
                ids.add(self.fixed[column])
            else:
                index = HEAD_COLUMNS.index(column)
                ids.update([head[index] for head in heads])
        with connection.cursor() as cursor:
            for (table, target), ids in wanted.items():
                locked = self.locked.setdefault(f"{table}.{target}", set())
                todo = ids - locked
                todo.discard(None)
                if not todo:
                    continue
                found = lock_rows(cursor, table, target, todo)
                locked |= found
                if todo - found:
                    self._gone(checks, lines, heads, table, todo - found)

    def _gone(
        self,
        checks: list[tuple[str, str, str]],
        lines: list[int],
        heads: list[tuple],
        table: str,
        gone: set,
    ) -> None:
        """Name the first row that references a row no longer there."""
        columns = [column for column, target_table, _ in checks if target_table == table]
        for column in columns:
            if self.fixed.get(column) in gone:
                raise RowError(lines[0], f"{column} {self.fixed[column]} is gone from {table}.")
        for line, head in zip(lines, heads, strict=True):
            for column in columns:
                value = head[HEAD_COLUMNS.index(column)] if column in HEAD_COLUMNS else None
                if value in gone:
                    raise RowError(line, f"{column} {value} is gone from {table}.")

    def insert(self, lines: list[int], heads: list[tuple], rows: list[bytes]) -> list[int]:
        """Store new claims (their lines, heads and encoded rows) and their history rows;
        returns their ids."""
        if self.checks is not None:
            self._lock_references(self.checks, lines, heads)
        with connection.cursor() as cursor:
            ids = next_ids(cursor, self.table, len(rows))
            raw = cursor.cursor  # psycopg's own cursor: Django's wrapper has no copy()
            with replica_role(cursor) if self.checks is not None else nullcontext():
                for table, columns, make in (
                    (self.table, self.columns, self.claim_row),
                    (self.history_table, self.history_columns, self.history_row),
                ):
                    statement = (
                        f"COPY {table} ({', '.join(columns)}) FROM STDIN{self.format.option}"
                    )
                    data = self.format.rows(list(map(make, ids, rows, lines)))
                    with raw.copy(statement) as copy:
                        copy.write(data)
        return ids


class InsertStore:
    """Inserts new claims and their history rows in bulk, on any database."""

    encode = None  # rows come as ``COLUMNS`` tuples

    def __init__(self, *, reason: str, user=None):
        self.reason, self.user = reason, user

    def begin(self) -> None:
        pass

    def insert(self, lines: list[int], heads: list[tuple], rows: list[tuple]) -> list[int]:
        claims = []
        for line, row in zip(lines, rows, strict=True):
            claim = Claim(**dict(zip(COLUMNS, row, strict=True)), origin=ClaimOrigin.IMPORTED)
            claim._change_reason = f"{self.reason}, line {line}"  # type: ignore[attr-defined]  # read by simple_history
            claims.append(claim)
        bulk_create_with_history(claims, Claim, batch_size=500, default_user=self.user)
        return [claim.pk for claim in claims]


def claim_store(*, reason: str, user=None) -> CopyStore | InsertStore:
    """The store for the database in use."""
    store = CopyStore if connection.vendor == "postgresql" else InsertStore
    return store(reason=reason, user=user)

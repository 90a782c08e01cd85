"""What was written since the last full rescan, of what the rules read (PostgreSQL).

A full rescan that finds nothing to change still reads every claim to find the groups that
could hold a conflict. When no table the rules read (``INPUTS``) was written since the last
complete full rescan began, other than by that rescan itself, and the rules' code and the
exchange rates are as they were, that rescan's records stand: a rescan is idempotent, so
judging again would change nothing, and the whole pass is skipped. When what was written
can be traced to the subject+metric groups it touched (claims and records written, and the
claims naming a source, publisher or metric written), only those groups are judged
(``written_groups``): every other group is as the last rescan left it.

Nothing has to remember to say that it wrote. The database records every writing
transaction's id and kind of statement per table (``RulesInputWrite``, by a statement
trigger that fires whatever the path and whatever ``session_replication_role``), and the
groups of the claims and records each statement changed (``RulesInputGroup``, from its
transition tables) and the sources, publishers and metrics it changed (``RulesInputRow``),
except claims inserted, which the rescan finds by their rows' own transaction ids. The last rescan stored the snapshot it began from (``LastRescan``). A write
that snapshot does not hold, and that the rescan did not make itself, is a change it may not
have judged. A rescan in a transaction, scoped to some subjects or metrics, or on another
database never takes either shortcut and stores nothing.
"""

import json

from django.db import connection, transaction
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.utils import timezone

from claims.detection.rows import Group
from claims.models import (
    Claim,
    Contradiction,
    ExchangeRate,
    LastRescan,
    Metric,
    RulesInputGroup,
    RulesInputRow,
    RulesInputWrite,
)
from sources.models import Publisher, Source

# Every table whose rows the rules read (``claims.detection.rows``, ``digests``): claims, the
# labels of their sources and publishers, the metrics' rules, the records, the rates. Each
# carries the trigger (migration 0014; a test checks that they are exactly these).
INPUTS = (Claim, Contradiction, ExchangeRate, Metric, Publisher, Source)

_WRITES = RulesInputWrite._meta.db_table
_GROUPS = RulesInputGroup._meta.db_table
_ROWS = RulesInputRow._meta.db_table

# The tables whose inserts, updates and deletes touch only the groups of the rows written. A
# claim or record touches its own group (before and after an update). A source, publisher or
# metric updated or deleted touches the groups of the claims naming it (through its sources,
# for a publisher); one inserted touches none, since no claim can name it until a claim is
# written, which is itself a write of claims. Any other write (a truncate, any change of the
# exchange rates) may touch any group, and sends the rescan the whole way.
TRACED = frozenset(
    model._meta.db_table for model in (Claim, Contradiction, Metric, Publisher, Source)
)
_TRACED_KINDS = frozenset({"INSERT", "UPDATE", "DELETE"})
# The groups of the claims that name a source, publisher or metric changed (``r``: its
# table and id): each part is read by an index of the claims.
_NAMED_BY_CLAIMS = (Source._meta.db_table, Publisher._meta.db_table, Metric._meta.db_table)
_CLAIMS_NAMING = (
    f"SELECT c.subject_id, c.metric_id FROM {Claim._meta.db_table} c JOIN r "
    f"ON r.\"table\" = '{Source._meta.db_table}' AND c.source_id = r.row_id "
    f"UNION SELECT c.subject_id, c.metric_id FROM {Claim._meta.db_table} c JOIN r "
    f"ON r.\"table\" = '{Metric._meta.db_table}' AND c.metric_id = r.row_id "
    f"UNION SELECT c.subject_id, c.metric_id FROM {Claim._meta.db_table} c "
    f"JOIN {Source._meta.db_table} s ON c.source_id = s.id JOIN r "
    f"ON r.\"table\" = '{Publisher._meta.db_table}' AND s.publisher_id = r.row_id"
)
# Beyond this many groups written, the rescan goes the whole way: finding every group that
# could hold a conflict costs about as much as looking groups up by the ten thousand.
WRITTEN_GROUPS_LIMIT = 10_000
# Claims inserted are found by comparing their rows' 32-bit transaction ids with the oldest
# transaction that inserted claims since the last rescan, which holds while fewer than 2**31
# transactions lie between; far fewer are allowed.
_XID_SPAN = 2**30


def available() -> bool:
    """Whether this connection can tell: PostgreSQL, outside a transaction (inside one, the
    caller's own uncommitted writes would share the rescan's transaction id)."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


class Watch:
    """One full rescan's view of its own start and writes, from before it reads anything."""

    def __init__(self):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_current_snapshot()::text, "
                "(SELECT system_identifier FROM pg_control_system())::text"
            )
            self.snapshot, self.cluster = cursor.fetchone()
        self.own_xids: list[int] = []

    def last(self, context: str) -> tuple[LastRescan, bool] | None:
        """The last full rescan in this cluster under the same rules and rates, and whether
        anything it did not see or make was written since it began. One query."""
        table = LastRescan._meta.db_table
        changed = RawSQL(
            f"EXISTS (SELECT FROM {_WRITES} w WHERE NOT pg_visible_in_snapshot("
            f"w.xid::text::xid8, {table}.snapshot::pg_snapshot) "
            f"AND NOT {table}.own_xids @> to_jsonb(w.xid))",
            [],
            output_field=BooleanField(),
        )
        last = (
            LastRescan.objects.annotate(changed=changed)
            .filter(cluster=self.cluster, context=context)
            .first()
        )
        if last is None:
            return None
        return last, last.changed

    def written_groups(self, last: LastRescan) -> list[Group] | None:
        """The groups written since ``last`` began, other than by it, sorted; None when what
        was written may touch groups that cannot be named, or more than
        ``WRITTEN_GROUPS_LIMIT``. Two queries, one more when sources, publishers or metrics
        were changed, and one more when claims were inserted."""
        since = (
            "NOT pg_visible_in_snapshot(w.xid::text::xid8, %s::pg_snapshot) "
            "AND NOT %s::jsonb @> to_jsonb(w.xid)"
        )
        outside = [last.snapshot, json.dumps(last.own_xids)]
        with connection.cursor() as cursor:
            # Each kind of statement written, with the oldest transaction that wrote it.
            cursor.execute(
                f'SELECT w."table", w.op, min(w.xid) FROM {_WRITES} w WHERE {since} GROUP BY 1, 2',
                outside,
            )
            kinds = {(table, op): oldest for table, op, oldest in cursor.fetchall()}
            if any(table not in TRACED or op not in _TRACED_KINDS for table, op in kinds):
                return None
            cursor.execute(
                f"SELECT DISTINCT w.subject_id, w.metric_id FROM {_GROUPS} w WHERE {since} "
                "LIMIT %s",
                [*outside, WRITTEN_GROUPS_LIMIT + 1],
            )
            written = set(cursor.fetchall())
            if any(table in _NAMED_BY_CLAIMS and op != "INSERT" for table, op in kinds):
                cursor.execute(
                    f'WITH r AS (SELECT DISTINCT w."table", w.row_id FROM {_ROWS} w '
                    f"WHERE {since}) {_CLAIMS_NAMING} LIMIT %s",
                    [*outside, WRITTEN_GROUPS_LIMIT + 1],
                )
                written |= set(cursor.fetchall())
            oldest = kinds.get((Claim._meta.db_table, "INSERT"))
            if oldest is not None:
                inserted = self._inserted_claims_groups(cursor, oldest)
                if inserted is None:
                    return None
                written |= inserted
        if len(written) > WRITTEN_GROUPS_LIMIT:
            return None
        return sorted(written)

    def _inserted_claims_groups(self, cursor, oldest: int) -> set[Group] | None:
        """The groups of every claim whose row was written by transaction ``oldest`` (the
        oldest that inserted claims since the last rescan) or a later one: the claims
        inserted since, and a few more. A row's ``xmin`` is the id of the transaction or of
        its savepoint, later than the transaction's own, and stays as written once frozen.
        None past ``_XID_SPAN`` transactions, or past ten claims a group allowed (an
        import): the scan stops there instead of reading every claim's group."""
        if _xmax(self.snapshot) - oldest > _XID_SPAN:
            return None
        rows = 10 * WRITTEN_GROUPS_LIMIT
        cursor.execute(
            f"WITH c AS (SELECT subject_id, metric_id FROM {Claim._meta.db_table} "
            "WHERE age(xmin) <= age(%s::xid) LIMIT %s) "
            "SELECT DISTINCT subject_id, metric_id, (SELECT count(*) FROM c) FROM c",
            [str(oldest % 2**32), rows],  # the 32-bit id that xmin holds
        )
        found = cursor.fetchall()
        if found and found[0][2] >= rows:
            return None
        return {(subject_id, metric_id) for subject_id, metric_id, _ in found}

    def wrote(self) -> None:
        """Note the current transaction (a batch of the rescan) as the rescan's own."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_xact_id_if_assigned()::text")
            (xid,) = cursor.fetchone()
        if xid is not None:
            self.own_xids.append(int(xid))

    def finish(self, *, context: str, groups: int | None, candidates: int | None) -> bool:
        """Store this rescan as the last one, complete, and forget the writes it saw; whether
        it was stored.

        Two full rescans may overlap. The one that began later (its snapshot holds every
        write the other's holds) is kept, whichever finishes last: the writes only the later
        one saw are forgotten only with its snapshot stored.
        """
        table = LastRescan._meta.db_table
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} AS t (id, snapshot, own_xids, cluster, context, groups, "
                "candidates, finished) VALUES (1, %s, %s::jsonb, %s, %s, %s, %s, %s) "
                "ON CONFLICT (id) DO UPDATE SET snapshot = EXCLUDED.snapshot, "
                "own_xids = EXCLUDED.own_xids, cluster = EXCLUDED.cluster, "
                "context = EXCLUDED.context, groups = EXCLUDED.groups, "
                "candidates = EXCLUDED.candidates, finished = EXCLUDED.finished "
                "WHERE t.cluster <> EXCLUDED.cluster OR ("
                " pg_snapshot_xmax(t.snapshot::pg_snapshot)"
                " <= pg_snapshot_xmax(EXCLUDED.snapshot::pg_snapshot)"
                " AND NOT EXISTS (SELECT FROM pg_snapshot_xip(EXCLUDED.snapshot::pg_snapshot) x"
                " WHERE pg_visible_in_snapshot(x, t.snapshot::pg_snapshot))) "
                "RETURNING id",
                [
                    self.snapshot,
                    json.dumps(self.own_xids),
                    self.cluster,
                    context,
                    groups,
                    candidates,
                    timezone.now(),
                ],
            )
            if cursor.fetchone() is None:
                return False  # a rescan that began later is stored
            seen = "WHERE pg_visible_in_snapshot(xid::text::xid8, %s::pg_snapshot)"
            cursor.execute(
                f"WITH writes AS (DELETE FROM {_WRITES} {seen}), "
                f"named_rows AS (DELETE FROM {_ROWS} {seen}) DELETE FROM {_GROUPS} {seen}",
                [self.snapshot] * 3,
            )
        return True


def _xmax(snapshot: str) -> int:
    """The first transaction id not yet begun when a ``pg_snapshot`` text
    (``xmin:xmax:xip,…``) was taken."""
    return int(snapshot.split(":", 2)[1])

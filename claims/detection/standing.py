"""Whether anything the rules read changed since the last full rescan (PostgreSQL).

A full rescan that finds nothing to change still reads every claim to find the groups that
could hold a conflict. When no table the rules read (``INPUTS``) was written since the last
complete full rescan began, other than by that rescan itself, and the rules' code and the
exchange rates are as they were, that rescan's records stand: a rescan is idempotent, so
judging again would change nothing, and the whole pass is skipped.

Nothing has to remember to say that it wrote. The database records every writing
transaction's id per table (``RulesInputWrite``, by a statement trigger that fires whatever
the path and whatever ``session_replication_role``). The last rescan stored the snapshot it
began from (``LastRescan``). A write that snapshot does not hold, and that the rescan did not
make itself, is a change it may not have judged: any one sends the next rescan the whole way.
A rescan in a transaction, scoped to some subjects or metrics, or on another database never
takes the shortcut and stores nothing.
"""

import json

from django.db import connection, transaction
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.utils import timezone

from claims.models import Claim, Contradiction, ExchangeRate, LastRescan, Metric, RulesInputWrite
from sources.models import Publisher, Source

# Every table whose rows the rules read (``claims.detection.rows``, ``digests``): claims, the
# labels of their sources and publishers, the metrics' rules, the records, the rates. Each
# carries the trigger (migration 0014; a test checks that they are exactly these).
INPUTS = (Claim, Contradiction, ExchangeRate, Metric, Publisher, Source)

_WRITES = RulesInputWrite._meta.db_table


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

    def standing(self, context: str) -> LastRescan | None:
        """The last full rescan, if its records stand: nothing it did not see or make was
        written since it began, in this cluster, under the same rules and rates. One query."""
        table = LastRescan._meta.db_table
        changed = RawSQL(
            f"EXISTS (SELECT FROM {_WRITES} w WHERE NOT pg_visible_in_snapshot("
            f"w.xid::text::xid8, {table}.snapshot::pg_snapshot) "
            f"AND NOT {table}.own_xids @> to_jsonb(w.xid))",
            [],
            output_field=BooleanField(),
        )
        return (
            LastRescan.objects.alias(changed=changed)
            .filter(cluster=self.cluster, context=context, changed=False)
            .first()
        )

    def wrote(self) -> None:
        """Note the current transaction (a batch of the rescan) as the rescan's own."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_xact_id_if_assigned()::text")
            (xid,) = cursor.fetchone()
        if xid is not None:
            self.own_xids.append(int(xid))

    def finish(self, *, context: str, groups: int, candidates: int) -> bool:
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
            cursor.execute(
                f"DELETE FROM {_WRITES} "
                "WHERE pg_visible_in_snapshot(xid::text::xid8, %s::pg_snapshot)",
                [self.snapshot],
            )
        return True

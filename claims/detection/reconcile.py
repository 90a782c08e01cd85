"""Making stored contradiction records match the rules' findings, in bulk."""

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.template.defaultfilters import pluralize
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from claims import conflicts
from claims.choices import ClaimStatus
from claims.detection import plan
from claims.detection.rows import ClaimRow, Group, RecordRow, claim_facts, metric_rules
from claims.models import Contradiction, Metric
from qwenkb.copying import copy_with_history

UPDATE_FIELDS = [
    "subject",
    "metric",
    "kind",
    "severity",
    "status",
    "explanation",
    "signature",
    "updated_at",
]


@dataclass
class Summary:
    """What a detection pass did."""

    groups: int = 0
    # Groups that could hold a conflict but were not judged: nothing the rules read of them
    # changed since a rescan last judged them (``claims.detection.digests``).
    unchanged: int = 0
    created: int = 0
    updated: int = 0
    reopened: int = 0
    closed: int = 0
    opened: list[Contradiction] = field(default_factory=list)
    # The ids of the records created or reopened (always kept, even without ``opened``).
    opened_ids: list[int] = field(default_factory=list)
    # When the last full rescan finished, if nothing the rules read was written since it
    # began: its records stand and no group was judged (``claims.detection.standing``).
    since: datetime.datetime | None = None
    # Whether ``groups`` and ``unchanged`` of a pass that stood count every group: not when
    # the rescan it stood on looked only at the groups written before it.
    counted: bool = True
    # When the last full rescan finished, if only the groups written since it began were
    # looked at (``claims.detection.standing``): ``groups`` counts those.
    after: datetime.datetime | None = None

    def report(self) -> str:
        """What the pass did, as the rescan command and the admin's job say it."""
        if self.since is not None:
            counts = (
                f" for {_groups(self.groups)} stand ({self.unchanged:,} could hold a conflict)"
                if self.counted
                else " stand"
            )
            return (
                "nothing the rules read was written since the last full rescan, finished "
                f"{self.since:%Y-%m-%d %H:%M:%S %Z}: its records{counts}; no group was judged."
            )
        n = self.unchanged
        unchanged = (
            f" {_groups(n)} {pluralize(n, 'was,were')} as the last rescan left "
            f"{pluralize(n, 'it,them')} and {pluralize(n, 'was,were')} not judged again."
            if n
            else ""
        )
        scanned = f"scanned {_groups(self.groups)}"
        if self.after is not None:
            scanned += (
                ", only those written since the last full rescan, finished "
                f"{self.after:%Y-%m-%d %H:%M:%S %Z}"
            )
        return (
            f"{scanned}: {self.created:,} created, "
            f"{self.updated:,} updated, {self.reopened:,} reopened, "
            f"{self.closed:,} closed.{unchanged}"
        )

    def add(self, other: "Summary") -> None:
        """Fold another pass's counts (and opened ids) into this one."""
        self.groups += other.groups
        self.unchanged += other.unchanged
        self.created += other.created
        self.updated += other.updated
        self.reopened += other.reopened
        self.closed += other.closed
        self.opened_ids += other.opened_ids


def _groups(count: int) -> str:
    return f"{count:,} group{pluralize(count)}"


def findings(
    groups: list[Group],
    *,
    claims: list[ClaimRow],
    metrics: dict[int, Metric],
    rates: dict[tuple[str, str], float],
) -> list[tuple[Group, conflicts.Finding]]:
    """What the rules find in each group's live claims."""
    live: dict[Group, list[ClaimRow]] = defaultdict(list)
    for claim in claims:
        if claim.status != ClaimStatus.REJECTED:
            live[(claim.subject_id, claim.metric_id)].append(claim)
    # A batch's groups share few metrics: each metric's rules are built once.
    rules_of = {metric_id: metric_rules(metric) for metric_id, metric in metrics.items()}
    found: list[tuple[Group, conflicts.Finding]] = []
    for group in groups:
        members = live.get(group, [])
        if len(members) < 2:
            continue
        rules = rules_of[group[1]]
        for finding in conflicts.detect([claim_facts(c) for c in members], rules, rates=rates):
            found.append((group, finding))
    return found


def reconcile(
    groups: list[Group],
    *,
    claims: list[ClaimRow],
    records: list[RecordRow],
    metrics: dict[int, Metric],
    rates: dict[tuple[str, str], float],
    dry_run: bool = False,
    keep_opened: bool = True,
    records_of_pairs: Callable[[list[tuple[int, int]]], list[RecordRow]] | None = None,
) -> Summary:
    """Make the stored records of ``groups`` match the rules; bulk writes, no per-row queries.

    ``claims`` are every claim of those groups (rejected ones included), as ``ClaimRow``s;
    ``records`` every contradiction record stored under those groups, as ``RecordRow``s;
    ``records_of_pairs`` finds the records of pairs the rules report that none of those is
    (one query, only when there are such pairs). What changes is decided by the pure
    ``plan.plan``; this applies it. Without ``keep_opened`` the summary lists no opened
    records, and PostgreSQL stores new ones straight from their values, without building
    model instances.
    """
    found = findings(groups, claims=claims, metrics=metrics, rates=rates)
    existing = {(r.claim_a_id, r.claim_b_id): r for r in records}
    if records_of_pairs is not None:
        # A pair's record may be stored under another group (one of its claims was moved
        # here without detection running): it is this pair's record all the same.
        unknown = [(f.a, f.b) for _, f in found if (f.a, f.b) not in existing]
        if unknown:
            for record in records_of_pairs(unknown):
                existing.setdefault((record.claim_a_id, record.claim_b_id), record)
    changes = plan.plan(found, groups=groups, claims={c.id: c for c in claims}, records=existing)
    return apply(changes, groups=len(groups), dry_run=dry_run, keep_opened=keep_opened)


def apply(changes: plan.Plan, *, groups: int, dry_run: bool, keep_opened: bool) -> Summary:
    """Write a plan (unless ``dry_run``), with history; the summary of what it did."""
    summary = Summary(
        groups=groups,
        created=len(changes.create),
        updated=len(changes.update) - changes.closed - changes.reopened,
        reopened=changes.reopened,
        closed=changes.closed,
    )
    instances = _changed(changes.update)
    to_update = list(instances.values())
    created: list[Contradiction] = []
    created_ids: list[int] = []
    if dry_run:
        created = [Contradiction(**values) for values in changes.create] if keep_opened else []
    elif changes.create:
        created, created_ids = _create(changes.create, instances=keep_opened)
    if keep_opened:
        summary.opened = [created[key] if new else instances[key] for new, key in changes.opened]
    if not dry_run:
        summary.opened_ids = [created_ids[key] if new else key for new, key in changes.opened]
    if not dry_run and to_update:
        now = timezone.now()
        for record in to_update:
            record.updated_at = now
        bulk_update_with_history(to_update, Contradiction, UPDATE_FIELDS, batch_size=500)
    return summary


def _changed(changes: dict[int, dict[str, Any]]) -> dict[int, Contradiction]:
    """The records to update as model instances (in ``changes``' order), new values set."""
    if not changes:
        return {}
    instances = Contradiction.objects.in_bulk(list(changes))
    for pk, new in changes.items():
        for k, v in new.items():
            setattr(instances[pk], k, v)
    return {pk: instances[pk] for pk in changes}


def _create(
    rows: list[dict[str, Any]], *, instances: bool
) -> tuple[list[Contradiction], list[int]]:
    """Store new records and their history: COPY on PostgreSQL, where a rescan creates many.

    Returns the records as model instances, with their ids, if ``instances`` is true (or
    wherever they are built anyway; an empty list otherwise), and their ids in order.
    """
    if connection.vendor != "postgresql":
        records = [Contradiction(**values) for values in rows]
        bulk_create_with_history(records, Contradiction, batch_size=500)
        return records, [record.pk for record in records]
    # Columns the values leave out take their defaults, as an instance's would.
    user = Contradiction.history.model.get_default_history_user(Contradiction(**rows[0]))
    ids = copy_with_history(Contradiction, rows, reasons=[None] * len(rows), user=user)
    if not instances:
        return [], ids
    return [Contradiction(**values, id=pk) for values, pk in zip(rows, ids, strict=True)], ids

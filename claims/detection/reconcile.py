"""Making stored contradiction records match the rules' findings, in bulk."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from claims import conflicts
from claims.choices import (
    ClaimRank,
    ClaimStatus,
    ContradictionOrigin,
    ContradictionStatus,
)
from claims.detection.rows import ClaimRow, Group, RecordRow, claim_facts, metric_rules
from claims.models import Contradiction, Metric

# What a finding sets on an existing record, in this order.
FOUND_FIELDS = ("subject_id", "metric_id", "kind", "severity", "explanation", "signature", "status")
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
    created: int = 0
    updated: int = 0
    reopened: int = 0
    closed: int = 0
    opened: list[Contradiction] = field(default_factory=list)

    def add(self, other: "Summary") -> None:
        """Fold another pass's counts into this one."""
        self.groups += other.groups
        self.created += other.created
        self.updated += other.updated
        self.reopened += other.reopened
        self.closed += other.closed


def _resolution_holds(record: RecordRow, claims: dict[int, ClaimRow]) -> bool:
    """A decision holds while the claim it set aside stays deprecated (DESIGN.md, "Settling
    in one step": deprecating a claim settles every pair it is in)."""
    preferred = claims.get(record.preferred_claim_id)
    other = claims.get(record.other(record.preferred_claim_id))
    return preferred is not None and other is not None and other.rank == ClaimRank.DEPRECATED


def _reopens(record: RecordRow, signature: str, claims: dict[int, ClaimRow]) -> bool:
    """Whether a settled or closed record goes back to open now that the pair conflicts."""
    if record.status == ContradictionStatus.DISMISSED:
        return record.signature != signature
    if record.status == ContradictionStatus.RESOLVED:
        return not _resolution_holds(record, claims)
    return record.status == ContradictionStatus.CLOSED


def reconcile(
    groups: list[Group],
    *,
    claims: list[ClaimRow],
    records: list[RecordRow],
    metrics: dict[int, Metric],
    rates: dict,
    dry_run: bool = False,
    keep_opened: bool = True,
    records_of_pairs: Callable[[list[tuple[int, int]]], list[RecordRow]] | None = None,
) -> Summary:
    """Make the stored records of ``groups`` match the rules; bulk writes, no per-row queries.

    ``claims`` are every claim of those groups (rejected ones included), as ``ClaimRow``s;
    ``records`` every contradiction record stored under those groups, as ``RecordRow``s;
    ``records_of_pairs`` finds the records of pairs the rules report that none of those is
    (one query, only when there are such pairs). Only the
    records that change are read as model instances (one query), to be written with their
    history. Without ``keep_opened`` the summary lists no opened records, and PostgreSQL
    stores new ones straight from their values, without building model instances.
    """
    summary = Summary(groups=len(groups))
    by_id = {claim.id: claim for claim in claims}
    live: dict[Group, list[ClaimRow]] = defaultdict(list)
    for claim in claims:
        if claim.status != ClaimStatus.REJECTED:
            live[(claim.subject_id, claim.metric_id)].append(claim)
    existing = {(r.claim_a_id, r.claim_b_id): r for r in records}
    # Both claims' values, to tell later whether either has changed; a claim's part is
    # computed once however many pairs it is in.
    signatures: dict[int, str] = {}

    def signature_of(claim_id: int) -> str:
        signature = signatures.get(claim_id)
        if signature is None:
            signature = signatures[claim_id] = by_id[claim_id].value_signature()
        return signature

    seen: set[tuple[int, int]] = set()
    to_create: list[dict] = []  # the new records' values
    changes: dict[int, dict] = {}  # record id: the fields it takes, in the order found
    opened: list[tuple[bool, int]] = []  # (new?, index in to_create or id), in order found
    found: list[tuple[Group, conflicts.Finding]] = []
    for group in groups:
        members = live.get(group, [])
        if len(members) < 2:
            continue
        rules = metric_rules(metrics[group[1]])
        for finding in conflicts.detect([claim_facts(c) for c in members], rules, rates=rates):
            found.append((group, finding))
    if records_of_pairs is not None:
        # A pair's record may be stored under another group (one of its claims was moved
        # here without detection running): it is this pair's record all the same.
        unknown = [(f.a, f.b) for _, f in found if (f.a, f.b) not in existing]
        if unknown:
            for record in records_of_pairs(unknown):
                existing.setdefault((record.claim_a_id, record.claim_b_id), record)
    for group, finding in found:
        pair = (finding.a, finding.b)
        seen.add(pair)
        signature = f"{signature_of(finding.a)}#{signature_of(finding.b)}"
        record = existing.get(pair)
        if record is None:
            opened.append((True, len(to_create)))
            to_create.append(
                {
                    "claim_a_id": finding.a,
                    "claim_b_id": finding.b,
                    "subject_id": group[0],
                    "metric_id": group[1],
                    "kind": finding.kind,
                    "severity": finding.severity,
                    "explanation": finding.explanation,
                    "signature": signature,
                    "status": ContradictionStatus.OPEN,
                    "origin": ContradictionOrigin.ENGINE,
                }
            )
            continue
        status = record.status
        if _reopens(record, signature, by_id):
            status = ContradictionStatus.OPEN
        if status == ContradictionStatus.DISMISSED:
            signature = record.signature
        current = (
            *(record.subject_id, record.metric_id, record.kind, record.severity),
            *(record.explanation, record.signature, record.status),
        )
        new = (*group, finding.kind, finding.severity, finding.explanation, signature, status)
        if current != new:
            if status == ContradictionStatus.OPEN and record.status != ContradictionStatus.OPEN:
                summary.reopened += 1
                opened.append((False, record.id))
            changes[record.id] = dict(zip(FOUND_FIELDS, new, strict=True))
    wanted = set(groups)
    for pair, record in existing.items():
        if pair in seen or record.status != ContradictionStatus.OPEN:
            continue
        if (record.subject_id, record.metric_id) not in wanted:
            continue
        a, b = by_id.get(pair[0]), by_id.get(pair[1])
        rejected = any(c is None or c.status == ClaimStatus.REJECTED for c in (a, b))
        if record.origin == ContradictionOrigin.MANUAL and not rejected:
            continue
        changes[record.id] = {"status": ContradictionStatus.CLOSED}
        summary.closed += 1
    summary.created = len(to_create)
    summary.updated = len(changes) - summary.closed - summary.reopened
    instances = _changed(changes)
    to_update = list(instances.values())
    created: list[Contradiction] = []
    if dry_run:
        created = [Contradiction(**values) for values in to_create] if keep_opened else []
    elif to_create:
        created = _create(to_create, instances=keep_opened)
    if keep_opened:
        summary.opened = [created[key] if new else instances[key] for new, key in opened]
    if not dry_run and to_update:
        now = timezone.now()
        for record in to_update:
            record.updated_at = now
        bulk_update_with_history(to_update, Contradiction, UPDATE_FIELDS, batch_size=500)
    return summary


def _changed(changes: dict[int, dict]) -> dict[int, Contradiction]:
    """The records to update as model instances (in ``changes``' order), new values set."""
    if not changes:
        return {}
    instances = Contradiction.objects.in_bulk(list(changes))
    for pk, new in changes.items():
        for k, v in new.items():
            setattr(instances[pk], k, v)
    return {pk: instances[pk] for pk in changes}


def _create(rows: list[dict], *, instances: bool) -> list[Contradiction]:
    """Store new records and their history: COPY on PostgreSQL, where a rescan creates many.

    Returns the records as model instances, with their ids, if ``instances`` is true (or
    wherever they are built anyway); an empty list otherwise.
    """
    if connection.vendor != "postgresql":
        records = [Contradiction(**values) for values in rows]
        bulk_create_with_history(records, Contradiction, batch_size=500)
        return records
    from claims.bulk import copy_with_history  # bulk imports this module: import when used

    # Columns the values leave out take their defaults, as an instance's would.
    user = Contradiction.history.model.get_default_history_user(Contradiction(**rows[0]))
    ids = copy_with_history(Contradiction, rows, reasons=[None] * len(rows), user=user)
    if not instances:
        return []
    return [Contradiction(**values, id=pk) for values, pk in zip(rows, ids, strict=True)]

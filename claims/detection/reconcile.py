"""Making stored contradiction records match the rules' findings, in bulk."""

from collections import defaultdict
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
from claims.detection.rows import ClaimRow, Group, claim_facts, metric_rules, pair_signature
from claims.models import Contradiction, Metric

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


def _resolution_holds(record: Contradiction, claims: dict[int, ClaimRow]) -> bool:
    preferred = claims.get(record.preferred_claim_id)
    other = claims.get(record.other(record.preferred_claim_id))
    return (
        preferred is not None
        and other is not None
        and preferred.rank == ClaimRank.PREFERRED
        and other.rank == ClaimRank.DEPRECATED
    )


def _reopens(record: Contradiction, signature: str, claims: dict[int, ClaimRow]) -> bool:
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
    records: list[Contradiction],
    metrics: dict[int, Metric],
    rates: dict,
    dry_run: bool = False,
) -> Summary:
    """Make the stored records of ``groups`` match the rules; bulk writes, no per-row queries.

    ``claims`` are every claim of those groups (rejected ones included), as ``ClaimRow``s;
    ``records`` every contradiction record of those groups.
    """
    summary = Summary(groups=len(groups))
    by_id = {claim.pk: claim for claim in claims}
    live: dict[Group, list[ClaimRow]] = defaultdict(list)
    for claim in claims:
        if claim.status != ClaimStatus.REJECTED:
            live[(claim.subject_id, claim.metric_id)].append(claim)
    existing = {(r.claim_a_id, r.claim_b_id): r for r in records}
    seen: set[tuple[int, int]] = set()
    to_create: list[Contradiction] = []
    to_update: list[Contradiction] = []
    for group in groups:
        members = live.get(group, [])
        if len(members) < 2:
            continue
        rules = metric_rules(metrics[group[1]])
        for finding in conflicts.detect([claim_facts(c) for c in members], rules, rates=rates):
            pair = (finding.a, finding.b)
            seen.add(pair)
            signature = pair_signature(by_id[finding.a], by_id[finding.b])
            record = existing.get(pair)
            if record is None:
                record = Contradiction(
                    claim_a_id=finding.a,
                    claim_b_id=finding.b,
                    subject_id=group[0],
                    metric_id=group[1],
                    kind=finding.kind,
                    severity=finding.severity,
                    explanation=finding.explanation,
                    signature=signature,
                    status=ContradictionStatus.OPEN,
                    origin=ContradictionOrigin.ENGINE,
                )
                to_create.append(record)
                summary.opened.append(record)
                continue
            status = record.status
            if _reopens(record, signature, by_id):
                status = ContradictionStatus.OPEN
            new = {
                "subject_id": group[0],
                "metric_id": group[1],
                "kind": finding.kind,
                "severity": finding.severity,
                "explanation": finding.explanation,
                "signature": signature
                if status != ContradictionStatus.DISMISSED
                else record.signature,
                "status": status,
            }
            if any(getattr(record, k) != v for k, v in new.items()):
                if status == ContradictionStatus.OPEN and record.status != ContradictionStatus.OPEN:
                    summary.reopened += 1
                    summary.opened.append(record)
                for k, v in new.items():
                    setattr(record, k, v)
                to_update.append(record)
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
        record.status = ContradictionStatus.CLOSED
        to_update.append(record)
        summary.closed += 1
    summary.created = len(to_create)
    summary.updated = len(to_update) - summary.closed - summary.reopened
    if not dry_run:
        if to_create:
            _create(to_create)
        if to_update:
            now = timezone.now()
            for record in to_update:
                record.updated_at = now
            bulk_update_with_history(to_update, Contradiction, UPDATE_FIELDS, batch_size=500)
    return summary


def _create(records: list[Contradiction]) -> None:
    """Store new records and their history: COPY on PostgreSQL, where a rescan creates many."""
    if connection.vendor != "postgresql":
        bulk_create_with_history(records, Contradiction, batch_size=500)
        return
    from claims.bulk import copy_with_history  # bulk imports this module: import when used

    fields = [f.attname for f in Contradiction._meta.concrete_fields if f.attname != "id"]
    user = Contradiction.history.model.get_default_history_user(records[0])
    ids = copy_with_history(
        Contradiction,
        [{name: getattr(record, name) for name in fields} for record in records],
        reasons=[getattr(record, "_change_reason", None) for record in records],
        user=user,
    )
    for record, pk in zip(records, ids, strict=True):
        record.pk = record.id = pk

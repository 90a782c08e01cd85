"""Keeping contradiction records equal to what the rules say, group by group.

The rules themselves are pure (``claims.conflicts``); this module feeds them the claims of
subject+metric groups and reconciles their findings with the stored records. The same
reconciliation serves a write (one group, inside the writer's transaction) and the full
rescan (batches of groups, a fixed number of queries per batch).

Curation is remembered: a dismissed pair stays dismissed while both claims' values are as
they were when it was dismissed; a resolved pair stays resolved while the preferred claim
is still preferred and the other still deprecated.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from claims import conflicts
from claims.choices import (
    ClaimRank,
    ClaimStatus,
    ContradictionOrigin,
    ContradictionStatus,
)
from claims.models import Claim, Contradiction, ExchangeRate, Metric

Group = tuple[int, int]  # (subject_id, metric_id)

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


def claim_label(claim: Claim) -> str:
    """Who says it, for explanations: "VentureBeat (Feb 2026)"."""
    source = claim.source
    when = source.published.strftime("%b %Y") if source.published else "undated"
    return f"{source.publisher.name} ({when})"


def claim_facts(claim: Claim) -> conflicts.ClaimFacts:
    """The plain values of a claim that the rules look at."""
    equivalent = None
    if claim.eq_currency:
        equivalent = conflicts.Money(claim.eq_currency, claim.eq_low, claim.eq_high, claim.eq_point)
    return conflicts.ClaimFacts(
        id=claim.pk,
        value_text=claim.value_text,
        label=claim_label(claim),
        bound=claim.bound or None,
        low=claim.low,
        high=claim.high,
        point=claim.point,
        currency=claim.currency or None,
        equivalent=equivalent,
        date_start=claim.date_start,
        date_end=claim.date_end,
        text=claim.text_value or None,
        entity_id=claim.entity_value_id,
        boolean=claim.bool_value,
        as_of_start=claim.as_of_start,
        as_of_end=claim.as_of_end,
    )


def metric_rules(metric: Metric) -> conflicts.Rules:
    """The comparison rules a metric sets."""
    return conflicts.Rules(
        value_type=metric.value_type,
        tolerance=metric.tolerance,
        single_valued=metric.single_valued,
        time_varying=metric.time_varying,
        unit=metric.unit,
    )


def exchange_rates() -> dict[tuple[str, str], float]:
    """Rates editors recorded, keyed (from, to)."""
    return {(r.from_currency, r.to_currency): r.rate for r in ExchangeRate.objects.all()}


def pair_signature(a: Claim, b: Claim) -> str:
    """Both claims' values, to tell later whether either has changed."""
    return f"{a.value_signature()}#{b.value_signature()}"


def _resolution_holds(record: Contradiction, claims: dict[int, Claim]) -> bool:
    preferred = claims.get(record.preferred_claim_id)
    other = claims.get(record.other(record.preferred_claim_id))
    return (
        preferred is not None
        and other is not None
        and preferred.rank == ClaimRank.PREFERRED
        and other.rank == ClaimRank.DEPRECATED
    )


def _reopens(record: Contradiction, signature: str, claims: dict[int, Claim]) -> bool:
    """Whether a settled or closed record goes back to open now that the pair conflicts."""
    if record.status == ContradictionStatus.DISMISSED:
        return record.signature != signature
    if record.status == ContradictionStatus.RESOLVED:
        return not _resolution_holds(record, claims)
    return record.status == ContradictionStatus.CLOSED


def _lock_groups(groups: Iterable[Group]) -> None:
    """Serialise detection per group across connections (PostgreSQL advisory locks).

    Two editors saving claims of one group at once each see only their own new claim; the
    lock makes the second detection wait for the first transaction and then see both. SQLite
    needs nothing: it admits one writer at a time.
    """
    if connection.vendor != "postgresql":
        return
    keys = sorted({(subject_id << 20) ^ metric_id for subject_id, metric_id in groups})
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_advisory_xact_lock(k)) FROM unnest(%s::bigint[]) AS k", [keys]
        )


def reconcile(
    groups: list[Group],
    *,
    claims: list[Claim],
    records: list[Contradiction],
    metrics: dict[int, Metric],
    rates: dict,
    dry_run: bool = False,
) -> Summary:
    """Make the stored records of ``groups`` match the rules; bulk writes, no per-row queries.

    ``claims`` are every claim of those groups (rejected ones included, with source and
    publisher joined); ``records`` every contradiction record of those groups.
    """
    summary = Summary(groups=len(groups))
    by_id = {claim.pk: claim for claim in claims}
    live: dict[Group, list[Claim]] = defaultdict(list)
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
            bulk_create_with_history(to_create, Contradiction, batch_size=500)
        if to_update:
            now = timezone.now()
            for record in to_update:
                record.updated_at = now
            bulk_update_with_history(to_update, Contradiction, UPDATE_FIELDS, batch_size=500)
    return summary


def groups_detect(groups: list[Group], *, dry_run: bool = False, rates=None) -> Summary:
    """Re-check a batch of subject+metric groups with a fixed number of queries."""
    groups = sorted(set(groups))
    if not groups:
        return Summary()
    _lock_groups(groups)
    subject_ids = {s for s, _ in groups}
    metric_ids = {m for _, m in groups}
    wanted = set(groups)
    claims = [
        claim
        for claim in Claim.objects.filter(subject_id__in=subject_ids, metric_id__in=metric_ids)
        .select_related("source__publisher")
        .order_by("pk")
        if (claim.subject_id, claim.metric_id) in wanted
    ]
    claim_ids = {claim.pk for claim in claims}
    in_groups = Claim.objects.filter(subject_id__in=subject_ids, metric_id__in=metric_ids)
    records = [
        record
        for record in Contradiction.objects.filter(
            Q(subject_id__in=subject_ids, metric_id__in=metric_ids)
            | Q(claim_a__in=in_groups.values("pk"))
            | Q(claim_b__in=in_groups.values("pk"))
        )
        if (record.subject_id, record.metric_id) in wanted
        or (record.claim_a_id in claim_ids and record.claim_b_id in claim_ids)
    ]
    metrics = Metric.objects.in_bulk(metric_ids)
    return reconcile(
        groups,
        claims=claims,
        records=records,
        metrics=metrics,
        rates=exchange_rates() if rates is None else rates,
        dry_run=dry_run,
    )


def group_detect(*, subject_id: int, metric_id: int) -> list[Contradiction]:
    """Re-check one subject+metric group; returns the records it opened or reopened."""
    return groups_detect([(subject_id, metric_id)]).opened


def rescan(
    *,
    subject_ids=None,
    metric_ids=None,
    dry_run: bool = False,
    batch_size: int = 2000,
    progress=None,
) -> Summary:
    """Re-check every subject+metric group (or those of some subjects or metrics), in batches.

    Each batch runs in its own transaction with a fixed number of queries, so a run over a
    large table commits as it goes and a second run changes nothing.
    """
    claims = Claim.objects.all()
    if subject_ids is not None:
        claims = claims.filter(subject_id__in=subject_ids)
    if metric_ids is not None:
        claims = claims.filter(metric_id__in=metric_ids)
    groups = list(
        claims.order_by("subject_id", "metric_id").values_list("subject_id", "metric_id").distinct()
    )
    rates = exchange_rates()
    total = Summary()
    for start in range(0, len(groups), batch_size):
        batch = groups[start : start + batch_size]
        with transaction.atomic():
            total.add(groups_detect(batch, dry_run=dry_run, rates=rates))
        if progress is not None:
            progress(min(start + batch_size, len(groups)), len(groups))
    return total

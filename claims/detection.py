"""Keeping contradiction records equal to what the rules say, group by group.

The rules themselves are pure (``claims.conflicts``); this module feeds them the claims of
subject+metric groups and reconciles their findings with the stored records. The same
reconciliation serves a write (one group, inside the writer's transaction) and the full
rescan (batches of groups, a fixed number of queries per batch).

Curation is remembered: a dismissed pair stays dismissed while both claims' values are as
they were when it was dismissed; a resolved pair stays resolved while the preferred claim
is still preferred and the other still deprecated.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import BooleanField, Case, F, Func, Q, When
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
SUBJECT_CHUNK = 5000
LOCK_SPACE = 0x51574B42  # "QWKB": the first key of every advisory lock detection takes
LOCK_SLOTS = 1024

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


# The columns a claim's value is stored in. Claims equal in all of them get the same verdict
# against any claim, and a claim never conflicts with its own value (``conflicts`` relies on
# this too), so a group whose live claims share one value has no finding whatever the rules.
VALUE_COLUMNS = (
    *("bound", "low", "high", "point", "currency"),
    *("eq_currency", "eq_low", "eq_high", "eq_point"),
    *("date_start", "date_end", "text_value", "entity_value_id", "bool_value"),
)


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


def source_label(publisher: str, published: datetime.date | None) -> str:
    """Who says it, for explanations: "VentureBeat (Feb 2026)"."""
    when = published.strftime("%b %Y") if published else "undated"
    return f"{publisher} ({when})"


def claim_label(claim: Claim) -> str:
    """Who says a stored claim, for explanations."""
    return source_label(claim.source.publisher.name, claim.source.published)


class ClaimRow:
    """The columns of a claim that detection reads: a plain row, without a model's cost.

    A rescan reads tens of thousands of claims; building model instances (and their source
    and publisher) took most of its time. The value fingerprint is the model's own method.
    """

    COLUMNS = (
        *("id", "subject_id", "metric_id", "status", "rank", "value_text"),
        *VALUE_COLUMNS,
        *("as_of_start", "as_of_end"),
    )
    __slots__ = (*COLUMNS, "label")
    value_signature = Claim.value_signature

    def __init__(self, row: tuple):
        for name, value in zip(self.COLUMNS, row, strict=False):
            setattr(self, name, value)
        self.label = source_label(row[-2], row[-1])

    @property
    def pk(self) -> int:
        """The claim's id, under the name model code uses."""
        return self.id


def claim_rows(claims) -> list[ClaimRow]:
    """``ClaimRow``s of a claim queryset, in id order, in one query."""
    columns = (*ClaimRow.COLUMNS, "source__publisher__name", "source__published")
    return [ClaimRow(row) for row in claims.order_by("pk").values_list(*columns)]


def claim_facts(claim: ClaimRow) -> conflicts.ClaimFacts:
    """The plain values of a claim that the rules look at."""
    equivalent = None
    if claim.eq_currency:
        equivalent = conflicts.Money(claim.eq_currency, claim.eq_low, claim.eq_high, claim.eq_point)
    return conflicts.ClaimFacts(
        id=claim.id,
        value_text=claim.value_text,
        label=claim.label,
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


def pair_signature(a: ClaimRow, b: ClaimRow) -> str:
    """Both claims' values, to tell later whether either has changed."""
    return f"{a.value_signature()}#{b.value_signature()}"


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


def _lock_groups(groups: Iterable[Group]) -> None:
    """Serialise detection per group across connections (PostgreSQL advisory locks).

    Two editors saving claims of one group at once each see only their own new claim; the
    lock makes the second detection wait for the first transaction and then see both. SQLite
    needs nothing: it admits one writer at a time.
    """
    if connection.vendor != "postgresql":
        return
    # Groups share LOCK_SLOTS locks: a transaction re-checking a million groups (an import)
    # holds at most that many, where one lock per group would exhaust PostgreSQL's lock
    # table. Two groups in one slot merely wait for each other.
    keys = sorted(
        {((subject_id << 20) ^ metric_id) % LOCK_SLOTS for subject_id, metric_id in groups}
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_advisory_xact_lock(%s, k)) FROM unnest(%s::int[]) AS k",
            [LOCK_SPACE, keys],
        )


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


class InGroups(Func):
    """A filter condition: the row's (subject, metric) is one of the given groups.

    A row-value IN list matches exactly the groups asked for, where two IN lists (subjects,
    metrics) would match every pairing of them; PostgreSQL and SQLite both take it.
    """

    output_field = BooleanField()

    def __init__(self, groups: list[Group]):
        super().__init__(F("subject_id"), F("metric_id"))
        self.groups = groups

    def as_sql(self, compiler, connection, **extra):
        subject, subject_params = compiler.compile(self.source_expressions[0])
        metric, metric_params = compiler.compile(self.source_expressions[1])
        pairs = ", ".join(["(%s, %s)"] * len(self.groups))
        params = [*subject_params, *metric_params, *(part for g in self.groups for part in g)]
        return f"({subject}, {metric}) IN (VALUES {pairs})", params


def groups_detect(groups: list[Group], *, dry_run: bool = False, rates=None) -> Summary:
    """Re-check a batch of subject+metric groups with a fixed number of queries."""
    groups = sorted(set(groups))
    if not groups:
        return Summary()
    _lock_groups(groups)
    metric_ids = {m for _, m in groups}
    wanted = set(groups)
    in_groups = Claim.objects.filter(InGroups(groups))
    claims = claim_rows(in_groups)
    claim_ids = {claim.id for claim in claims}
    records = [
        record
        for record in Contradiction.objects.filter(
            Q(InGroups(groups))
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


def disputable_groups(claims) -> set[Group]:
    """Groups of ``claims`` that could hold a conflict, found in one set-based query.

    A group can only if two of its live claims carry different values (of a single-valued
    metric) and, for a time-varying metric, hold over overlapping as-of periods (a period
    unknown at one end is open there, as ``conflicts`` reads it). Every other group has no
    finding, so the rules never need to see it. The distinct values are read in one pass
    over the claims; a time-varying group's are then paired among themselves.
    """
    live = claims.exclude(status=ClaimStatus.REJECTED).filter(metric__single_valued=True)
    # Only a time-varying metric's as-of matters; leaving it out elsewhere keeps the distinct
    # values few (claims of one figure from many sources are one row).
    varying = Q(metric__time_varying=True)
    values = (
        live.order_by()
        .annotate(
            varying=F("metric__time_varying"),
            as_of_from=Case(When(varying, then=F("as_of_start"))),
            as_of_to=Case(When(varying, then=F("as_of_end"))),
        )
        .values_list("subject_id", "metric_id", *VALUE_COLUMNS, "as_of_from", "as_of_to", "varying")
        .distinct()
    )
    sql, params = values.query.sql_with_params()
    differ = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    apart = " OR ".join(f"a.{column} {differ} b.{column}" for column in VALUE_COLUMNS)
    fixed_values = ", ".join(VALUE_COLUMNS)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Sorting a million claims' values in the default 4 MB spills to disk.
            cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(
            f"WITH v AS ({sql}) "
            f"SELECT f.subject_id, f.metric_id FROM (SELECT DISTINCT subject_id, metric_id, "
            f"{fixed_values} FROM v WHERE NOT varying) f "
            "GROUP BY f.subject_id, f.metric_id HAVING COUNT(*) > 1 "
            "UNION SELECT a.subject_id, a.metric_id FROM v a JOIN v b "
            "ON a.subject_id = b.subject_id AND a.metric_id = b.metric_id "
            f"AND a.varying AND b.varying AND ({apart}) "
            "AND COALESCE(a.as_of_from, %s) <= COALESCE(b.as_of_to, %s) "
            "AND COALESCE(b.as_of_from, %s) <= COALESCE(a.as_of_to, %s)",
            [*params, *[datetime.date.min, datetime.date.max] * 2],
        )
        return {(subject_id, metric_id) for subject_id, metric_id in cursor.fetchall()}


def _open_record_groups(claims_filter: Q) -> set[Group]:
    """Groups holding an open record: the rules may have to close it."""
    records = Contradiction.objects.filter(claims_filter, status=ContradictionStatus.OPEN)
    return set(records.values_list("subject_id", "metric_id").distinct())


def _plan(subject_ids, metric_ids) -> tuple[set[Group], list[Group]]:
    """Every group in scope, and the sorted groups among them that the rules must see."""
    scope = Q()
    if subject_ids is not None:
        scope &= Q(subject_id__in=subject_ids)
    if metric_ids is not None:
        scope &= Q(metric_id__in=metric_ids)
    claims = Claim.objects.filter(scope)
    all_groups = set(claims.order_by().values_list("subject_id", "metric_id").distinct())
    candidates = disputable_groups(claims) | _open_record_groups(scope)
    return all_groups, sorted(all_groups & candidates)


def rescan(
    *,
    subject_ids=None,
    metric_ids=None,
    groups: Iterable[Group] | None = None,
    dry_run: bool = False,
    batch_size: int = 2000,
    progress=None,
) -> Summary:
    """Re-check every subject+metric group (or those of some subjects, metrics or groups).

    Only groups that can change are read: those whose live claims disagree in value (found
    by one set-based query) and those holding an open record. Each batch of them runs in its
    own transaction with a fixed number of queries, so a run over a large table commits as
    it goes and a second run changes nothing.
    """
    if groups is None:
        all_groups, todo = _plan(subject_ids, metric_ids)
    else:
        # Chunks of subjects keep each IN list well inside SQLite's limit on parameters.
        wanted = set(groups)
        subjects = sorted({subject_id for subject_id, _ in wanted})
        all_groups, todo = set(), []
        for start in range(0, len(subjects), SUBJECT_CHUNK):
            chunk_groups, chunk_todo = _plan(subjects[start : start + SUBJECT_CHUNK], metric_ids)
            all_groups |= chunk_groups & wanted
            todo += [group for group in chunk_todo if group in wanted]
    rates = exchange_rates()
    total = Summary()
    for start in range(0, len(todo), batch_size):
        batch = todo[start : start + batch_size]
        with transaction.atomic():
            total.add(groups_detect(batch, dry_run=dry_run, rates=rates))
        if progress is not None:
            progress(min(start + batch_size, len(todo)), len(todo))
    total.groups = len(all_groups)
    return total

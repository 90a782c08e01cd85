"""Which groups to check, locking them, and running detection on write and in rescans."""

import datetime
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import BooleanField, Case, F, Func, Q, When

from claims.choices import (
    ClaimStatus,
    ContradictionStatus,
)
from claims.detection.reconcile import Summary, reconcile
from claims.detection.rows import VALUE_COLUMNS, Group, claim_rows, exchange_rates
from claims.models import Claim, Contradiction, Metric

SUBJECT_CHUNK = 5000
LOCK_SPACE = 0x51574B42  # "QWKB": the first key of every advisory lock detection takes
LOCK_SLOTS = 1024


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

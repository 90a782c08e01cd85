"""Which groups to check, locking them, and running detection on write and in rescans."""

import contextlib
import datetime
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    Max,
    Min,
    OuterRef,
    Q,
    Value,
)

from claims import events
from claims.choices import (
    ClaimStatus,
    ContradictionStatus,
    Counting,
)
from claims.detection import digests, standing
from claims.detection.reconcile import Summary, reconcile
from claims.detection.rows import Group, claim_rows, exchange_rates, record_rows
from claims.models import Claim, Contradiction, Metric
from qwenkb.collector import collector_paused
from qwenkb.postgres.arrays import Ids

SUBJECT_CHUNK = 5000
DISCOVERY_RANGES = 8  # ranges of subjects a full rescan finds its groups in, on PostgreSQL
# Connections finding those ranges at once: when most groups are skipped unjudged
# (``digests``), the rescan waits on finding alone, and two connections use both cores.
FINDERS = 2
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
    columns = ("subject_id", "metric_id")

    def __init__(self, groups: list[tuple[int, int]]):
        super().__init__(*(F(column) for column in self.columns))
        self.groups = groups

    def as_sql(self, compiler, connection, **extra):
        first, first_params = compiler.compile(self.source_expressions[0])
        second, second_params = compiler.compile(self.source_expressions[1])
        pairs = ", ".join(["(%s, %s)"] * len(self.groups))
        params = [*first_params, *second_params, *(part for g in self.groups for part in g)]
        return f"({first}, {second}) IN (VALUES {pairs})", params

    def as_postgresql(self, compiler, connection, **extra):
        # Two arrays: the statement stays short whatever the number of groups, where
        # thousands of placeholders cost more to send and parse than the query to run.
        first, first_params = compiler.compile(self.source_expressions[0])
        second, second_params = compiler.compile(self.source_expressions[1])
        firsts, seconds = Ids([g[0] for g in self.groups]), Ids([g[1] for g in self.groups])
        return (
            f"({first}, {second}) IN (SELECT * FROM unnest(%s::bigint[], %s::bigint[]))",
            [*first_params, *second_params, firsts, seconds],
        )


class IsPair(InGroups):
    """A filter condition on contradiction records: the record pairs one of these
    (claim_a, claim_b) pairs."""

    columns = ("claim_a_id", "claim_b_id")


def _records_of_pairs(pairs: list[tuple[int, int]]) -> list:
    """The records of these claim pairs, wherever they are stored; SQLite's limit on
    parameters caps each query's pairs."""
    step = len(pairs) if connection.vendor == "postgresql" else 2000
    return [
        record
        for start in range(0, len(pairs), step)
        for record in record_rows(Contradiction.objects.filter(IsPair(pairs[start : start + step])))
    ]


def groups_detect(
    groups: list[Group], *, dry_run: bool = False, rates=None, keep_opened: bool = True
) -> Summary:
    """Re-check a batch of subject+metric groups with a fixed number of queries.

    The summary lists the records opened or reopened unless ``keep_opened`` is false (a
    rescan, which only counts them, then creates records without model instances).
    """
    groups = sorted(set(groups))
    if not groups:
        return Summary()
    _lock_groups(groups)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # The planner overrates queries with long array parameters and compiles them
            # (JIT), which took longer than running them.
            cursor.execute("SET LOCAL jit = off")
    metric_ids = {m for _, m in groups}
    in_groups = Claim.objects.filter(InGroups(groups))
    claims = claim_rows(in_groups)
    records = record_rows(Contradiction.objects.filter(InGroups(groups)))
    metrics = Metric.objects.in_bulk(metric_ids)
    return reconcile(
        groups,
        claims=claims,
        records=records,
        metrics=metrics,
        rates=exchange_rates() if rates is None else rates,
        dry_run=dry_run,
        keep_opened=keep_opened,
        records_of_pairs=_records_of_pairs,
    )


def group_detect(*, subject_id: int, metric_id: int) -> list[Contradiction]:
    """Re-check one subject+metric group; returns the records it opened or reopened."""
    return groups_detect([(subject_id, metric_id)]).opened


def disputable_groups(claims) -> set[Group]:
    """Groups of ``claims`` that could hold a conflict, found in one set-based query.

    A group can only if two of its live claims carry different values (of a single-valued
    metric) and, for a time-varying metric, hold over overlapping as-of periods (a period
    unknown at one end is open there, as ``conflicts`` reads it). Every other group has no
    finding, so the rules never need to see it. Each claim's value columns are one text in
    the database (``Claim.value_key``), so one pass over the claims finds the groups whose
    live claims carry two values; only those of time-varying metrics are then read again,
    to pair their distinct values and as-of periods among themselves.
    """
    return _disputable(claims)[0]


def _disputable(claims) -> tuple[set[Group], int]:
    """``disputable_groups`` of ``claims``, and the number of groups they form: the one pass
    over the claims counts them too (a second pass cost a tenth of a rescan's queries)."""
    # The metrics' rules are read first, so the pass over the claims joins no other table:
    # joining the metric of every claim cost a third of the query.
    metrics = list(
        Metric.objects.filter(single_valued=True).values_list("pk", "time_varying", "counting")
    )
    single = [pk for pk, _, _ in metrics]
    # A running total's claims are compared across periods too (a fall), so its groups
    # are found like those of a metric that does not vary.
    varying = [
        pk
        for pk, time_varying, counting in metrics
        if time_varying and counting != Counting.RUNNING_TOTAL
    ]

    def flag(condition: Q, holds: bool):
        return ExpressionWrapper(condition, output_field=BooleanField()) if holds else Value(False)

    every = (
        claims.order_by()
        .annotate(
            live=flag(~Q(status=ClaimStatus.REJECTED) & Q(metric_id__in=single), bool(single)),
            varying=flag(Q(metric_id__in=varying), bool(varying)),
        )
        .values_list("subject_id", "metric_id", "value_key", "live", "varying")
    )
    sql, params = every.query.sql_with_params()
    # The second pass reads only the claims of time-varying groups that carry two values:
    # joined with their metric, the planner reads them by index, group by group.
    periods_sql, periods_params = (
        claims.exclude(status=ClaimStatus.REJECTED)
        .filter(metric__single_valued=True)
        .order_by()
        .values_list("subject_id", "metric_id", "value_key", "as_of_start", "as_of_end")
        .query.sql_with_params()
    )
    postgres = connection.vendor == "postgresql"
    # Comparing the keys byte by byte: PostgreSQL's default collation would compare them as
    # words, several times slower, and only equality matters here.
    key = 'v.value_key COLLATE "C"' if postgres else "v.value_key"
    groups = (
        f"SELECT v.subject_id, v.metric_id, v.varying, "
        f"MIN({key}) FILTER (WHERE v.live) <> MAX({key}) FILTER (WHERE v.live) AS split "
        f"FROM ({sql}) v GROUP BY v.subject_id, v.metric_id, v.varying"
    )
    periods = (
        f"SELECT DISTINCT v.subject_id, v.metric_id, v.value_key, v.as_of_start, v.as_of_end "
        f"FROM ({periods_sql}) v JOIN s ON v.subject_id = s.subject_id "
        "AND v.metric_id = s.metric_id WHERE s.varying"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        if postgres:
            # Hashing a million claims' keys in the default 4 MB spills to disk; compiling
            # the query (JIT) would cost more than running it.
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute("SET LOCAL jit = off")
            # Planned for its own parameters every time: run often enough on one connection,
            # the statement is prepared, and after five runs PostgreSQL may plan it once for
            # any parameters; for a range of subjects that plan joined the claims row by row
            # and took 7.8 s instead of 0.09 s (and the next range as long).
            cursor.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        # The count of every group comes last, as the one row without a metric.
        cursor.execute(
            f"WITH g AS ({groups}), s AS (SELECT * FROM g WHERE g.split), p AS ({periods}) "
            "SELECT s.subject_id, s.metric_id FROM s WHERE NOT s.varying "
            "UNION SELECT a.subject_id, a.metric_id FROM p a JOIN p b "
            "ON a.subject_id = b.subject_id AND a.metric_id = b.metric_id "
            "AND a.value_key <> b.value_key "
            "AND COALESCE(a.as_of_start, %s) <= COALESCE(b.as_of_end, %s) "
            "AND COALESCE(b.as_of_start, %s) <= COALESCE(a.as_of_end, %s) "
            "UNION ALL SELECT count(*), NULL FROM g",
            [*params, *periods_params, *[datetime.date.min, datetime.date.max] * 2],
        )
        rows = cursor.fetchall()
    count = next(subject_id for subject_id, metric_id in rows if metric_id is None)
    return {(s, m) for s, m in rows if m is not None}, count


def _open_record_groups(scope: Q) -> set[Group]:
    """Groups holding an open record and a claim in scope: the rules may have to close it."""
    claims = Claim.objects.filter(
        scope, subject_id=OuterRef("subject_id"), metric_id=OuterRef("metric_id")
    )
    records = Contradiction.objects.filter(scope, Exists(claims), status=ContradictionStatus.OPEN)
    return set(records.order_by().values_list("subject_id", "metric_id").distinct())


def _scope(subject_ids, metric_ids) -> Q:
    scope = Q()
    if subject_ids is not None:
        scope &= Q(subject_id__in=subject_ids)
    if metric_ids is not None:
        scope &= Q(metric_id__in=metric_ids)
    return scope


def _candidates(scope: Q) -> tuple[list[Group], int]:
    """The sorted groups in scope that the rules must see, and how many groups are in scope."""
    disputable, count = _disputable(Claim.objects.filter(scope))
    return sorted(disputable | _open_record_groups(scope)), count


class Found(NamedTuple):
    """Groups found for a rescan to judge, in one range of subjects or in all of them."""

    groups: list[Group]  # to judge, sorted
    in_scope: int  # groups in scope
    unchanged: int  # groups that could hold a conflict, skipped: as the last rescan left them
    digests: dict[Group, str]  # the claims' digest of each group to judge, for storing
    last: bool = True  # the last range


# Given the groups that could hold a conflict and the number in scope: those to judge.
Selecting = Callable[[list[Group], int], Found]


def _judge_all(groups: list[Group], count: int) -> Found:
    return Found(groups, count, 0, {})


def _skipping_unchanged(context: str) -> Selecting:
    """Selects the groups whose digest differs from the one the last rescan stored
    (``claims.detection.digests``)."""

    def select(groups: list[Group], count: int) -> Found:
        changed = digests.changed(
            groups,
            Claim.objects.filter(InGroups(groups)),
            Contradiction.objects.filter(InGroups(groups)),
            context=context,
        )
        to_judge = [group for group in groups if group in changed]
        return Found(to_judge, count, len(groups) - len(to_judge), changed)

    return select


def _candidates_by_range(scope: Q, select: Selecting = _judge_all) -> Generator[Found, None, None]:
    """``_candidates`` of ``scope``, one range of subjects after another, in subject order,
    narrowed by ``select`` where they are found.

    On PostgreSQL, outside a transaction, the ranges are found on other connections
    (``FINDERS`` at once) while the caller judges the ones already found: finding them is
    the database's work and judging is Python's, so on two cores they overlap (finding
    every group in one query kept the rules waiting for all of it). Each range's query is
    the one query for all claims, narrowed to its subjects; the ranges together find what it
    finds (a test compares them). Elsewhere, or inside a transaction (which other
    connections could not see into), it is the one query.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield select(*_candidates(scope))
        return
    bounds = Claim.objects.filter(scope).aggregate(low=Min("subject_id"), high=Max("subject_id"))
    if bounds["low"] is None:
        yield select(*_candidates(scope))
        return
    step = (bounds["high"] - bounds["low"]) // DISCOVERY_RANGES + 1
    ranges = [
        scope & Q(subject_id__gte=start, subject_id__lt=start + step)
        for start in range(bounds["low"], bounds["high"] + 1, step)
    ]

    def find(part: Q) -> Found:
        try:
            return select(*_candidates(part))
        finally:
            connection.close()  # this thread's own: nothing is left open when it ends

    with ThreadPoolExecutor(max_workers=FINDERS, thread_name_prefix="rescan-groups") as finder:
        found = [finder.submit(find, part) for part in ranges]
        try:
            for number, future in enumerate(found, 1):
                yield future.result()._replace(last=number == len(found))
        finally:
            for future in found:
                future.cancel()


def _given_groups(
    groups: Iterable[Group], metric_ids, select: Selecting
) -> Generator[Found, None, None]:
    """``select`` of the given groups that could hold a conflict, as one part."""
    # Chunks of subjects keep each IN list well inside SQLite's limit on parameters.
    wanted = set(groups)
    subjects = sorted({subject_id for subject_id, _ in wanted})
    all_groups, todo = set(), []
    for start in range(0, len(subjects), SUBJECT_CHUNK):
        scope = _scope(subjects[start : start + SUBJECT_CHUNK], metric_ids)
        claims = Claim.objects.filter(scope).order_by()
        all_groups |= set(claims.values_list("subject_id", "metric_id").distinct()) & wanted
        todo += [group for group in _candidates(scope)[0] if group in wanted]
    yield select(todo, len(all_groups))


@collector_paused()
def rescan(
    *,
    subject_ids=None,
    metric_ids=None,
    groups: Iterable[Group] | None = None,
    dry_run: bool = False,
    batch_size: int = 2000,
    progress=None,
    every_group: bool = False,
) -> Summary:
    """Re-check every subject+metric group (or those of some subjects, metrics or groups).

    Only groups that can change are read: those whose live claims disagree in value (found
    by one set-based query, on PostgreSQL range of subjects by range while the ranges
    already found are judged) and those holding an open record. On PostgreSQL, of those, a
    group is skipped when nothing the rules read of it changed since a rescan last judged it
    (``claims.detection.digests``). A full rescan is skipped whole when nothing the rules
    read was written since the last one, and looks only at the groups written since when
    every write can be traced to its groups (``claims.detection.standing``); ``every_group``
    judges them all the same. Each batch runs in its own transaction with a fixed number of
    queries, so a run over a large table commits as it goes and a second run changes
    nothing. The records each batch opens are announced (``contradiction.opened``) when it
    commits, or when the caller's transaction does.
    """
    full = subject_ids is None and metric_ids is None and groups is None
    # Before anything is read: every write this snapshot holds, the rescan sees.
    watch = standing.Watch() if full and standing.available() else None
    rates = exchange_rates()
    context = digests.context(rates)
    written, after = None, None
    if watch is not None and not every_group:
        previous = watch.last(context)
        if previous is not None:
            last, changed = previous
            if not changed:
                return Summary(
                    groups=last.groups or 0,
                    unchanged=last.candidates or 0,
                    counted=last.groups is not None,
                    since=last.finished,
                )
            written = watch.written_groups(last)
            after = last.finished if written is not None else None
    skip = digests.available() and not every_group
    select = _skipping_unchanged(context) if skip else _judge_all
    if written is not None:
        parts = _given_groups(written, None, select)
    elif groups is None:
        parts = _candidates_by_range(_scope(subject_ids, metric_ids), select)
    else:
        parts = _given_groups(groups, metric_ids, select)
    total, waiting, done, group_count = Summary(), [], 0, 0
    claim_digests: dict[Group, str] = {}
    # Closed here when a batch fails (a lost database): the finders stop now, in this
    # thread, not whenever the abandoned generator is collected, in whatever thread that is.
    with contextlib.closing(parts):
        for found in parts:
            waiting += found.groups
            claim_digests |= found.digests
            group_count += found.in_scope
            total.unchanged += found.unchanged
            while len(waiting) >= batch_size or (found.last and waiting):
                batch, waiting = waiting[:batch_size], waiting[batch_size:]
                with transaction.atomic():
                    summary = groups_detect(batch, dry_run=dry_run, rates=rates, keep_opened=False)
                    if skip and not dry_run:
                        judged = {group: claim_digests.pop(group) for group in batch}
                        records = Contradiction.objects.filter(InGroups(batch))
                        digests.store(judged, records, context=context)
                    events.contradictions_opened(summary.opened_ids)
                    if watch is not None:
                        watch.wrote()
                total.add(summary)
                done += len(batch)
                # While groups are still being found, the total is not known: progress is told
                # only what it cannot mistake for the end.
                if progress is not None and (found.last or waiting):
                    progress(done, done + len(waiting))
    total.groups, total.after = group_count, after
    if watch is not None and not dry_run:
        # Having looked only at the groups written, it cannot count the others.
        counted = after is None
        watch.finish(
            context=context,
            groups=group_count if counted else None,
            candidates=done + total.unchanged if counted else None,
        )
    return total

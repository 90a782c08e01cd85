"""The full rescan: the value key it groups by, the groups it reads, and what it stores."""

import datetime
import io
import itertools
import threading
from collections import defaultdict

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from claims import detection
from claims.detection import groups
from claims.detection.plan import Plan
from claims.detection.reconcile import apply
from claims.models import Claim, Contradiction, LastRescan, Metric
from claims.values.claim_value import KEY_COLUMNS as VALUE_COLUMNS
from qwenkb import copying
from tests import factories

pytestmark = pytest.mark.django_db

RECORD_FIELDS = (
    *("claim_a_id", "claim_b_id", "subject_id", "metric_id", "kind", "severity"),
    *("status", "origin", "explanation", "signature", "preferred_claim_id"),
)


def records() -> list[tuple]:
    return list(Contradiction.objects.order_by("claim_a", "claim_b").values_list(*RECORD_FIELDS))


def stored_value(claim: Claim) -> tuple:
    return tuple(getattr(claim, column) for column in VALUE_COLUMNS)


def test_value_key_is_equal_exactly_when_every_value_column_is():
    subject, metric = factories.entity(), factories.metric()
    base = factories.claim(subject=subject, metric_=metric, value="27B", quote="a").claim
    variants = {
        "same": {},
        "no point": {"point": None},
        "zero": {"low": 0.0, "high": 0.0, "point": 0.0},
        "no figures": {"low": None, "high": None, "point": None},
        "float noise": {"low": 0.1 + 0.2, "high": 0.1 + 0.2, "point": 0.1 + 0.2},
        "float exact": {"low": 0.3, "high": 0.3, "point": 0.3},
        "bound": {"bound": "approximate"},
        "currency": {"currency": "USD"},
        "equivalent": {"eq_currency": "USD", "eq_low": 1.0, "eq_high": 1.0, "eq_point": 1.0},
        "date": {"date_start": datetime.date(2026, 2, 16)},
        "date end": {"date_end": datetime.date(2026, 2, 16)},
        "text": {"text_value": "Apache 2.0"},
        "text with quote and comma": {"text_value": "it's, 'NULL'"},
        "text NULL word": {"text_value": "NULL"},
        "entity": {"entity_value_id": subject.pk},
        "true": {"bool_value": True},
        "false": {"bool_value": False},
    }
    claims = {}
    for n, (name, changes) in enumerate(variants.items()):
        claim = factories.claim(subject=subject, metric_=metric, value="27B", quote=f"v{n}").claim
        Claim.objects.filter(pk=claim.pk).update(**changes)
        claims[name] = Claim.objects.get(pk=claim.pk)
    claims["base"] = Claim.objects.get(pk=base.pk)
    for (_, x), (_, y) in itertools.combinations(claims.items(), 2):
        assert (x.value_key == y.value_key) == (stored_value(x) == stored_value(y)), (x, y)
    assert claims["same"].value_key == claims["base"].value_key
    assert "value_key" not in {f.name for f in Claim.history.model._meta.fields}


def _brute_force_disputable() -> set[tuple[int, int]]:
    """What ``disputable_groups`` promises, computed claim pair by claim pair in Python."""
    metrics = {m.pk: m for m in Metric.objects.all()}
    groups = defaultdict(list)
    for claim in Claim.objects.exclude(status="rejected"):
        groups[(claim.subject_id, claim.metric_id)].append(claim)
    found = set()
    for group, claims in groups.items():
        metric = metrics[group[1]]
        if not metric.single_valued:
            continue
        for x, y in itertools.combinations(claims, 2):
            if stored_value(x) == stored_value(y):
                continue
            if metric.time_varying:
                start = max(x.as_of_start or datetime.date.min, y.as_of_start or datetime.date.min)
                end = min(x.as_of_end or datetime.date.max, y.as_of_end or datetime.date.max)
                if start > end:
                    continue
            found.add(group)
    return found


def _mixed_knowledge_base():
    """Groups of every kind: agreeing, disagreeing, series, overlapping periods, rejected."""
    params = factories.metric()
    downloads = factories.metric(unit="downloads", time_varying=True)
    roles = factories.metric(value_type="text", single_valued=False)
    src = factories.source()

    def add(subject, metric, value, n, **extra):
        factories.claim(
            subject=subject, metric_=metric, src=src, value=value, quote=f"q{n}", **extra
        )

    n = itertools.count()
    agree, differ, one = factories.entity(), factories.entity(), factories.entity()
    add(agree, params, "27B", next(n))
    add(agree, params, "27 billion", next(n))
    add(differ, params, "27B", next(n))
    add(differ, params, "35B", next(n))
    add(one, params, "70B", next(n))
    rejected = factories.entity()
    add(rejected, params, "27B", next(n))
    add(rejected, params, "35B", next(n), status="rejected")
    series, overlap = factories.entity(), factories.entity()
    add(series, downloads, "1 billion", next(n), as_of="January 2026")
    add(series, downloads, "2 billion", next(n), as_of="May 2026")
    add(overlap, downloads, "1 billion", next(n), as_of="2026")
    add(overlap, downloads, "2 billion", next(n), as_of="May 2026")
    # A period unknown at both ends meets every other; one known at one end is open there.
    unknown, later = factories.entity(), factories.entity()
    for subject, start in ((unknown, None), (later, datetime.date(2026, 6, 1))):
        add(subject, downloads, "1 billion", next(n))
        Claim.objects.filter(subject=subject).update(as_of_start=start, as_of_end=None)
        add(subject, downloads, "2 billion", next(n), as_of="May 2026")
    people = factories.entity()
    add(people, roles, "CEO", next(n))
    add(people, roles, "CTO", next(n))
    return {"differ": differ, "overlap": overlap, "unknown": unknown}, params, downloads


def test_disputable_groups_are_the_groups_with_two_values_that_can_meet():
    subjects, params, downloads = _mixed_knowledge_base()
    expected = {
        (subjects["differ"].pk, params.pk),
        (subjects["overlap"].pk, downloads.pk),
        (subjects["unknown"].pk, downloads.pk),
    }
    assert _brute_force_disputable() == expected
    assert detection.disputable_groups(Claim.objects.all()) == expected


def test_synthetic_rescan_recreates_what_detection_on_write_made():
    call_command("generate_synthetic", "--claims", "1500", "--no-progress", stdout=io.StringIO())
    assert detection.disputable_groups(Claim.objects.all()) == _brute_force_disputable()
    made = records()
    assert made
    Contradiction.objects.all().delete()
    Contradiction.history.all().delete()
    out = io.StringIO()
    call_command("detect_conflicts", stdout=out)
    assert f"{len(made):,} created, 0 updated" in out.getvalue()
    assert records() == made
    assert Contradiction.history.filter(history_type="+").count() == len(made)
    out = io.StringIO()
    call_command("detect_conflicts", stdout=out)
    assert "0 created, 0 updated, 0 reopened, 0 closed" in out.getvalue()


def test_rescan_queries_do_not_grow_with_groups_that_cannot_conflict():
    metric, src = factories.metric(), factories.source()

    def group(values: tuple[str, ...]) -> None:
        subject = factories.entity()
        for value in values:
            factories.claim(
                subject=subject, metric_=metric, src=src, value=value, quote=f"{subject}{value}"
            )

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:  # judging every group, changed or not
            summary = detection.rescan(every_group=True)
        return len(ctx.captured_queries), summary.groups

    group(("27B", "35B"))
    few = count()
    for _ in range(20):
        group(("27B", "27 billion"))
        group(("70B",))
    many = count()
    assert many == (few[0], 41)


def test_rescan_reads_only_the_records_that_change_as_instances(monkeypatch):
    subjects, params, _ = _mixed_knowledge_base()
    made = records()
    fetched = []
    real_in_bulk = type(Contradiction.objects).in_bulk

    def in_bulk(self, ids=None, **kwargs):
        if self.model is Contradiction:
            fetched.append(list(ids))
        return real_in_bulk(self, ids, **kwargs)

    monkeypatch.setattr(type(Contradiction.objects), "in_bulk", in_bulk)
    call_command("detect_conflicts", stdout=io.StringIO())
    assert fetched == []
    differ = Claim.objects.filter(subject=subjects["differ"], metric=params).first()
    Claim.objects.filter(pk=differ.pk).update(status="rejected")
    call_command("detect_conflicts", stdout=io.StringIO())
    closed = Contradiction.objects.get(subject=subjects["differ"])
    assert fetched == [[closed.pk]]
    assert closed.status == "closed"
    assert closed.history.first().status == "closed"
    assert len(records()) == len(made)


def test_rescan_moves_the_record_of_claims_moved_to_another_group_without_detection():
    subject, metric, other = factories.entity(), factories.metric(), factories.metric()
    for n, value in enumerate(("27B", "35B")):
        factories.claim(subject=subject, metric_=metric, value=value, quote=f"m{n}")
    record = Contradiction.objects.get()
    Claim.objects.filter(subject=subject).update(metric=other)  # bypasses detection
    out = io.StringIO()
    call_command("detect_conflicts", stdout=out)
    assert "0 created, 1 updated, 0 reopened, 0 closed" in out.getvalue()
    moved = Contradiction.objects.get()
    assert (moved.pk, moved.metric_id, moved.status) == (record.pk, other.pk, "open")


@pytest.mark.django_db(transaction=True)  # the commit, where the database checks keys
def test_new_records_reference_only_claims_that_are_there(monkeypatch):
    """A rescan's new records are stored with their references locked, not checked row by
    row at commit (PostgreSQL); a reference to a claim gone in the meantime is still refused."""
    monkeypatch.setattr(copying, "LOCK_REFERENCES_FROM", 1)  # as for a rescan's many records
    subjects, _, _ = _mixed_knowledge_base()
    made = records()
    Contradiction.objects.all().delete()
    Contradiction.history.all().delete()
    with CaptureQueriesContext(connection) as ctx:
        call_command("detect_conflicts", stdout=io.StringIO())
    assert records() == made
    assert Contradiction.history.filter(history_type="+").count() == len(made)
    locks = [q["sql"] for q in ctx.captured_queries if "FOR KEY SHARE" in q["sql"]]
    if connection.vendor == "postgresql":
        # One lock per referenced table (claims, entities, metrics), not a check per key.
        assert {sql.split(" FROM ")[1].split()[0] for sql in locks} == {
            "claims_claim",
            "claims_entity",
            "claims_metric",
        }
        with connection.cursor() as cursor:
            cursor.execute("SHOW session_replication_role")
            assert cursor.fetchone()[0] == "origin"
    else:
        assert locks == []
    claim = Claim.objects.filter(subject=subjects["differ"]).first()
    row = {
        **dict(zip(RECORD_FIELDS, made[0], strict=True)),
        "claim_a_id": claim.pk,
        "claim_b_id": 10**9,  # as if deleted since the rules read it
        "preferred_claim_id": None,
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        apply(Plan(create=[row]), groups=1, dry_run=False, keep_opened=False)
    assert records() == made
    # A single record (one save's detection) is left to PostgreSQL's own checks.
    first, last = Claim.objects.order_by("pk").first(), Claim.objects.order_by("pk").last()
    monkeypatch.setattr(copying, "LOCK_REFERENCES_FROM", 2)
    with CaptureQueriesContext(connection) as ctx, transaction.atomic():
        apply(
            Plan(create=[row | {"claim_a_id": first.pk, "claim_b_id": last.pk}]),
            groups=1,
            dry_run=False,
            keep_opened=False,
        )
        assert not any("FOR KEY SHARE" in q["sql"] for q in ctx.captured_queries)
        transaction.set_rollback(True)


def test_rescan_counts_every_group_in_scope():
    """The count comes from the pass that finds the disputable groups: groups of rejected
    claims only, of a metric with several values and of one claim count too."""
    subjects, params, downloads = _mixed_knowledge_base()
    gone = factories.entity()
    factories.claim(subject=gone, metric_=params, value="1B", quote="gone", status="rejected")
    every = Claim.objects.values_list("subject_id", "metric_id").distinct()
    assert detection.rescan().groups == len(set(every)) == 10
    assert detection.rescan(metric_ids=[downloads.pk]).groups == 4
    assert detection.rescan(subject_ids=[gone.pk]).groups == 1
    assert detection.rescan(subject_ids=[subjects["differ"].pk], dry_run=True).groups == 1


def _synthetic(claims: int = 3000) -> None:
    call_command(
        "generate_synthetic", "--claims", str(claims), "--no-progress", stdout=io.StringIO()
    )


def terminate_backend(backend_pid: int) -> None:
    """Ends a PostgreSQL backend from another connection, as a restart ends every one."""
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [backend_pid])


def _backends() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        return cursor.fetchone()[0]


@pytest.mark.needs("postgresql")
@pytest.mark.django_db(transaction=True)  # outside a transaction, as a rescan command runs
def test_a_full_rescan_finds_its_groups_range_by_range_as_the_one_query_does(monkeypatch):
    _synthetic()
    downloads = Metric.objects.order_by("pk").first()
    for scope in (Q(), Q(metric_id__in=[downloads.pk])):
        whole, count = groups._candidates(scope)
        assert whole and count > len(whole)
        for ranges in (1, 3, 8, 40):
            monkeypatch.setattr(groups, "DISCOVERY_RANGES", ranges)
            parts = list(groups._candidates_by_range(scope))
            assert [group for part in parts for group in part.groups] == whole
            assert sum(part.in_scope for part in parts) == count
            assert [part.last for part in parts] == [False] * (len(parts) - 1) + [True]
            assert 1 < len(parts) <= ranges or ranges == 1


@pytest.mark.needs("postgresql")
@pytest.mark.django_db(transaction=True)
def test_a_full_rescan_judges_while_another_connection_finds_the_next_groups(monkeypatch):
    """The records are the ones detection on write made; the groups were found on another
    thread's connection, closed when it was done; progress never reads as finished early."""
    _synthetic()
    made = records()
    Contradiction.objects.all().delete()
    Contradiction.history.all().delete()
    finders, judges, told = set(), set(), []
    find, judge = groups._candidates, groups.groups_detect

    def finding(scope):
        finders.add(threading.current_thread().name)
        return find(scope)

    def judging(batch, **kwargs):
        judges.add(threading.current_thread().name)
        return judge(batch, **kwargs)

    monkeypatch.setattr(groups, "_candidates", finding)
    monkeypatch.setattr(groups, "groups_detect", judging)
    before = _backends()
    summary = detection.rescan(
        batch_size=100, progress=lambda done, total: told.append((done, total))
    )
    assert records() == made and summary.created == len(made)
    assert all(name.startswith("rescan-groups") for name in finders)
    assert judges == {threading.current_thread().name}
    assert _backends() == before  # the finders' connections are closed
    # Groups without records, as before, were not judged again (claims.detection.digests).
    judged = len(groups._candidates(Q())[0]) - summary.unchanged
    assert summary.unchanged and judged
    assert told[-1] == (judged, judged)
    assert all(done < total for done, total in told[:-1])
    assert [done for done, _ in told] == sorted({done for done, _ in told})


@pytest.mark.needs("postgresql")
def test_finding_groups_is_planned_for_each_range_not_once_for_all():
    """A statement a connection runs often is prepared; PostgreSQL may then plan it once for
    any parameters, which for one range of subjects took 80 times as long."""
    _synthetic(1500)
    low = Claim.objects.order_by("subject_id").values_list("subject_id", flat=True).first()
    for start in range(low, low + 12 * 20, 20):
        groups._disputable(Claim.objects.filter(subject_id__gte=start, subject_id__lt=start + 20))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE statement LIKE 'WITH g AS%%'"
        )
        (plans,) = cursor.fetchall()
    assert plans[0] == 0 and plans[1] >= 6


@pytest.mark.django_db(transaction=True)  # each batch commits, as the command runs
def test_a_rescan_that_loses_its_database_says_so_in_one_line_and_keeps_its_batches(
    monkeypatch,
):
    """The database going away mid-rescan (a restart) ends the command with a CommandError
    saying what is kept and what to do, not a traceback; running it again finishes."""
    _synthetic(1500)
    made = records()
    assert len({(row[2], row[3]) for row in made}) >= 3
    Contradiction.objects.all().delete()
    judge, calls = groups.groups_detect, []

    def fails_third(*args, **kwargs):
        calls.append(args[0])
        if len(calls) == 3:
            if connection.vendor != "postgresql":
                raise OperationalError("terminating connection due to administrator command\nX")
            terminate_backend(connection.connection.info.backend_pid)  # as a restart does
        return judge(*args, **kwargs)

    monkeypatch.setattr(groups, "groups_detect", fails_third)
    err = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("detect_conflicts", "--batch-size", "1", stdout=io.StringIO(), stderr=err)
    assert str(raised.value) == (
        "The database stopped answering (terminating connection due to administrator "
        "command). The batches committed before it are kept; run detect_conflicts again "
        "to finish."
    )
    # The finders were stopped with the command, not left for the garbage collector.
    assert not [t for t in threading.enumerate() if t.name.startswith("rescan-groups")]
    # The first two batches (one group each) committed; the third rolled back.
    committed = set(calls[0]) | set(calls[1])
    assert records() == [row for row in made if (row[2], row[3]) in committed]
    assert not any((row[2], row[3]) in calls[2] for row in records())
    # A progress line left on the terminal is ended before the error is printed.
    assert err.getvalue().endswith("\n")
    with pytest.raises(CommandError) as raised:
        calls.clear()
        call_command("detect_conflicts", "--dry-run", "--batch-size", "1", stderr=err)
    assert str(raised.value).endswith("It was a dry run: nothing was written.")
    monkeypatch.setattr(groups, "groups_detect", judge)
    out = io.StringIO()
    call_command("detect_conflicts", stdout=out)
    assert records() == made
    call_command("detect_conflicts", "--dry-run", "--every-group", stdout=(out := io.StringIO()))
    assert "0 created, 0 updated, 0 reopened, 0 closed" in out.getvalue()


@pytest.mark.django_db(transaction=True)  # outside a transaction, as the rescan command runs
def test_a_second_full_rescan_stands_whole_only_where_the_database_records_writes():
    """PostgreSQL records each write to what the rules read (claims.detection.standing);
    elsewhere every full rescan goes the whole way and stores nothing of itself."""
    call_command("generate_synthetic", "--claims", "300", "--no-progress", stdout=io.StringIO())
    first, second = detection.rescan(), detection.rescan()
    postgres = connection.vendor == "postgresql"
    assert first.since is None and (second.since is not None) == postgres
    assert second.groups == first.groups > 0
    assert LastRescan.objects.exists() == postgres

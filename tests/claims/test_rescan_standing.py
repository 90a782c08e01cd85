"""A full rescan is skipped whole when nothing the rules read was written since the last one,
and looks only at the groups written since when those can be named (PostgreSQL;
``claims.detection.standing``).

The promise: neither shortcut ever changes the outcome. Whatever was written since the last
full rescan, by whatever path (a raw UPDATE, INSERT or DELETE, one in a savepoint, a COPY
under the replica role, a TRUNCATE, a writer still open when the rescan began), the next
rescan judges every group it touched and leaves the records as judging every group would.
"""

import io
import itertools
import random

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from claims import detection
from claims.choices import ContradictionKind
from claims.detection import digests, groups, standing
from claims.models import (
    Claim,
    Contradiction,
    ExchangeRate,
    LastRescan,
    RulesInputGroup,
    RulesInputWrite,
)
from qwenkb import copying
from tests import factories
from tests.claims.test_rescan_digests import (
    CHANGES,
    _change_value,
    _claim_of_a_record,
    _judged,
    _loosen_metric,
    _move_to_another_subject,
    _nothing_left_to_change,
    _redate_source,
    _rename_publisher,
    _synthetic,
    records,
)

pytestmark = [
    pytest.mark.needs("postgresql"),
    # Outside a transaction, as the rescan command runs.
    pytest.mark.django_db(transaction=True),
]


# Columns a copy of a claim takes from it: all but its id and the value key the database
# computes.
CLAIM_COLUMNS = [
    field.column
    for field in Claim._meta.concrete_fields
    if not field.primary_key and not field.generated
]


def _copy_claim_sql(claim: Claim) -> tuple[str, list]:
    """An INSERT of a copy of ``claim`` with three times its value: a new conflict."""
    columns = ", ".join(CLAIM_COLUMNS)
    taken = ", ".join(
        "%s" if column in ("point", "low", "high") else column for column in CLAIM_COLUMNS
    )
    point = (claim.point or 1.0) * 3
    values = [point for column in CLAIM_COLUMNS if column in ("point", "low", "high")]
    return (
        f"INSERT INTO claims_claim ({columns}) SELECT {taken} FROM claims_claim WHERE id = %s",
        [*values, claim.pk],
    )


def _insert_claim(rng):
    with connection.cursor() as cursor:
        cursor.execute(*_copy_claim_sql(_claim_of_a_record(rng)))


def _insert_claim_in_a_savepoint(rng):
    """The row carries the savepoint's own transaction id, not the transaction's."""
    with transaction.atomic():
        Claim.objects.filter(pk=Claim.objects.order_by("pk").first().pk).update(notes="first")
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(*_copy_claim_sql(_claim_of_a_record(rng)))


def _forge_record(rng):
    """A record of two claims the rules do not pair, inserted behind detection's back: an
    INSERT of a record alone."""
    paired = set(Contradiction.objects.values_list("claim_a_id", "claim_b_id"))
    claims = list(
        Claim.objects.order_by("subject_id", "metric_id", "pk").values_list(
            "pk", "subject_id", "metric_id"
        )
    )
    pairs = [
        (a[0], b[0], a[1], a[2])
        for a, b in itertools.pairwise(claims)
        if a[1:] == b[1:] and (a[0], b[0]) not in paired
    ]
    a, b, subject, metric = rng.choice(pairs)
    Contradiction.objects.bulk_create(
        [
            Contradiction(
                claim_a_id=a,
                claim_b_id=b,
                subject_id=subject,
                metric_id=metric,
                kind=ContradictionKind.DISCREPANCY,
                severity=9.0,
                explanation="forged",
            )
        ]
    )


def _new_rate(rng):
    ExchangeRate.objects.update_or_create(
        from_currency="EUR", to_currency="USD", defaults={"rate": 1 + rng.random()}
    )


def _truncate_records(rng):
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE claims_contradiction, claims_historicalcontradiction")


INSERTS = [_insert_claim, _insert_claim_in_a_savepoint, _forge_record]
# Writes that name no row, or change what every group reads: the next rescan goes the whole
# way.
UNTRACED = [_new_rate, _truncate_records]
ALL_CHANGES = CHANGES + INSERTS + UNTRACED
# Writes of a row the claims name: the groups of those claims are judged.
NAMED = {_redate_source, _rename_publisher, _loosen_metric}


def _no_group_found(monkeypatch) -> None:
    """Make finding groups fail: a rescan that stands must not look for any."""

    def refuse(*args, **kwargs):
        raise AssertionError("a rescan that stands found groups")

    monkeypatch.setattr(groups, "_candidates_by_range", refuse)


def test_a_rescan_after_a_full_one_stands_in_three_queries_and_finds_no_group(monkeypatch):
    _synthetic()
    first = detection.rescan()
    assert first.since is None and first.groups > 0
    made = records()
    last = LastRescan.objects.get()
    candidates = len(groups._candidates(groups._scope(None, None))[0])
    assert (last.groups, last.candidates) == (first.groups, candidates) and candidates > 0
    _no_group_found(monkeypatch)
    with CaptureQueriesContext(connection) as queries:
        second = detection.rescan()
    # The snapshot it begins from, the exchange rates, the last rescan and whether anything
    # was written since.
    assert len(queries.captured_queries) == 3
    assert second.since == last.finished
    assert (second.groups, second.unchanged) == (last.groups, last.candidates)
    assert (second.created, second.updated, second.reopened, second.closed) == (0, 0, 0, 0)
    monkeypatch.undo()
    assert records() == made and _nothing_left_to_change()
    assert LastRescan.objects.get() == last and LastRescan.objects.get().snapshot == last.snapshot

    out = io.StringIO()
    call_command("detect_conflicts", stdout=out)
    assert out.getvalue().startswith("nothing the rules read was written since the last full")
    assert f"its records for {last.groups:,} groups stand" in out.getvalue()
    call_command("detect_conflicts", "--dry-run", stdout=out)
    assert "Dry run (nothing written): nothing the rules read was written" in out.getvalue()


@pytest.mark.parametrize("change", ALL_CHANGES, ids=lambda change: change.__name__.strip("_"))
def test_any_write_sends_the_next_rescan_to_the_groups_it_wrote_or_the_whole_way(
    change, monkeypatch
):
    """Each change bypasses detection on write (a raw UPDATE, INSERT or DELETE), so only a
    rescan can put the records right: the one after it must not stand. A write of claims or
    records is judged by the groups it wrote alone, one of a source, publisher or metric by
    the groups of the claims naming it; a truncate or new rates may touch any group."""
    _synthetic()
    detection.rescan()
    assert detection.rescan().since is not None
    every = detection.rescan(every_group=True, dry_run=True).groups
    judged = _judged(monkeypatch)
    last = LastRescan.objects.get().finished
    change(random.Random(change.__name__))
    if change not in UNTRACED:
        _no_group_found(monkeypatch)
    after = detection.rescan()
    assert after.since is None
    if change in UNTRACED:
        assert after.after is None and after.groups == every
        assert LastRescan.objects.get().groups == after.groups
    else:
        assert after.after == last
        if change in NAMED:
            assert 1 <= after.groups < every
        else:
            # The group written (two for a claim moved to another subject, the first change
            # of a savepoint's transaction a third), and nothing else.
            assert 1 <= after.groups <= 3
        assert len(set(judged)) <= after.groups
        assert LastRescan.objects.get().groups is None
        assert ", only those written since the last full rescan" in after.report()
    monkeypatch.undo()
    assert _nothing_left_to_change(), change.__name__
    # Having judged what was written, the next one stands again.
    again = detection.rescan()
    assert again.since is not None
    assert again.counted == (change in UNTRACED)


def test_writes_under_the_replica_role_truncates_and_rates_are_seen():
    _synthetic()
    detection.rescan()
    claim = _claim_of_a_record(random.Random(3))
    # As the bulk copies write: with the replica role, foreign-key triggers are off.
    with transaction.atomic(), connection.cursor() as cursor, copying.replica_role(cursor):
        cursor.execute("UPDATE claims_claim SET status = 'rejected' WHERE id = %s", [claim.pk])
    after = detection.rescan()
    assert after.since is None and after.after is not None and after.groups == 1
    assert _nothing_left_to_change()

    # A TRUNCATE names no rows: every group is judged.
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE claims_contradiction, claims_historicalcontradiction")
    assert Contradiction.objects.count() == 0
    after = detection.rescan()
    assert after.since is None and after.after is None and Contradiction.objects.count() > 0
    assert _nothing_left_to_change()

    ExchangeRate.objects.create(from_currency="EUR", to_currency="USD", rate=1.1)
    after = detection.rescan()
    assert after.since is None and after.after is None
    assert detection.rescan().since is not None


@pytest.mark.parametrize("blind_pass", ["whole", "written groups"])
@pytest.mark.parametrize("write", ["update", "insert"])
def test_a_writer_still_open_when_the_rescan_began_is_seen_by_the_next_one(write, blind_pass):
    _synthetic()
    detection.rescan()
    claim = _claim_of_a_record(random.Random(5))
    if write == "update":
        statement = ("UPDATE claims_claim SET status = 'rejected' WHERE id = %s", [claim.pk])
    else:
        statement = _copy_claim_sql(claim)
    with psycopg.connect(**connection.get_connection_params()) as writer:
        # Uncommitted while the rescan reads and stores its snapshot: the rescan cannot see it.
        writer.execute(*statement)
        if blind_pass == "whole":
            LastRescan.objects.all().delete()
        else:  # another claim written: the blind rescan looks only at its group
            _change_value(random.Random(6))
        blind = detection.rescan()
        assert blind.since is None and (blind.after is None) == (blind_pass == "whole")
        assert LastRescan.objects.exists()
        writer.commit()
    assert not _nothing_left_to_change()  # the rescan could not judge what it could not see
    after = detection.rescan()
    assert after.since is None and after.after is not None
    assert _nothing_left_to_change()


def test_new_rules_code_another_cluster_or_every_group_go_the_whole_way(monkeypatch):
    _synthetic()
    detection.rescan()
    judged = _judged(monkeypatch)
    assert detection.rescan(every_group=True).since is None and judged
    assert detection.rescan().since is not None

    LastRescan.objects.update(cluster="0")
    assert detection.rescan().since is None
    assert LastRescan.objects.get().cluster != "0"

    monkeypatch.setattr(digests, "rules_fingerprint", lambda: "another release of the rules")
    assert detection.rescan().since is None
    assert detection.rescan().since is not None


def test_a_rescan_in_a_transaction_or_of_some_groups_neither_stands_nor_is_stored():
    _synthetic()
    detection.rescan()
    stored = LastRescan.objects.get()
    claim = Claim.objects.order_by("pk").first()
    with transaction.atomic():
        assert not standing.available()
        assert detection.rescan().since is None
    assert detection.rescan(subject_ids=[claim.subject_id]).since is None
    assert detection.rescan(metric_ids=[claim.metric_id]).since is None
    assert detection.rescan(groups=[(claim.subject_id, claim.metric_id)]).since is None
    assert LastRescan.objects.get().finished == stored.finished


def test_of_two_overlapping_rescans_the_one_that_began_later_is_kept():
    _synthetic(200)
    claim = Claim.objects.order_by("pk").first()
    earlier = standing.Watch()
    Claim.objects.filter(pk=claim.pk).update(notes="written between the two")
    later = standing.Watch()
    assert RulesInputWrite.objects.filter(table="claims_claim").exists()
    context = digests.context({})

    assert later.finish(context=context, groups=2, candidates=1)
    # The write both saw is forgotten with the later snapshot stored.
    assert not RulesInputWrite.objects.filter(table="claims_claim").exists()
    assert not earlier.finish(context=context, groups=1, candidates=1)
    assert LastRescan.objects.get().snapshot == later.snapshot

    LastRescan.objects.all().delete()
    first, second = standing.Watch(), standing.Watch()
    assert first.finish(context=context, groups=1, candidates=1)
    assert second.finish(context=context, groups=2, candidates=1)  # no later than it: equal
    assert LastRescan.objects.get().groups == 2


def test_the_writes_kept_are_those_no_stored_rescan_saw():
    _synthetic(500)
    detection.rescan()
    for number, claim in enumerate(Claim.objects.order_by("pk")[:20]):
        Claim.objects.filter(pk=claim.pk).update(notes=f"edit {number}")
    assert RulesInputWrite.objects.filter(table="claims_claim").count() == 20
    detection.rescan()
    # The edits were seen; what is left is the rescan's own writes, at most one per batch.
    left = set(RulesInputWrite.objects.values_list("xid", flat=True))
    assert left <= set(LastRescan.objects.get().own_xids)


def test_every_table_the_rules_read_and_only_those_carry_the_trigger():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgrelid::regclass::text, tgenabled FROM pg_trigger "
            "WHERE tgname = 'rules_input_write'"
        )
        triggers = dict(cursor.fetchall())
    assert triggers == {model._meta.db_table: "A" for model in standing.INPUTS}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgrelid::regclass::text, tgname, tgenabled FROM pg_trigger "
            "WHERE tgname LIKE 'rules_input_groups_%' OR tgname LIKE 'rules_input_rows_%' "
            "ORDER BY 1, 2"
        )
        assert cursor.fetchall() == [
            ("claims_claim", "rules_input_groups_delete", "A"),
            ("claims_claim", "rules_input_groups_update", "A"),
            ("claims_contradiction", "rules_input_groups_delete", "A"),
            ("claims_contradiction", "rules_input_groups_insert", "A"),
            ("claims_contradiction", "rules_input_groups_update", "A"),
            ("claims_metric", "rules_input_rows_delete", "A"),
            ("claims_metric", "rules_input_rows_update", "A"),
            ("sources_publisher", "rules_input_rows_delete", "A"),
            ("sources_publisher", "rules_input_rows_update", "A"),
            ("sources_source", "rules_input_rows_delete", "A"),
            ("sources_source", "rules_input_rows_update", "A"),
        ]
    # Only tables the rules read are traced by group.
    assert set(standing.TRACED) <= set(triggers)
    # What the digests read of a claim reaches these tables and no other.
    reached = (
        {"claims_claim"}
        | {
            {"source": "sources_source", "metric": "claims_metric"}[column.split("__")[0]]
            for column in digests.CLAIM_COLUMNS
            if "__" in column
        }
        | {"sources_publisher" for column in digests.CLAIM_COLUMNS if "__publisher__" in column}
    )
    assert reached <= set(triggers)


def test_claims_inserted_are_found_by_their_rows_not_recorded_one_by_one():
    """An import's COPY of a million claims records nothing per row (that cost seconds):
    the rescan finds the claims inserted since the last one by their transaction ids."""
    _synthetic()
    detection.rescan()
    rng = random.Random(7)
    _insert_claim(rng)
    _insert_claim(rng)
    assert not RulesInputGroup.objects.exists()
    assert set(RulesInputWrite.objects.values_list("table", "op")) == {("claims_claim", "INSERT")}
    after = detection.rescan()
    assert after.after is not None and 1 <= after.groups <= 2 and after.created > 0
    assert _nothing_left_to_change()
    # A source, publisher or metric added names no group until a claim names it.
    factories.source(pub=factories.publisher(name="A new publisher"))
    factories.metric()
    after = detection.rescan()
    assert after.since is None and after.after is not None and after.groups == 0
    assert detection.rescan().since is not None


def test_more_groups_written_than_the_limit_or_ids_too_far_apart_go_the_whole_way(monkeypatch):
    _synthetic()
    detection.rescan()
    rng = random.Random(8)
    monkeypatch.setattr(standing, "WRITTEN_GROUPS_LIMIT", 1)
    _change_value(rng)
    assert detection.rescan().after is not None  # one group: within the limit
    _change_value(rng)
    _move_to_another_subject(rng)  # two groups more
    after = detection.rescan()
    assert after.since is None and after.after is None and after.groups > 2
    assert _nothing_left_to_change()
    # Ten claims a group allowed: ten inserted in one group stop the scan for claims.
    claim = _claim_of_a_record(rng)
    with connection.cursor() as cursor:
        for _ in range(9):
            cursor.execute(*_copy_claim_sql(claim))
    after = detection.rescan()
    assert after.after is not None and after.groups == 1  # nine rows
    with connection.cursor() as cursor:
        for _ in range(10):
            cursor.execute(*_copy_claim_sql(claim))
    after = detection.rescan()
    assert after.after is None and after.groups > 2
    assert _nothing_left_to_change()
    monkeypatch.setattr(standing, "_XID_SPAN", 0)
    _change_value(rng)
    assert detection.rescan().after is not None  # no claim inserted: the ids are not read
    _insert_claim(rng)
    after = detection.rescan()
    assert after.since is None and after.after is None and after.created > 0
    assert _nothing_left_to_change()


def test_what_a_rescan_of_the_written_groups_and_the_one_after_it_say():
    _synthetic()
    detection.rescan()
    finished = f"{LastRescan.objects.get().finished:%Y-%m-%d %H:%M:%S %Z}"
    _change_value(random.Random(9))
    out = io.StringIO()
    call_command("detect_conflicts", "--dry-run", stdout=out)
    assert out.getvalue().startswith(
        "Dry run (nothing written): would have scanned 1 group, only those written since "
        f"the last full rescan, finished {finished}: "
    )
    call_command("detect_conflicts", stdout=out)
    assert (
        f"\nscanned 1 group, only those written since the last full rescan, finished {finished}: "
        in out.getvalue()
    )
    assert LastRescan.objects.get().groups is None
    out = io.StringIO()
    call_command("detect_conflicts", stdout=out)
    # It cannot count what it did not look at: no counts, and none made up.
    assert out.getvalue().startswith("nothing the rules read was written since the last full")
    assert out.getvalue().rstrip().endswith("its records stand; no group was judged.")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_rescan_stands_exactly_when_nothing_was_written_since_the_last_full_one(seed):
    """Random sequences of writes and rescans of every kind: a full rescan stands if and only
    if nothing was written since the last complete one began; it looks only at the groups
    written when every write since could be traced to its groups; and whichever it does, it
    leaves what judging every group would."""
    _synthetic()
    detection.rescan()
    rng = random.Random(seed)
    # Whether something was written since the last complete full rescan: None when the step
    # may or may not have written (a rescan of one subject writes only what it changes).
    dirty: bool | None = False
    untraced = False  # whether a write since could touch any group
    outcomes = set()
    for _step in range(18):
        step = rng.choice(["change", "change", "full", "full", "dry", "subject", "every"])
        if step == "change":
            # Not a truncate: the changes pick records, which one would leave none of.
            change = rng.choice([change for change in ALL_CHANGES if change != _truncate_records])
            change(rng)
            dirty = True
            untraced = untraced or change in UNTRACED
        elif step == "subject":
            claim = Claim.objects.order_by("?").first()
            detection.rescan(subject_ids=[claim.subject_id])
            dirty = True if dirty else None
        else:
            summary = detection.rescan(dry_run=step == "dry", every_group=step == "every")
            stood = summary.since is not None
            how = "stood" if stood else "written" if summary.after is not None else "whole"
            outcomes.add(how)
            if step == "every":
                assert how == "whole"
            elif dirty:
                assert how == ("whole" if untraced else "written"), (step, untraced)
            elif dirty is False:
                assert stood, step
            else:
                assert how != "whole" or untraced
            if step != "dry":
                # Complete: nothing is left for judging every group to change.
                assert _nothing_left_to_change(), (step, how)
                dirty, untraced = False, False
    assert _nothing_left_to_change() or dirty is not False
    assert {"stood", "written"} <= outcomes  # the sequence had rescans of both kinds

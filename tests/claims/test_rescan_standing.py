"""A full rescan is skipped whole when nothing the rules read was written since the last one
(PostgreSQL; ``claims.detection.standing``).

The promise: skipping never changes the outcome. Whatever was written since the last full
rescan, by whatever path (a raw UPDATE, a COPY under the replica role, a TRUNCATE, a writer
still open when the rescan began), the next rescan goes the whole way and leaves the records
as judging every group would.
"""

import io
import random

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from claims import detection
from claims.detection import digests, groups, standing
from claims.models import Claim, Contradiction, ExchangeRate, LastRescan, RulesInputWrite
from qwenkb import copying
from tests.claims.test_rescan_digests import (
    CHANGES,
    _claim_of_a_record,
    _judged,
    _nothing_left_to_change,
    _synthetic,
    records,
)

pytestmark = [
    pytest.mark.needs("postgresql"),
    # Outside a transaction, as the rescan command runs.
    pytest.mark.django_db(transaction=True),
]


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


@pytest.mark.parametrize("change", CHANGES, ids=lambda change: change.__name__.strip("_"))
def test_any_write_to_what_the_rules_read_sends_the_next_rescan_the_whole_way(change):
    """Each change bypasses detection on write (a raw UPDATE or DELETE), so only a rescan
    can put the records right: the one after it must not stand."""
    _synthetic()
    detection.rescan()
    assert detection.rescan().since is not None
    change(random.Random(change.__name__))
    after = detection.rescan()
    assert after.since is None
    assert _nothing_left_to_change(), change.__name__
    # Having gone the whole way, the next one stands again.
    assert detection.rescan().since is not None


def test_writes_under_the_replica_role_truncates_and_rates_are_seen():
    _synthetic()
    detection.rescan()
    claim = _claim_of_a_record(random.Random(3))
    # As the bulk copies write: with the replica role, foreign-key triggers are off.
    with transaction.atomic(), connection.cursor() as cursor, copying.replica_role(cursor):
        cursor.execute("UPDATE claims_claim SET status = 'rejected' WHERE id = %s", [claim.pk])
    assert detection.rescan().since is None and _nothing_left_to_change()

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE claims_contradiction, claims_historicalcontradiction")
    assert Contradiction.objects.count() == 0
    assert detection.rescan().since is None and Contradiction.objects.count() > 0
    assert _nothing_left_to_change()

    ExchangeRate.objects.create(from_currency="EUR", to_currency="USD", rate=1.1)
    assert detection.rescan().since is None
    assert detection.rescan().since is not None


def test_a_writer_still_open_when_the_rescan_began_is_seen_by_the_next_one():
    _synthetic()
    detection.rescan()
    claim = _claim_of_a_record(random.Random(5))
    with psycopg.connect(**connection.get_connection_params()) as writer:
        # Uncommitted while the rescan reads and stores its snapshot: the rescan cannot see it.
        writer.execute("UPDATE claims_claim SET status = 'rejected' WHERE id = %s", [claim.pk])
        LastRescan.objects.all().delete()
        blind = detection.rescan()
        assert blind.since is None and LastRescan.objects.exists()
        writer.commit()
    assert not _nothing_left_to_change()  # the rescan could not judge what it could not see
    assert detection.rescan().since is None
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


@pytest.mark.parametrize("seed", [1, 2])
def test_a_rescan_stands_exactly_when_nothing_was_written_since_the_last_full_one(seed):
    """Random sequences of writes and rescans of every kind: a full rescan stands if and only
    if nothing was written since the last complete one began, and whenever it stands,
    judging every group would change nothing."""
    _synthetic()
    detection.rescan()
    rng = random.Random(seed)
    # Whether something was written since the last complete full rescan: None when the step
    # may or may not have written (a rescan of one subject writes only what it changes).
    dirty: bool | None = False
    outcomes = set()
    for _step in range(16):
        step = rng.choice(["change", "full", "full", "dry", "subject", "every"])
        if step == "change":
            rng.choice(CHANGES)(rng)
            dirty = True
        elif step == "subject":
            claim = Claim.objects.order_by("?").first()
            detection.rescan(subject_ids=[claim.subject_id])
            dirty = True if dirty else None
        else:
            summary = detection.rescan(dry_run=step == "dry", every_group=step == "every")
            stood = summary.since is not None
            outcomes.add(stood)
            if step == "every" or dirty:
                assert not stood, (step, dirty)
            elif dirty is False:
                assert stood, step
            if stood:
                assert _nothing_left_to_change(), step
            if step != "dry":
                dirty = False
    assert _nothing_left_to_change() or dirty is not False
    assert outcomes == {True, False}  # the sequence had rescans of both kinds

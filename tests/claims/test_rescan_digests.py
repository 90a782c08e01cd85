"""A full rescan skips the groups nothing changed in since it last judged them (PostgreSQL).

The promise (claims.detection.digests): skipping never changes the outcome. After any change
to what the rules read, by any path, a rescan leaves the records exactly as a rescan judging
every group would.
"""

import datetime
import io
import random

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from claims import detection
from claims.detection import digests, groups
from claims.models import (
    CheckedGroup,
    Claim,
    Contradiction,
    Entity,
    ExchangeRate,
    LastRescan,
    Metric,
)
from sources.models import Publisher, Source

pytestmark = [
    pytest.mark.needs("postgresql"),
    # Outside a transaction, as the rescan command runs: groups are found on other threads.
    pytest.mark.django_db(transaction=True),
]

RECORD_FIELDS = (
    *("claim_a_id", "claim_b_id", "subject_id", "metric_id", "kind", "severity"),
    *("status", "origin", "explanation", "signature", "preferred_claim_id"),
)


def records() -> list[tuple]:
    return list(Contradiction.objects.order_by("claim_a", "claim_b").values_list(*RECORD_FIELDS))


def _synthetic(claims: int = 2000) -> None:
    call_command(
        "generate_synthetic", "--claims", str(claims), "--no-progress", stdout=io.StringIO()
    )


def _nothing_left_to_change() -> bool:
    """Whether judging every group, skipping none, would change nothing."""
    summary = detection.rescan(every_group=True, dry_run=True)
    return (summary.created, summary.updated, summary.reopened, summary.closed) == (0, 0, 0, 0)


def _judged(monkeypatch) -> list:
    """The groups each later rescan judges, in order."""
    judged: list = []
    judge = groups.groups_detect

    def counting(batch, **kwargs):
        judged.extend(batch)
        return judge(batch, **kwargs)

    monkeypatch.setattr(groups, "groups_detect", counting)
    return judged


def test_a_second_rescan_judges_no_group_and_its_queries_do_not_grow(monkeypatch):
    _synthetic()  # its detection ran a rescan, which stored digests: start without them
    CheckedGroup.objects.all().delete()
    first = detection.rescan()
    stored = CheckedGroup.objects.count()
    candidates = len(groups._candidates(groups._scope(None, None))[0])
    assert stored == candidates > 0 and first.unchanged == 0
    judged = _judged(monkeypatch)
    made = records()
    LastRescan.objects.all().delete()  # group by group, not the whole pass at once (standing)
    with CaptureQueriesContext(connection) as queries:
        second = detection.rescan()
    assert judged == [] and second.unchanged == candidates and second.since is None
    assert (second.created, second.updated, second.reopened, second.closed) == (0, 0, 0, 0)
    assert records() == made
    # On this thread: the snapshot it begins from, the exchange rates, the last rescan, the
    # bounds of the subjects, and storing itself as the last rescan (a transaction of two
    # statements); nothing per group.
    assert len(queries.captured_queries) == 8
    out = io.StringIO()
    LastRescan.objects.all().delete()
    call_command("detect_conflicts", stdout=out)
    assert f"{candidates:,} groups were as the last rescan left them" in out.getvalue()
    call_command("detect_conflicts", "--every-group", stdout=out)
    assert len(judged) == candidates


def _a_record(rng: random.Random) -> Contradiction:
    ids = list(Contradiction.objects.order_by("pk").values_list("pk", flat=True))
    return Contradiction.objects.get(pk=rng.choice(ids))


def _claim_of_a_record(rng: random.Random) -> Claim:
    record = _a_record(rng)
    return Claim.objects.get(pk=rng.choice([record.claim_a_id, record.claim_b_id]))


def _change_value(rng):
    claim = _claim_of_a_record(rng)
    point = (claim.point or 1.0) * rng.choice((0.5, 1.01, 3.0))
    Claim.objects.filter(pk=claim.pk).update(point=point, low=point, high=point)


def _reject(rng):
    Claim.objects.filter(pk=_claim_of_a_record(rng).pk).update(status="rejected")


def _deprecate(rng):
    Claim.objects.filter(pk=_claim_of_a_record(rng).pk).update(rank="deprecated")


def _move_period(rng):
    day = datetime.date(2020 + rng.randrange(7), rng.randrange(1, 13), 1)
    Claim.objects.filter(pk=_claim_of_a_record(rng).pk).update(as_of_start=day, as_of_end=day)


def _move_to_another_subject(rng):
    claim = _claim_of_a_record(rng)
    other = Entity.objects.exclude(pk=claim.subject_id).order_by("?").first()
    Claim.objects.filter(pk=claim.pk).update(subject=other)


def _delete_claim(rng):
    Claim.objects.filter(pk=_claim_of_a_record(rng).pk).delete()


def _redate_source(rng):
    claim = _claim_of_a_record(rng)
    Source.objects.filter(pk=claim.source_id).update(published=datetime.date(2019, 3, 4))


def _rename_publisher(rng):
    claim = _claim_of_a_record(rng)
    Publisher.objects.filter(sources__claims=claim).update(name=f"Renamed {rng.random()}")


def _loosen_metric(rng):
    metric = Metric.objects.get(pk=_a_record(rng).metric_id)
    Metric.objects.filter(pk=metric.pk).update(tolerance=0.9, bound_ratio=9.0)


def _close_record(rng):
    Contradiction.objects.filter(pk=_a_record(rng).pk).update(status="closed")


def _dismiss_record(rng):
    Contradiction.objects.filter(pk=_a_record(rng).pk).update(status="dismissed")


def _tamper_record(rng):
    Contradiction.objects.filter(pk=_a_record(rng).pk).update(
        explanation="edited", severity=F("severity") + 1
    )


def _delete_record(rng):
    Contradiction.objects.filter(pk=_a_record(rng).pk).delete()


CHANGES = [
    _change_value,
    _reject,
    _deprecate,
    _move_period,
    _move_to_another_subject,
    _delete_claim,
    _redate_source,
    _rename_publisher,
    _loosen_metric,
    _close_record,
    _dismiss_record,
    _tamper_record,
    _delete_record,
]


@pytest.mark.parametrize("seed", [1, 2])
def test_after_any_change_a_skipping_rescan_leaves_what_judging_every_group_would(seed):
    """Each change bypasses detection on write (a raw UPDATE or DELETE), so only the rescan
    can put the records right; the rescan that skips unchanged groups must do it fully."""
    _synthetic()
    detection.rescan()
    rng = random.Random(seed)
    skipped = []
    for change in rng.sample(CHANGES, len(CHANGES)) * 2:
        change(rng)
        # Every group that could hold a conflict, by digest: not only those written since
        # the last rescan (standing).
        LastRescan.objects.all().delete()
        skipped.append(detection.rescan().unchanged)
        assert _nothing_left_to_change(), change.__name__
    assert min(skipped) > 0  # no change made every group be judged again


def test_new_exchange_rates_or_new_rules_code_make_every_group_judged_again(monkeypatch):
    _synthetic()
    candidates = detection.rescan().groups and CheckedGroup.objects.count()
    judged = _judged(monkeypatch)
    assert detection.rescan().unchanged == candidates and judged == []

    ExchangeRate.objects.create(from_currency="EUR", to_currency="USD", rate=1.1)
    assert detection.rescan().unchanged == 0 and len(judged) == candidates
    assert detection.rescan().unchanged == candidates

    monkeypatch.setattr(digests, "rules_fingerprint", lambda: "another release of the rules")
    assert detection.rescan().unchanged == 0 and len(judged) == 2 * candidates
    assert _nothing_left_to_change()


def test_a_dry_run_skips_unchanged_groups_and_stores_nothing(monkeypatch):
    _synthetic()
    detection.rescan()
    stored = dict(CheckedGroup.objects.values_list("pk", "digest"))
    claim = Claim.objects.get(pk=Contradiction.objects.order_by("pk").first().claim_a_id)
    Claim.objects.filter(pk=claim.pk).update(status="rejected")
    judged = _judged(monkeypatch)
    summary = detection.rescan(dry_run=True)
    assert judged == [(claim.subject_id, claim.metric_id)] and summary.closed >= 1
    assert dict(CheckedGroup.objects.values_list("pk", "digest")) == stored


def test_the_rules_fingerprint_covers_the_rules_and_the_values_they_read():
    read = digests.rules_fingerprint.__wrapped__  # the file reading, not its cached result
    assert read() == digests.rules_fingerprint() and len(read()) == 32
    files = {
        str(path.relative_to(digests._ROOT))
        for name in digests._RULES_CODE
        for path in (digests._ROOT / name).rglob("*.py")
    } | {name for name in digests._RULES_CODE if name.endswith(".py")}
    assert {
        "claims/conflicts.py",
        "claims/values/claim_value.py",
        "claims/values/quantities.py",
        "claims/detection/plan.py",
        "claims/detection/rows.py",
    } <= files

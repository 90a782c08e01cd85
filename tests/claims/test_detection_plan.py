"""Tests of detection's pure plan (claims/detection/plan.py), over plain values, no database."""

import dataclasses
import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from claims.choices import ClaimRank, ClaimStatus, ContradictionOrigin, ContradictionStatus
from claims.conflicts import Finding
from claims.detection.plan import FOUND_FIELDS, Plan, plan

OPEN, DISMISSED = ContradictionStatus.OPEN, ContradictionStatus.DISMISSED
RESOLVED, CLOSED = ContradictionStatus.RESOLVED, ContradictionStatus.CLOSED


@dataclasses.dataclass(frozen=True)
class Claim:
    """A claim as the plan reads it; its value stands for its signature."""

    status: str
    rank: str
    value: str

    def value_signature(self) -> str:
        return self.value


@dataclasses.dataclass(frozen=True)
class Record:
    """A stored contradiction record as the plan reads it."""

    id: int
    claim_a_id: int
    claim_b_id: int
    subject_id: int
    metric_id: int
    kind: str
    severity: float
    status: str
    origin: str
    explanation: str
    signature: str
    preferred_claim_id: int | None = None


def stored(records: dict, changes: Plan) -> dict:
    """The records after the plan is written: what the apply step does to the database."""
    by_id = {r.id: pair for pair, r in records.items()}
    result = dict(records)
    for record_id, fields in changes.update.items():
        pair = by_id[record_id]
        result[pair] = dataclasses.replace(result[pair], **fields)
    next_id = itertools.count(max(by_id, default=0) + 1)
    for values in changes.create:
        pair = (values["claim_a_id"], values["claim_b_id"])
        result[pair] = Record(id=next(next_id), **values)
    return result


def signature(claims: dict, pair: tuple[int, int]) -> str:
    return f"{claims[pair[0]].value}#{claims[pair[1]].value}"


GROUPS = [(1, 1), (1, 2), (2, 1)]


@st.composite
def situations(draw):
    """Claims in a few groups, the rules' findings among them, and records already stored
    (of found pairs and others), in every status and with stale or current signatures."""
    count = draw(st.integers(2, 9))
    claims, groups_of = {}, {}
    for claim_id in range(1, count + 1):
        claims[claim_id] = Claim(
            status=draw(st.sampled_from(list(ClaimStatus))),
            rank=draw(st.sampled_from(list(ClaimRank))),
            value=draw(st.sampled_from(["1", "2", "3"])),
        )
        groups_of[claim_id] = draw(st.sampled_from(GROUPS))
    pairs = [(a, b) for a, b in itertools.combinations(claims, 2) if groups_of[a] == groups_of[b]]
    kinds = st.sampled_from(["contradiction", "discrepancy"])
    found = [
        (
            groups_of[a],
            Finding(a, b, draw(kinds), draw(st.sampled_from([0.5, 1.0])), draw(st.text("xy"))),
        )
        for a, b in pairs
        if draw(st.booleans())
    ]
    records = {}
    for record_id, pair in enumerate(itertools.combinations(claims, 2), 1):
        if not draw(st.booleans()):
            continue
        group = draw(st.sampled_from([groups_of[pair[0]], *GROUPS]))
        records[pair] = Record(
            id=record_id,
            claim_a_id=pair[0],
            claim_b_id=pair[1],
            subject_id=group[0],
            metric_id=group[1],
            kind=draw(kinds),
            severity=draw(st.sampled_from([0.5, 1.0])),
            status=draw(st.sampled_from(list(ContradictionStatus))),
            origin=draw(st.sampled_from(list(ContradictionOrigin))),
            explanation=draw(st.text("xy")),
            signature=draw(st.sampled_from([signature(claims, pair), "1#1", "stale"])),
            preferred_claim_id=draw(st.sampled_from([None, *pair])),
        )
    groups = draw(st.lists(st.sampled_from(GROUPS), min_size=1, unique=True))
    # The rules only report on the groups being checked.
    found = [(group, finding) for group, finding in found if group in groups]
    return claims, found, records, groups


@settings(max_examples=400)
@given(situations())
def test_planning_again_after_applying_the_plan_plans_nothing(situation):
    claims, found, records, groups = situation
    first = plan(found, groups=groups, claims=claims, records=records)
    after = stored(records, first)
    again = plan(found, groups=groups, claims=claims, records=after)
    assert not again, again


@settings(max_examples=400)
@given(situations())
def test_a_dismissed_pair_stays_dismissed_unless_a_value_changed(situation):
    claims, found, records, groups = situation
    after = stored(records, plan(found, groups=groups, claims=claims, records=records))
    found_pairs = {(f.a, f.b) for _, f in found}
    for pair, record in records.items():
        if record.status != DISMISSED:
            continue
        changed = pair in found_pairs and record.signature != signature(claims, pair)
        assert after[pair].status == (OPEN if changed else DISMISSED)
        if not changed:
            assert after[pair].signature == record.signature


@settings(max_examples=400)
@given(situations())
def test_every_finding_has_its_record_and_no_open_engine_record_outlives_its_finding(situation):
    claims, found, records, groups = situation
    changes = plan(found, groups=groups, claims=claims, records=records)
    after = stored(records, changes)
    for group, finding in found:
        record = after[(finding.a, finding.b)]
        assert (record.subject_id, record.metric_id) == group
        assert (record.kind, record.severity, record.explanation) == (
            finding.kind,
            finding.severity,
            finding.explanation,
        )
    found_pairs = {(f.a, f.b) for _, f in found}
    for pair, record in after.items():
        in_scope = (record.subject_id, record.metric_id) in groups
        if in_scope and pair not in found_pairs and record.origin == ContradictionOrigin.ENGINE:
            assert record.status != OPEN
    # The counts say what the plan does.
    assert changes.closed == sum(
        1 for pair, r in records.items() if r.status == OPEN and after[pair].status == CLOSED
    )
    assert changes.reopened == sum(
        1 for pair, r in records.items() if r.status != OPEN and after[pair].status == OPEN
    )
    assert sorted(key for new, key in changes.opened if not new) == sorted(
        r.id for pair, r in records.items() if r.status != OPEN and after[pair].status == OPEN
    )
    assert [key for new, key in changes.opened if new] == list(range(len(changes.create)))


def record(**fields) -> Record:
    values = {
        "id": 7,
        "claim_a_id": 1,
        "claim_b_id": 2,
        "subject_id": 1,
        "metric_id": 1,
        "kind": "contradiction",
        "severity": 1.0,
        "status": OPEN,
        "origin": ContradictionOrigin.ENGINE,
        "explanation": "x",
        "signature": "1#2",
    }
    return Record(**(values | fields))


CLAIMS = {
    1: Claim(ClaimStatus.ACCEPTED, ClaimRank.PREFERRED, "1"),
    2: Claim(ClaimStatus.ACCEPTED, ClaimRank.DEPRECATED, "2"),
}
FINDING = ((1, 1), Finding(1, 2, "contradiction", 1.0, "x"))


def test_a_new_finding_is_created_open_by_the_engine_with_both_values_signed():
    changes = plan([FINDING], groups=[(1, 1)], claims=CLAIMS, records={})
    assert changes.create == [
        {
            "claim_a_id": 1,
            "claim_b_id": 2,
            "subject_id": 1,
            "metric_id": 1,
            "kind": "contradiction",
            "severity": 1.0,
            "explanation": "x",
            "signature": "1#2",
            "status": OPEN,
            "origin": ContradictionOrigin.ENGINE,
        }
    ]
    assert changes.opened == [(True, 0)] and not changes.update


def test_a_resolution_holds_while_the_preferred_claim_is_preferred_and_the_other_deprecated():
    resolved = record(status=RESOLVED, preferred_claim_id=1)
    assert not plan([FINDING], groups=[(1, 1)], claims=CLAIMS, records={(1, 2): resolved})
    swapped = record(status=RESOLVED, preferred_claim_id=2)
    changes = plan([FINDING], groups=[(1, 1)], claims=CLAIMS, records={(1, 2): swapped})
    assert changes.update == {
        7: dict(zip(FOUND_FIELDS, (1, 1, "contradiction", 1.0, "x", "1#2", OPEN), strict=True))
    }
    assert (changes.reopened, changes.opened) == (1, [(False, 7)])


def test_a_manual_record_closes_only_once_a_claim_is_rejected_or_gone():
    manual = {(1, 2): record(origin=ContradictionOrigin.MANUAL)}
    assert not plan([], groups=[(1, 1)], claims=CLAIMS, records=manual)
    rejected = CLAIMS | {2: Claim(ClaimStatus.REJECTED, ClaimRank.NORMAL, "2")}
    changes = plan([], groups=[(1, 1)], claims=rejected, records=manual)
    assert (changes.update, changes.closed) == ({7: {"status": CLOSED}}, 1)
    assert plan([], groups=[(1, 1)], claims={1: CLAIMS[1]}, records=manual).closed == 1


def test_records_of_groups_not_checked_are_left_alone():
    elsewhere = {(1, 2): record(subject_id=9)}
    assert not plan([], groups=[(1, 1)], claims=CLAIMS, records=elsewhere)

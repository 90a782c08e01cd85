"""Tests of the current-value rule (claims/current.py): properties over many groups."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from claims.current import Candidate, choose_current
from claims.values import is_later
from sources.choices import RELIABILITY_ORDER

D = datetime.date


def test_the_seed_cases_pick_the_reliable_dated_claim():
    # "over 1 trillion" (C, Mar 22-28 2026) against "exceeding 1.8 trillion" (E, all of 2026).
    c = Candidate(1, "accepted", "normal", "C", D(2026, 3, 22), D(2026, 3, 28), "range")
    e = Candidate(2, "accepted", "normal", "E", D(2026, 1, 1), D(2026, 12, 31), "year")
    assert choose_current([e, c], time_varying=True).id == 1
    assert choose_current([e, c], time_varying=True).why == "most reliable source: C"


def test_a_later_period_wins_for_a_time_varying_metric():
    jan = Candidate(1, "accepted", "normal", "A", D(2026, 1, 1), D(2026, 1, 31), "month")
    mar = Candidate(2, "accepted", "normal", "E", D(2026, 3, 1), D(2026, 3, 31), "month")
    choice = choose_current([jan, mar], time_varying=True)
    assert (choice.id, choice.grade, choice.why) == (2, "E", "latest period: 2026-03")
    assert choose_current([jan, mar], time_varying=False).id == 1


def test_f_ranks_above_e_and_preferred_wins():
    f = Candidate(1, "accepted", "normal", "F")
    e = Candidate(2, "accepted", "preferred", "E")
    assert choose_current([f, e], time_varying=False).why == "preferred by a reviewer"
    e = Candidate(2, "accepted", "normal", "E")
    assert choose_current([f, e], time_varying=False).why == "most reliable source: F"


def test_proposed_and_deprecated_claims_are_never_current():
    proposed = Candidate(1, "proposed", "preferred", "A")
    deprecated = Candidate(2, "accepted", "deprecated", "A")
    assert choose_current([proposed, deprecated], time_varying=False) is None


grades = st.sampled_from(list("ABCDEF"))
days = st.integers(0, 800)


@st.composite
def candidates(draw):
    n = draw(st.integers(1, 7))
    out = []
    for i in range(n):
        start = draw(days)
        width = draw(st.integers(0, 365))
        known = draw(st.booleans())
        out.append(
            Candidate(
                id=i + 1,
                status=draw(st.sampled_from(["accepted", "accepted", "proposed", "rejected"])),
                rank=draw(st.sampled_from(["normal", "normal", "preferred", "deprecated"])),
                grade=draw(grades),
                as_of_start=D(2025, 1, 1) + datetime.timedelta(start) if known else None,
                as_of_end=D(2025, 1, 1) + datetime.timedelta(start + width) if known else None,
                as_of_precision="range",
                published=D(2025, 1, 1) + datetime.timedelta(draw(days)),
            )
        )
    return out


@given(candidates(), st.booleans(), st.randoms())
def test_choice_is_order_independent(group, time_varying, random):
    shuffled = list(group)
    random.shuffle(shuffled)
    assert choose_current(group, time_varying=time_varying) == choose_current(
        shuffled, time_varying=time_varying
    )


@given(candidates(), st.booleans())
def test_current_is_accepted_and_never_beaten_by_a_more_reliable_comparable_claim(
    group, time_varying
):
    choice = choose_current(group, time_varying=time_varying)
    live = [c for c in group if c.status == "accepted" and c.rank != "deprecated"]
    if not live:
        assert choice is None
        return
    current = next(c for c in group if c.id == choice.id)
    assert current.status == "accepted" and current.rank != "deprecated"
    assert choice.grade == current.grade and choice.why
    if any(c.rank == "preferred" for c in live):
        assert current.rank == "preferred"
        live = [c for c in live if c.rank == "preferred"]
    if time_varying:
        # No live claim is later than the current one...
        assert not any(is_later(c, current) for c in live)
    for other in live:
        # ...and none of the same standing in time comes from a more reliable source.
        same_period = not time_varying or not any(is_later(o, other) for o in live)
        if same_period:
            assert RELIABILITY_ORDER[current.grade] <= RELIABILITY_ORDER[other.grade]

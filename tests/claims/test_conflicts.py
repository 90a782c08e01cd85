"""Tests of the contradiction rules (claims/conflicts.py): every rule, every boundary."""

import dataclasses
import datetime
import itertools
import math
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from claims.conflicts import CONTRADICTION, DISCREPANCY, Finding, Rules, compare, detect
from claims.values import ClaimFacts, Money, ValueType, normalize_text

QUANTITY, DATE, TEXT, ENTITY, BOOLEAN = ValueType

D = datetime.date
# Most tests below compare open bounds at a bound ratio equal to the tolerance, so one
# figure serves both rules; the default bound ratio (1.5) has its own tests.
QTY = Rules(QUANTITY, bound_ratio=1.05)
TEN_PERCENT = Rules(QUANTITY, tolerance=0.10, bound_ratio=1.10)
SERIES = Rules(QUANTITY, time_varying=True)
_ids = itertools.count(1000)


def claim(id=None, written="v", **values):
    """A claim with the given values; ids count up unless given."""
    return ClaimFacts(id=next(_ids) if id is None else id, value_text=written, **values)


def exact(v, **kw):
    return claim(bound="exact", low=v, high=v, point=v, **kw)


def approx(v, tol=0.05, **kw):
    return claim(bound="approximate", low=v * (1 - tol), high=v * (1 + tol), point=v, **kw)


def more_than(v, **kw):
    return claim(bound="more_than", low=v, point=v, **kw)


def at_least(v, **kw):
    return claim(bound="at_least", low=v, point=v, **kw)


def at_most(v, **kw):
    return claim(bound="at_most", high=v, point=v, **kw)


def less_than(v, **kw):
    return claim(bound="less_than", high=v, point=v, **kw)


def between(lo, hi, **kw):
    return claim(bound="range", low=lo, high=hi, point=(lo + hi) / 2, **kw)


def vague(lo, hi, **kw):
    return claim(bound="vague", low=lo, high=hi, **kw)


def kind(a, b, rules=QTY, **kw):
    """The kind of finding for a pair, or None; asserting compare is symmetric on the way."""
    found = compare(a, b, rules, **kw)
    assert compare(b, a, rules, **kw) == found
    return found and found.kind


# The seed cases


def test_seed_parameter_counts_are_a_discrepancy_of_1_8():
    a = more_than(1e12, id=1, written="over 1 trillion", label="VentureBeat (Feb 2026)")
    b = more_than(1.8e12, id=2, written="exceeding 1.8 trillion", label="SEO article (May 2026)")
    assert compare(b, a, QTY) == Finding(
        1,
        2,
        DISCREPANCY,
        1.8,
        'VentureBeat (Feb 2026) says "over 1 trillion"; SEO article (May 2026) says '
        '"exceeding 1.8 trillion" — 1.8× apart.',
    )


def test_seed_latest_generation_is_a_contradiction():
    rules = Rules(TEXT)
    a = ClaimFacts(id=3, value_text="Qwen3.5", label="A", text="Qwen3.5")
    b = ClaimFacts(id=4, value_text="Qwen 4.0", label="B", text="Qwen 4.0")
    assert compare(a, b, rules) == Finding(
        3,
        4,
        CONTRADICTION,
        1.0,
        'A says "Qwen3.5"; B says "Qwen 4.0" — the metric takes one value at a time.',
    )


# Interval ends: open and closed


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (more_than(100), exact(100), CONTRADICTION),
        (at_least(100), exact(100), None),
        (less_than(100), exact(100), CONTRADICTION),
        (at_most(100), exact(100), None),
        (less_than(100), more_than(100), CONTRADICTION),
        (less_than(5), more_than(5), CONTRADICTION),
        (at_most(5), at_least(5), None),
        (at_most(5), more_than(5), CONTRADICTION),
        (less_than(5), at_least(5), CONTRADICTION),
        (more_than(100), at_least(100), None),
        (less_than(100), at_most(100), None),
        (more_than(100), more_than(100), None),
        (less_than(100), less_than(100), None),
        (at_most(3), at_least(5), CONTRADICTION),
        (between(1, 5), exact(5), DISCREPANCY),
        (between(1, 5), exact(6), CONTRADICTION),
        (between(1, 5), between(5, 9), DISCREPANCY),
        (between(1, 5), between(6, 9), CONTRADICTION),
        (between(1, 5), more_than(5), CONTRADICTION),
        (between(1, 5), at_least(5), DISCREPANCY),
    ],
)
def test_interval_ends(a, b, expected):
    assert kind(a, b) == expected


def test_over_vs_exactly_the_same_figure_is_a_contradiction_of_severity_1():
    found = compare(more_than(100, label="A", written="over 100"), exact(100, written="100"), QTY)
    assert (found.kind, found.severity) == (CONTRADICTION, 1.0)
    assert found.explanation.endswith('says "100" — the figures cannot both hold.')


def test_touching_bounds_with_different_figures_are_a_discrepancy():
    found = compare(at_most(5), at_least(3), QTY)
    assert found.kind == DISCREPANCY
    assert found.severity == pytest.approx(5 / 3)


def test_contradiction_severity_uses_the_points():
    found = compare(at_most(3), at_least(6), QTY)
    assert (found.kind, found.severity) == (CONTRADICTION, 2.0)
    assert found.explanation.endswith("the figures cannot both hold, 2× apart.")


def test_different_exact_figures_are_disjoint_whatever_the_tolerance():
    found = compare(exact(27e9), exact(27.2e9), TEN_PERCENT)
    assert found.kind == CONTRADICTION
    assert found.severity == pytest.approx(27.2 / 27)


def test_float_noise_does_not_separate_equal_figures():
    assert kind(exact(0.3), exact(0.1 + 0.2)) is None
    assert kind(at_most(0.3), more_than(0.1 + 0.2)) == CONTRADICTION
    assert kind(at_least(0.1 + 0.2), at_most(0.3)) is None


# Approximate figures widen by the tolerance


def test_approximate_touching_an_exact_figure_overlaps_and_sits_at_tolerance():
    assert kind(approx(100), exact(105)) is None


def test_approximate_widening_is_symmetric_but_the_ratio_is_not():
    # 95 is inside "about 100", yet 100/95 is 1.053: more than 5% apart.
    found = compare(approx(100), exact(95), QTY)
    assert found.kind == DISCREPANCY
    assert found.severity == pytest.approx(100 / 95)


def test_approximate_beyond_its_width_is_a_contradiction():
    found = compare(approx(100), exact(105.5), QTY)
    assert found.kind == CONTRADICTION
    assert found.severity == pytest.approx(1.055)


def test_approximate_figures_that_overlap_but_differ_are_a_discrepancy():
    found = compare(approx(100), approx(108), QTY)
    assert found.kind == DISCREPANCY
    assert found.severity == pytest.approx(1.08)


def test_approximate_within_tolerance_is_nothing():
    assert kind(approx(100), approx(104)) is None


# The tolerance boundary


def test_exactly_at_tolerance_is_not_a_discrepancy():
    assert kind(at_least(100), at_least(105)) is None
    assert kind(more_than(1e12), more_than(1.05e12)) is None


def test_just_above_tolerance_is_a_discrepancy():
    found = compare(at_least(100), at_least(105.001), QTY)
    assert found.kind == DISCREPANCY
    assert found.explanation.endswith("— 1.05× apart.")


def test_float_noise_at_the_tolerance_is_not_a_discrepancy():
    assert 5.355 / 5.1 > 1.05
    assert kind(at_least(5.1), at_least(5.355)) is None


def test_tolerance_comes_from_the_metric():
    assert kind(at_least(100), at_least(108)) == DISCREPANCY
    assert kind(at_least(100), at_least(108), TEN_PERCENT) is None
    assert kind(at_least(100), at_least(111), TEN_PERCENT) == DISCREPANCY


def test_zero_tolerance_flags_any_difference():
    exact_rules = Rules(QUANTITY, tolerance=0, bound_ratio=1)
    assert kind(exact(100), approx(100.01, tol=0.01), exact_rules) == DISCREPANCY
    assert kind(at_least(100), at_least(100.01), exact_rules) == DISCREPANCY
    assert kind(at_least(100), at_least(100), exact_rules) is None


# Vague quantities


def test_vague_overlapping_a_specific_figure_is_nothing():
    millions = vague(1e6, 1e9, written="millions")
    assert kind(millions, approx(2e8)) is None
    assert kind(millions, exact(1e6)) is None
    assert kind(millions, more_than(5e8)) is None


def test_vague_disjoint_from_a_specific_figure_is_a_contradiction():
    found = compare(vague(1e3, 1e6), exact(5e9), QTY)
    assert (found.kind, found.severity) == (CONTRADICTION, 5000.0)
    assert "5,000× apart" in found.explanation


def test_vague_next_order_is_excluded():
    found = compare(vague(1e6, 1e9), exact(1e9), QTY)
    assert (found.kind, found.severity) == (CONTRADICTION, 1.0)


def test_vague_severity_uses_its_bound_nearest_the_other_claim():
    assert compare(vague(1e9, 1e12), less_than(5e6), QTY).severity == pytest.approx(200)
    assert compare(vague(1e3, 1e6), more_than(1e7), QTY).severity == pytest.approx(10)


def test_vague_against_vague():
    assert kind(vague(1e6, 1e9), vague(1e6, 1e9)) is None
    found = compare(vague(1e6, 1e9), vague(1e3, 1e6), QTY)
    assert (found.kind, found.severity) == (CONTRADICTION, 1.0)
    assert compare(vague(1e3, 1e6), vague(1e9, 1e12), QTY).severity == pytest.approx(1000)


def test_vague_is_never_a_discrepancy():
    assert kind(vague(1e6, 1e9, point=2e6), exact(5e8)) is None


# Zero and negative figures


@pytest.mark.parametrize(
    ("p", "q", "severity"),
    [(0, 5, 2.0), (-5, 5, 3.0), (-1, 100, 102.0), (-10, -20, 2.0), (5, 0, 2.0)],
)
def test_severity_across_zero_is_defined_and_finite(p, q, severity):
    assert compare(exact(p), exact(q), QTY).severity == pytest.approx(severity)


def test_negative_lower_bounds_can_be_a_discrepancy():
    found = compare(at_least(-10), at_least(-20), QTY)
    assert (found.kind, found.severity) == (DISCREPANCY, 2.0)


def test_zero_figures_agree():
    assert kind(exact(0), exact(0.0)) is None
    assert kind(at_least(0), exact(0)) is None


def test_extreme_figures_keep_a_finite_severity():
    found = compare(exact(1e-300), exact(1e300), QTY)
    assert found.kind == CONTRADICTION
    assert math.isfinite(found.severity)
    assert "e+" in found.explanation


# Time-varying metrics


def test_time_varying_claims_with_disjoint_as_of_form_a_series():
    a = exact(100, as_of_start=D(2025, 1, 1), as_of_end=D(2025, 1, 31))
    b = exact(200, as_of_start=D(2025, 6, 1), as_of_end=D(2025, 6, 30))
    assert kind(a, b, SERIES) is None
    assert kind(a, b, QTY) == CONTRADICTION


def test_time_varying_claims_with_overlapping_as_of_are_compared():
    a = exact(100, as_of_start=D(2025, 1, 1), as_of_end=D(2025, 1, 31))
    b = exact(200, as_of_start=D(2025, 1, 15), as_of_end=D(2025, 2, 15))
    assert kind(a, b, SERIES) == CONTRADICTION


def test_as_of_periods_touching_on_one_day_overlap():
    a = exact(100, as_of_start=D(2025, 1, 1), as_of_end=D(2025, 1, 31))
    b = exact(200, as_of_start=D(2025, 1, 31), as_of_end=D(2025, 1, 31))
    assert kind(a, b, SERIES) == CONTRADICTION


def test_unknown_as_of_is_compared():
    a = exact(100, as_of_start=D(2025, 1, 1), as_of_end=D(2025, 1, 31))
    assert kind(a, exact(200), SERIES) == CONTRADICTION
    assert kind(exact(100), exact(200), SERIES) == CONTRADICTION


def test_as_of_known_at_one_end_is_open_at_the_other():
    a = exact(100, as_of_start=D(2025, 1, 1), as_of_end=D(2025, 1, 31))
    since_june = exact(200, as_of_start=D(2025, 6, 1))
    until_june = exact(200, as_of_end=D(2025, 6, 1))
    assert kind(a, since_june, SERIES) is None
    assert kind(a, until_june, SERIES) == CONTRADICTION


def test_as_of_applies_to_every_value_type():
    jan = {"as_of_start": D(2025, 1, 1), "as_of_end": D(2025, 1, 31)}
    jun = {"as_of_start": D(2025, 6, 1), "as_of_end": D(2025, 6, 30)}
    for value_type, x, y in [
        (TEXT, {"text": "a"}, {"text": "b"}),
        (ENTITY, {"entity_id": 1}, {"entity_id": 2}),
        (BOOLEAN, {"boolean": True}, {"boolean": False}),
        (DATE, {"date_start": D(2020, 1, 1)}, {"date_start": D(2021, 1, 1)}),
    ]:
        rules = Rules(value_type, time_varying=True)
        assert kind(claim(**x, **jan), claim(**y, **jun), rules) is None
        assert kind(claim(**x, **jan), claim(**y, **jan), rules) == CONTRADICTION


# Multi-valued metrics


@pytest.mark.parametrize(
    ("value_type", "x", "y"),
    [
        (TEXT, {"text": "Apache 2.0"}, {"text": "MIT"}),
        (ENTITY, {"entity_id": 1}, {"entity_id": 2}),
        (BOOLEAN, {"boolean": True}, {"boolean": False}),
        (DATE, {"date_start": D(2020, 1, 1)}, {"date_start": D(2021, 1, 1)}),
        (QUANTITY, {"bound": "exact", "point": 1.0}, {"bound": "exact", "point": 9.0}),
        (QUANTITY, {"bound": "at_least", "point": 1.0}, {"bound": "at_least", "point": 9.0}),
    ],
)
def test_multi_valued_metrics_never_conflict(value_type, x, y):
    rules = Rules(value_type, single_valued=False)
    assert kind(claim(**x), claim(**y), rules) is None
    assert kind(claim(**x), claim(**y), Rules(value_type)) is not None
    assert detect([claim(**x), claim(**y)], rules) == []


# Money


def rmb_with_usd(rmb, usd, **kw):
    return exact(rmb, currency="RMB", equivalent=Money("USD", usd, usd, usd), **kw)


def test_money_in_one_currency_is_compared():
    assert kind(exact(0.8, currency="CNY"), exact(1.6, currency="CNY")) == CONTRADICTION
    assert kind(at_least(1, currency="USD"), at_least(2, currency="usd")) == DISCREPANCY


def test_rmb_and_cny_are_one_currency():
    assert kind(exact(0.8, currency="RMB"), exact(0.8, currency="CNY")) is None


def test_different_currencies_without_a_conversion_are_not_compared():
    assert kind(exact(0.8, currency="CNY"), exact(0.11, currency="USD")) is None
    assert kind(exact(0.8, currency="CNY"), exact(50, currency="USD")) is None


def test_money_is_not_compared_with_a_plain_number():
    assert kind(exact(0.8, currency="USD"), exact(80)) is None
    assert kind(exact(0.8, currency="USD"), exact(0.8)) is None


def test_the_sources_own_equivalent_bridges_currencies():
    assert kind(rmb_with_usd(0.8, 0.11), exact(0.11, currency="USD")) is None
    found = compare(rmb_with_usd(0.8, 0.11), exact(0.5, currency="USD"), QTY)
    assert found.kind == CONTRADICTION
    assert found.severity == pytest.approx(0.5 / 0.11)
    assert found.explanation.endswith(
        "4.55× apart (compared in USD using the source's own equivalent)."
    )


def test_an_equivalent_in_a_third_currency_does_not_bridge():
    a = exact(0.8, currency="CNY", equivalent=Money("EUR", 0.1, 0.1, 0.1))
    assert kind(a, exact(9, currency="USD")) is None


def test_an_equivalent_keeps_the_claims_bound():
    a = more_than(1e9, currency="CNY", equivalent=Money("USD", 1.4e8, None, 1.4e8))
    assert kind(a, exact(1.4e8, currency="USD")) == CONTRADICTION
    assert kind(a, exact(1.45e8, currency="USD")) is None
    assert kind(a, exact(2e8, currency="USD")) == DISCREPANCY
    assert kind(a, more_than(2e8, currency="USD")) == DISCREPANCY


def test_when_both_sources_give_equivalents_the_first_currency_in_order_decides():
    a = rmb_with_usd(0.8, 0.11)
    b = exact(0.12, currency="USD", equivalent=Money("CNY", 0.8, 0.8, 0.8))
    assert kind(a, b) is None
    b = exact(0.11, currency="USD", equivalent=Money("CNY", 0.9, 0.9, 0.9))
    assert "compared in CNY" in compare(a, b, QTY).explanation


def test_an_editor_rate_bridges_currencies():
    rmb, usd = exact(0.8, currency="CNY"), exact(0.5, currency="USD")
    found = compare(rmb, usd, QTY, rates={("USD", "CNY"): 7.2})
    assert found.kind == CONTRADICTION
    assert found.severity == pytest.approx(4.5)
    assert "(compared in CNY at an editor-recorded rate)" in found.explanation
    assert compare(usd, rmb, QTY, rates={("USD", "CNY"): 7.2}) == found


def test_an_editor_rate_is_used_either_way_round():
    rmb, usd = exact(0.8, currency="RMB"), exact(0.5, currency="USD")
    found = compare(rmb, usd, QTY, rates={("cny", "usd"): 1 / 7.2})
    assert found.severity == pytest.approx(4.5)
    assert kind(rmb, exact(0.8 / 7.2, currency="USD"), rates={("USD", "CNY"): 7.2}) is None


def test_unusable_or_unrelated_rates_do_not_bridge():
    rmb, usd = exact(0.8, currency="CNY"), exact(0.5, currency="USD")
    for rates in [{("EUR", "CNY"): 7.8}, {("USD", "CNY"): 0}, {("USD", "CNY"): math.nan}, {}]:
        assert kind(rmb, usd, rates=rates) is None


def test_the_sources_equivalent_wins_over_a_rate():
    rates = {("USD", "CNY"): 100.0}
    assert kind(rmb_with_usd(0.8, 0.11), exact(0.11, currency="USD"), rates=rates) is None


# Dates


def dated(start, end=None, **kw):
    return claim(date_start=start, date_end=start if end is None else end, **kw)


DATES = Rules(DATE)


def test_disjoint_dates_are_days_apart_between_nearest_ends():
    found = compare(dated(D(2026, 2, 1), D(2026, 2, 28)), dated(D(2026, 3, 5)), DATES)
    assert (found.kind, found.severity) == (CONTRADICTION, 5.0)
    assert found.explanation.endswith("— 5 days apart.")


def test_dates_35_days_apart():
    found = compare(dated(D(2026, 1, 1)), dated(D(2026, 2, 5)), DATES)
    assert found.severity == 35.0
    assert found.explanation.endswith("— 35 days apart.")


def test_adjacent_days_are_one_day_apart():
    found = compare(dated(D(2026, 2, 16)), dated(D(2026, 2, 17)), DATES)
    assert found.severity == 1.0
    assert found.explanation.endswith("— 1 day apart.")


def test_overlapping_or_touching_dates_agree():
    early_2026 = dated(D(2026, 1, 1), D(2026, 4, 30))
    assert kind(early_2026, dated(D(2026, 2, 16)), DATES) is None
    assert kind(early_2026, dated(D(2026, 4, 30), D(2026, 5, 31)), DATES) is None
    assert kind(early_2026, dated(D(2026, 1, 1), D(2026, 12, 31)), DATES) is None


def test_a_date_missing_one_end_is_a_single_day():
    assert kind(claim(date_start=D(2026, 2, 16)), dated(D(2026, 2, 17)), DATES) == CONTRADICTION
    assert kind(claim(date_end=D(2026, 2, 16)), dated(D(2026, 2, 16)), DATES) is None


def test_malformed_dates_are_not_compared():
    assert kind(claim(), dated(D(2026, 2, 16)), DATES) is None
    backwards = dated(D(2026, 3, 1), D(2026, 2, 1))
    assert kind(backwards, dated(D(2020, 1, 1)), DATES) is None


# Categorical values


def test_text_is_compared_normalized():
    rules = Rules(TEXT)
    assert kind(claim(text="Apache 2.0"), claim(text="  apache\t2.0 "), rules) is None
    assert kind(claim(text="Apache 2.0"), claim(text="MIT"), rules) == CONTRADICTION
    assert kind(claim(text="Ｑｗｅｎ３.５"), claim(text="qwen3.5"), rules) is None


def test_entities_and_booleans():
    assert kind(claim(entity_id=7), claim(entity_id=7), Rules(ENTITY)) is None
    found = compare(claim(entity_id=7), claim(entity_id=8), Rules(ENTITY))
    assert (found.kind, found.severity) == (CONTRADICTION, 1.0)
    assert kind(claim(boolean=True), claim(boolean=True), Rules(BOOLEAN)) is None
    assert kind(claim(boolean=True), claim(boolean=False), Rules(BOOLEAN)) == CONTRADICTION


def test_missing_categorical_values_are_not_compared():
    assert kind(claim(text="MIT"), claim(), Rules(TEXT)) is None
    assert kind(claim(entity_id=1), claim(), Rules(ENTITY)) is None
    assert kind(claim(boolean=False), claim(), Rules(BOOLEAN)) is None


def test_normalize_text():
    assert normalize_text("  Qwen \n 3.5\u00a0Max ") == "qwen 3.5 max"
    assert normalize_text("STRASSE") == normalize_text("straße")
    assert normalize_text("") == ""


# Malformed quantities and rules


def test_quantities_without_the_numbers_their_bound_needs_are_not_compared():
    assert kind(claim(bound="more_than"), exact(5)) is None
    assert kind(claim(bound=None, point=5.0), exact(6)) is None
    assert kind(claim(bound="vague", low=1e6), exact(5)) is None
    assert kind(vague(1e6, 1e6), exact(5)) is None
    assert kind(between(9, 1), exact(50)) is None
    assert kind(exact(math.nan), exact(5)) is None
    assert kind(exact(math.inf), exact(5)) is None


def test_missing_numbers_fall_back_to_the_point():
    assert kind(claim(bound="approximate", point=100.0), exact(101)) == CONTRADICTION
    assert kind(claim(bound="range", low=1.0, high=5.0), exact(9)) == CONTRADICTION
    assert kind(claim(bound="range", low=1.0, high=5.0), exact(2)) is None


def test_unknown_bound_or_value_type_is_a_programming_error():
    with pytest.raises(ValueError, match="bound"):
        compare(claim(bound="roughly", point=1.0), exact(2), QTY)
    with pytest.raises(ValueError, match="value type"):
        compare(exact(1), exact(2), Rules("colour"))
    with pytest.raises(ValueError, match="value type"):
        detect([], Rules("colour"))


# Identity, labels, formatting


def test_a_claim_never_conflicts_with_itself():
    a = exact(5)
    assert compare(a, a, QTY) is None
    assert compare(a, dataclasses.replace(a, point=9.0, low=9.0, high=9.0), QTY) is None


def test_identical_values_never_conflict():
    assert kind(more_than(1e12), more_than(1e12)) is None
    assert kind(vague(1e3, 1e6), vague(1e3, 1e6)) is None


def test_same_source_pairs_are_compared_like_any_other():
    assert kind(exact(1, label="KrASIA (Jan 2026)"), exact(2, label="KrASIA (Jan 2026)")) == (
        CONTRADICTION
    )


def test_label_falls_back_to_the_claim_id():
    found = compare(exact(1, id=5, written="1"), exact(2, id=9, written="2", label="B"), QTY)
    assert found.explanation.startswith('claim 5 says "1"; B says "2"')


def test_the_lower_id_comes_first():
    found = compare(exact(1, id=9, label="nine"), exact(2, id=5, label="five"), QTY)
    assert (found.a, found.b) == (5, 9)
    assert found.explanation.startswith("five says")


@pytest.mark.parametrize(
    ("q", "text"),
    [
        (1.8, "1.8×"),
        (12, "12×"),
        (1.25, "1.25×"),
        (2.5, "2.5×"),
        (99.96, "100×"),
        (250, "250×"),
        (1234, "1,234×"),
    ],
)
def test_ratios_read_plainly(q, text):
    found = compare(at_least(1), at_least(q), QTY)
    assert found.explanation.endswith(f"— {text} apart.")


def test_a_tiny_real_difference_does_not_read_as_1x():
    found = compare(at_least(1), at_least(1.0004), Rules(QUANTITY, tolerance=0, bound_ratio=1))
    assert found.explanation.endswith("— 1.0004× apart.")


# detect


def test_detect_expands_duplicate_values_to_every_pair():
    claims = [exact(1, id=1), exact(1, id=2), exact(2, id=3), exact(1, id=4)]
    found = detect(claims, QTY)
    assert [(f.a, f.b) for f in found] == [(1, 3), (2, 3), (3, 4)]
    assert all(f.kind == CONTRADICTION for f in found)


def test_detect_builds_each_pairs_own_explanation():
    claims = [exact(1, id=1, label="A"), exact(1, id=2, label="B"), exact(2, id=3, label="C")]
    found = detect(claims, QTY)
    assert [f.explanation[:1] for f in found] == ["A", "B"]


def test_detect_on_small_groups_and_generators():
    assert detect([], QTY) == []
    assert detect([exact(1)], QTY) == []
    assert len(detect((exact(v) for v in (1, 2, 3)), QTY)) == 3


def test_detect_mixed_kinds_in_one_group():
    group = [
        more_than(1e12, id=1),
        more_than(1.8e12, id=2),
        vague(1e9, 1e12, id=3),
        exact(1.5e12, id=4),
    ]
    found = {(f.a, f.b): f.kind for f in detect(group, QTY)}
    assert found == {
        (1, 2): DISCREPANCY,
        (1, 3): CONTRADICTION,
        (1, 4): DISCREPANCY,
        (2, 3): CONTRADICTION,
        (2, 4): CONTRADICTION,
        (3, 4): CONTRADICTION,
    }


def test_detect_tells_apart_claims_that_differ_only_in_their_equivalent():
    usd = exact(0.11, id=1, currency="USD")
    right, wrong = rmb_with_usd(0.8, 0.11, id=2), rmb_with_usd(0.8, 0.5, id=3)
    assert [(f.a, f.b) for f in detect([usd, right, wrong], QTY)] == [(1, 3)]


def test_detect_uses_rates():
    group = [exact(0.8, id=1, currency="CNY"), exact(0.5, id=2, currency="USD")]
    assert detect(group, QTY) == []
    assert len(detect(group, QTY, rates={("USD", "CNY"): 7.2})) == 1


# Properties

BOUNDS = ["exact", "approximate", "more_than", "at_least", "at_most", "less_than", "range"]
small = st.integers(-6, 12)
as_of_days = st.none() | st.sampled_from([D(2025, 1, 1), D(2025, 1, 31), D(2025, 6, 30)])


@st.composite
def quantity_values(draw, integers=False):
    """A quantity as the reader would store it, from a few figures so that ends touch."""
    bound = draw(st.sampled_from([*BOUNDS, "vague"]))
    a, b = sorted((draw(small), draw(small)))
    if not integers:
        a, b = a * draw(st.sampled_from([1, 0.5, 1e9])), b * draw(st.sampled_from([1, 1e9]))
        a, b = sorted((a, b))
    if bound in ("exact", "more_than", "at_least"):
        return {"bound": bound, "low": a, "high": None if bound != "exact" else a, "point": a}
    if bound in ("at_most", "less_than"):
        return {"bound": bound, "low": None, "high": b, "point": b}
    if bound == "approximate":
        return {"bound": bound, "low": a, "high": b, "point": (a + b) / 2}
    if bound == "range":
        return {"bound": bound, "low": a, "high": b, "point": (a + b) / 2}
    return {"bound": bound, "low": a, "high": b, "point": None}


@st.composite
def money(draw):
    currency = draw(st.sampled_from([None, "USD", "CNY", "RMB", "EUR"]))
    if currency is None:
        return {}
    values = {"currency": currency}
    if draw(st.booleans()):
        v = float(draw(small))
        other = draw(st.sampled_from(["USD", "CNY", "EUR"]))
        values["equivalent"] = Money(other, v, v, v)
    return values


@st.composite
def claims(draw, value_type):
    """One claim of the given value type, with an id drawn from a small range."""
    values = {"as_of_start": draw(as_of_days), "as_of_end": draw(as_of_days)}
    if value_type == QUANTITY:
        values |= draw(quantity_values()) | draw(money())
    elif value_type == DATE:
        start = D(2026, 1, 1) + datetime.timedelta(days=draw(st.integers(0, 60)))
        values |= {"date_start": start, "date_end": start + datetime.timedelta(draw(small))}
    elif value_type == TEXT:
        values["text"] = draw(st.sampled_from(["Qwen3.5", " qwen3.5", "Qwen 4.0", "MIT"]))
    elif value_type == ENTITY:
        values["entity_id"] = draw(st.integers(1, 3))
    else:
        values["boolean"] = draw(st.booleans())
    return ClaimFacts(id=draw(st.integers(1, 40)), value_text=str(values), **values)


rules_st = st.builds(
    Rules,
    value_type=st.sampled_from([QUANTITY, DATE, TEXT, ENTITY, BOOLEAN]),
    tolerance=st.sampled_from([0.0, 0.05, 0.5]),
    single_valued=st.booleans(),
    time_varying=st.booleans(),
)
rates_st = st.sampled_from([None, {("USD", "CNY"): 7.0}, {("CNY", "USD"): 0.25, ("EUR", "USD"): 2}])


@st.composite
def groups(draw):
    """A group whose claims often share a value, differing in what detect must not ignore."""
    rules = draw(rules_st)
    members = draw(st.lists(claims(rules.value_type), max_size=8, unique_by=lambda c: c.id))
    for i, original in enumerate(list(members)[:3]):
        changes = draw(
            st.fixed_dictionaries(
                {"id": st.just(100 + i), "label": st.sampled_from(["", "KrASIA"])},
                optional={
                    "equivalent": st.sampled_from([None, Money("USD", 1.0, 1.0, 1.0)]),
                    "currency": st.sampled_from(["usd", "CNY"]),
                    "as_of_start": as_of_days,
                },
            )
        )
        members.append(dataclasses.replace(original, **changes))
    return rules, members, draw(rates_st)


@given(groups())
def test_compare_is_symmetric_and_ordered(group):
    rules, members, rates = group
    for x, y in itertools.combinations(members, 2):
        found = compare(x, y, rules, rates=rates)
        assert compare(y, x, rules, rates=rates) == found
        if found:
            assert found.a == min(x.id, y.id) < found.b == max(x.id, y.id)
            assert found.kind in (CONTRADICTION, DISCREPANCY)
            assert math.isfinite(found.severity) and found.severity >= 1
            if found.kind == DISCREPANCY:
                assert rules.value_type == QUANTITY


@given(groups())
def test_identical_claims_never_conflict(group):
    rules, members, rates = group
    for x in members:
        assert compare(x, dataclasses.replace(x, id=x.id + 100), rules, rates=rates) is None


@given(groups())
def test_detect_is_every_pairwise_compare(group):
    rules, members, rates = group
    expected = [
        found
        for x, y in itertools.combinations(members, 2)
        if (found := compare(x, y, rules, rates=rates))
    ]
    assert detect(members, rules, rates=rates) == sorted(expected, key=lambda f: (f.a, f.b))


def contains(c, x):
    """Whether the quantity as written allows x, straight from DESIGN.md's table."""
    lo, hi = Fraction(c.low) if c.low is not None else None, c.high
    hi = Fraction(hi) if hi is not None else None
    return {
        "exact": lambda: x == Fraction(c.point),
        "approximate": lambda: lo <= x <= hi,
        "range": lambda: lo <= x <= hi,
        "more_than": lambda: x > lo,
        "at_least": lambda: x >= lo,
        "at_most": lambda: x <= hi,
        "less_than": lambda: x < hi,
        "vague": lambda: lo <= x < hi,
    }[c.bound]()


@settings(max_examples=400)
@given(st.data())
def test_contradiction_exactly_when_no_value_satisfies_both(data):
    x, y = (claim(**data.draw(quantity_values(integers=True)), id=i, written="q") for i in (1, 2))
    assume(all(c.bound != "vague" or c.low < c.high for c in (x, y)))
    ends = sorted({Fraction(v) for c in (x, y) for v in (c.low, c.high) if v is not None})
    candidates = [ends[0] - 1, ends[-1] + 1, *ends]
    candidates += [(p + q) / 2 for p, q in itertools.pairwise(ends)]
    overlap = any(contains(x, v) and contains(y, v) for v in candidates)
    found = compare(x, y, QTY)
    assert (found is not None and found.kind == CONTRADICTION) == (not overlap)


@given(st.data())
def test_severity_of_quantities_is_at_least_1(data):
    x, y = (claim(**data.draw(quantity_values()), id=i) for i in (1, 2))
    found = compare(x, y, QTY)
    assert found is None or found.severity >= 1


@given(
    st.floats(0.01, 1e15),
    st.floats(0, 1, exclude_max=True),
    st.sampled_from([0.0, 0.01, 0.05, 0.2]),
)
def test_discrepancy_exactly_when_lower_bounds_differ_beyond_the_bound_ratio(p, f, tolerance):
    q = p * (1 + f)
    found = compare(at_least(p), at_least(q), Rules(QUANTITY, bound_ratio=1 + tolerance))
    if q / p > (1 + tolerance) * (1 + 1e-8):
        assert found.kind == DISCREPANCY
        assert found.severity == pytest.approx(q / p)
    elif q / p < (1 + tolerance) * (1 - 1e-8):
        assert found is None


@given(st.text())
def test_normalize_text_is_idempotent_and_trimmed(s):
    once = normalize_text(s)
    assert normalize_text(once) == once
    assert once == once.strip()
    assert "  " not in once


# Open bounds: the metric's bound ratio (default 1.5)

DEFAULT = Rules(QUANTITY)


def test_open_bounds_are_flagged_only_past_the_bound_ratio():
    # DESIGN.md's three cases: 1.8x flagged; 1.19x and 1.06x are not.
    assert kind(more_than(1e12), more_than(1.8e12), DEFAULT) == DISCREPANCY
    assert kind(at_least(100), exact(119), DEFAULT) is None
    assert kind(more_than(170_000), at_least(180_000), DEFAULT) is None


def test_the_bound_ratio_comes_from_the_metric():
    assert kind(at_least(100), exact(119), Rules(QUANTITY, bound_ratio=1.1)) == DISCREPANCY
    assert kind(more_than(1e12), more_than(1.8e12), Rules(QUANTITY, bound_ratio=2)) is None


def test_two_figures_without_an_open_bound_keep_the_tolerance():
    assert kind(approx(100), approx(108), DEFAULT) == DISCREPANCY


def test_a_figure_outside_the_open_bound_keeps_the_tolerance():
    # "at most 95" does not hold 100: the intervals are disjoint, a contradiction as before.
    assert kind(at_least(100), at_most(95), DEFAULT) == CONTRADICTION


@given(st.floats(1, 1e12), st.floats(1, 3), st.floats(1.01, 2))
def test_an_open_bound_and_a_figure_inside_it_differ_exactly_past_the_ratio(p, f, ratio):
    found = compare(at_least(p, id=1), exact(p * f, id=2), Rules(QUANTITY, bound_ratio=ratio))
    if f > ratio * (1 + 1e-8):
        assert found.kind == DISCREPANCY
    elif f < ratio * (1 - 1e-8):
        assert found is None


# How a metric counts: running totals and window totals

RUNNING = Rules(QUANTITY, time_varying=True, counting="running_total")
WINDOWS = Rules(QUANTITY, time_varying=True, counting="window_total")
JAN = {"as_of_start": D(2026, 1, 1), "as_of_end": D(2026, 1, 31)}
MAR = {"as_of_start": D(2026, 3, 1), "as_of_end": D(2026, 3, 31)}


def test_a_running_total_that_falls_is_a_contradiction():
    earlier = more_than(1e9, written="over 1 billion", **JAN)
    later = exact(6e8, written="600 million", **MAR)
    found = compare(earlier, later, RUNNING)
    assert found.kind == CONTRADICTION
    assert found.severity == pytest.approx(1e9 / 6e8)
    assert "the total fell from over 1 billion (Jan 2026) to 600 million (Mar 2026)" in (
        found.explanation
    )
    assert kind(earlier, later, RUNNING) == CONTRADICTION  # either order


def test_a_rising_running_total_is_a_time_series():
    assert kind(exact(7e8, **JAN), more_than(1e9, **MAR), RUNNING) is None
    # As a level, the fall is no conflict: the periods do not overlap.
    level = Rules(QUANTITY, time_varying=True)
    assert kind(more_than(1e9, **JAN), exact(6e8, **MAR), level) is None


def test_a_later_total_that_may_equal_the_earlier_is_no_fall():
    assert kind(at_least(1e9, **JAN), at_most(1e9, **MAR), RUNNING) is None


def test_window_totals_compare_only_on_the_same_window():
    six_days = {"as_of_start": D(2026, 2, 16), "as_of_end": D(2026, 2, 21)}
    festival = {"as_of_start": D(2026, 2, 15), "as_of_end": D(2026, 3, 3)}
    orders = exact(1.2e8, written="120 million", **six_days)
    assert kind(orders, approx(2e8, written="nearly 200 million", **festival), WINDOWS) is None
    assert kind(orders, exact(2e8, **six_days), WINDOWS) == CONTRADICTION
    assert kind(approx(2e8, **festival), approx(2.2e8, **festival), WINDOWS) == DISCREPANCY
    # Windows that overlap without one holding the other are different questions.
    other = {"as_of_start": D(2026, 2, 20), "as_of_end": D(2026, 3, 10)}
    assert kind(exact(1e9, **six_days), exact(1e6, **other), WINDOWS) is None


def test_a_sub_window_total_above_its_window_is_a_contradiction():
    week = {"as_of_start": D(2026, 2, 16), "as_of_end": D(2026, 2, 22)}
    month = {"as_of_start": D(2026, 2, 1), "as_of_end": D(2026, 2, 28)}
    found = compare(exact(3e8, id=1, **week), approx(2e8, id=2, **month), WINDOWS)
    assert found.kind == CONTRADICTION
    assert found.severity == pytest.approx(1.5)
    assert "cannot exceed the total over Feb 2026" in found.explanation


day_offsets = st.integers(0, 400)


@given(day_offsets, st.integers(0, 30), day_offsets, st.integers(0, 30), st.floats(1, 1e9))
def test_running_totals_conflict_across_periods_exactly_when_the_later_is_below(s1, w1, s2, w2, v):
    base = D(2025, 1, 1)
    p1 = {
        "as_of_start": base + datetime.timedelta(s1),
        "as_of_end": base + datetime.timedelta(s1 + w1),
    }
    p2 = {
        "as_of_start": base + datetime.timedelta(s2),
        "as_of_end": base + datetime.timedelta(s2 + w2),
    }
    x, y = exact(v, id=1, **p1), exact(v * 2, id=2, **p2)
    found = kind(x, y, RUNNING)
    if p1["as_of_start"] > p2["as_of_end"]:  # x later and lower: the total fell
        assert found == CONTRADICTION
    elif p2["as_of_start"] > p1["as_of_end"]:  # y later and higher: it rose
        assert found is None
    else:  # overlapping periods: compared as one figure
        assert found == CONTRADICTION


@given(st.lists(st.tuples(day_offsets, st.integers(0, 60), st.floats(1, 1e6)), max_size=6))
def test_detect_agrees_with_compare_for_counted_metrics(rows):
    base = D(2025, 1, 1)
    claims = [
        exact(
            v,
            id=i,
            as_of_start=base + datetime.timedelta(s),
            as_of_end=base + datetime.timedelta(s + w),
        )
        for i, (s, w, v) in enumerate(rows, 1)
    ]
    for rules in (RUNNING, WINDOWS):
        pairs = {(f.a, f.b, f.kind) for f in detect(claims, rules)}
        expected = set()
        for x, y in itertools.combinations(claims, 2):
            found = compare(x, y, rules)
            if found:
                expected.add((found.a, found.b, found.kind))
        assert pairs == expected

"""Tests for claims.values: reading quantities and dates as sources write them (no database)."""

import dataclasses
import datetime
import math
import re

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from claims.values import (
    Bound,
    DatePrecision,
    DateValue,
    Quantity,
    UnreadableValue,
    format_number,
    read_date,
    read_quantity,
    short_number,
)

D = datetime.date
approx = pytest.approx


def refused(text, *, reading=read_quantity, kind="quantity", **kwargs):
    """Assert that the text is refused with a message naming it; return the exception."""
    named = re.escape(f'Cannot read "{text.strip()}" as a {kind}: ')
    with pytest.raises(UnreadableValue, match=f"^{named}") as info:
        reading(text, **kwargs)
    assert info.value.text == text.strip()
    assert str(info.value).endswith(".")
    return info.value


# --- exact figures, scales and number words ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "point"),
    [
        ("1.8T", 1.8e12),
        ("151,643", 151643),
        ("27B", 27e9),
        ("1.8 trillion", 1.8e12),
        ("1,000,000", 1e6),
        ("1.8", 1.8),
        ("0.11", 0.11),
        (".5", 0.5),
        ("30", 30),
        ("0", 0),
        ("-5", -5),
        ("−5", -5),
        ("2 thousand", 2000),
        ("1.5 million", 1.5e6),
        ("2 billion", 2e9),
        ("3 hundred", 300),
        ("1 Trillion", 1e12),
        ("2 BILLION", 2e9),
        ("1-billion", 1e9),
        ("128K", 128_000),
        ("128k", 128_000),
        ("1M", 1e6),
        ("5m", 5e6),
        ("5mn", 5e6),
        ("27b", 27e9),
        ("3bn", 3e9),
        ("3Bn", 3e9),
        ("2T", 2e12),
        ("2tn", 2e12),
        ("5万", 5e4),
        ("3亿", 3e8),
        ("1.8万亿", 1.8e12),
        ("one", 1),
        ("ten", 10),
        ("Ten", 10),
        ("twenty-five", 25),
        ("twenty five", 25),
        ("a hundred", 100),
        ("a hundred and fifty", 150),
        ("one million", 1e6),
        ("two thousand", 2000),
        ("one million two hundred thousand", 1.2e6),
        ("half a million", 5e5),
        ("half a dozen", 6),
        ("a billion", 1e9),
        ("an hundred", 100),
        ("a dozen", 12),
        ("two dozen", 24),
        ("zero", 0),
    ],
)
def test_exact_figures(text, point):
    quantity = read_quantity(text)
    assert quantity == Quantity(text, Bound.EXACT, point, point, point, None)
    assert isinstance(quantity.point, float)


def test_decimal_scales_do_not_drift():
    assert read_quantity("284.8B").point == 284.8e9
    assert read_quantity("0.1 billion").point == 1e8
    assert read_quantity("1.1T").point == 1.1e12


# --- bounds -----------------------------------------------------------------------------------

APPROXIMATE = ["nearly", "about", "around", "approximately", "approx.", "roughly", "almost"]
APPROXIMATE += ["close to", "some", "an estimated", "circa", "Nearly", "ABOUT"]


@pytest.mark.parametrize("text", [f"{word} 400" for word in APPROXIMATE] + ["~400", "~ 400"])
def test_approximate_widens_by_the_tolerance(text):
    quantity = read_quantity(text)
    assert quantity.bound is Bound.APPROXIMATE
    assert (quantity.low, quantity.point, quantity.high) == approx((380, 400, 420))


@pytest.mark.parametrize(
    ("text", "point", "unit"),
    [
        ("about 30%", 30, "%"),
        ("~70B", 70e9, None),
        ("≈70B", 70e9, None),
        ("nearly 200 million", 2e8, None),
        ("30-odd", 30, None),
        ("thirty-odd years", 30, "years"),
        ("400 or so", 400, None),
    ],
)
def test_approximate_forms(text, point, unit):
    quantity = read_quantity(text, tolerance=0.1)
    assert (quantity.bound, quantity.point, quantity.unit) == (Bound.APPROXIMATE, point, unit)
    assert (quantity.low, quantity.high) == approx((point * 0.9, point * 1.1))


def test_approximate_negative_figure_stays_ordered():
    quantity = read_quantity("about -10%")
    assert (quantity.low, quantity.point, quantity.high) == approx((-10.5, -10, -9.5))


def test_zero_tolerance_collapses_approximate():
    quantity = read_quantity("about 5", tolerance=0)
    assert quantity.low == quantity.point == quantity.high == 5


@pytest.mark.parametrize("tolerance", [-0.01, 1, 1.5, math.nan, math.inf, True])
def test_tolerance_must_be_in_range(tolerance):
    with pytest.raises(ValueError, match="tolerance"):
        read_quantity("5", tolerance=tolerance)


BOUND_WORDS = {
    Bound.MORE_THAN: "over|exceeding|more than|above|greater than|beyond|in excess of|well over",
    Bound.AT_LEAST: "at least|no less than|no fewer than|a minimum of",
    Bound.AT_MOST: "up to|at most|no more than|a maximum of|as many as",
    Bound.LESS_THAN: "under|less than|below|fewer than|just under",
}
BOUND_CASES = [(f"{w} 1.8 trillion", b) for b, ws in BOUND_WORDS.items() for w in ws.split("|")]
BOUND_CASES += [("1.8T+", Bound.AT_LEAST), ("1.8 trillion or more", Bound.AT_LEAST)]
BOUND_CASES += [("1.8 trillion or less", Bound.AT_MOST), ("1.8T or fewer", Bound.AT_MOST)]


@pytest.mark.parametrize(("text", "bound"), BOUND_CASES)
def test_one_sided_bounds(text, bound):
    quantity = read_quantity(text)
    lower = bound in (Bound.MORE_THAN, Bound.AT_LEAST)
    expected = (1.8e12, None) if lower else (None, 1.8e12)
    assert (quantity.bound, quantity.point, (quantity.low, quantity.high)) == (
        bound,
        1.8e12,
        expected,
    )


@pytest.mark.parametrize(
    ("text", "bound", "point", "unit"),
    [
        ("over 1 trillion parameters", Bound.MORE_THAN, 1e12, "parameters"),
        ("exceeding 1.8 trillion", Bound.MORE_THAN, 1.8e12, None),
        ("180,000+", Bound.AT_LEAST, 180_000, None),
        ("180,000+ derivative models", Bound.AT_LEAST, 180_000, "derivative models"),
        ("180K+", Bound.AT_LEAST, 180_000, None),
        ("1T+", Bound.AT_LEAST, 1e12, None),
        ("100+ languages", Bound.AT_LEAST, 100, "languages"),
        ("more than 180,000 derivative models", Bound.MORE_THAN, 180_000, "derivative models"),
        ("up to 19 times", Bound.AT_MOST, 19, "×"),
        ("up to 2 million tokens", Bound.AT_MOST, 2e6, "tokens"),
        ("over $100B", Bound.MORE_THAN, 1e11, "USD"),
        ("under 5%", Bound.LESS_THAN, 5, "%"),
        ("30%+", Bound.AT_LEAST, 30, "%"),
    ],
)
def test_seed_phrasings(text, bound, point, unit):
    quantity = read_quantity(text)
    assert (quantity.bound, quantity.point, quantity.unit) == (bound, point, unit)


@pytest.mark.parametrize(
    ("text", "low", "high", "unit"),
    [
        ("between 5 and 7", 5, 7, None),
        ("Between 5 and 7 apples", 5, 7, "apples"),
        ("5–7", 5, 7, None),
        ("5 – 7", 5, 7, None),
        ("5—7", 5, 7, None),
        ("5-7", 5, 7, None),
        ("5 - 7", 5, 7, None),
        ("5 to 7", 5, 7, None),
        ("from 5 to 7", 5, 7, None),
        ("-10 to -5", -10, -5, None),
        ("1–2 billion", 1e9, 2e9, None),
        ("1.5-2 billion", 1.5e9, 2e9, None),
        ("500 million–1 billion", 5e8, 1e9, None),
        ("one to two million", 1e6, 2e6, None),
        ("$10-20 million", 1e7, 2e7, "USD"),
        ("$10M-$20M", 1e7, 2e7, "USD"),
        ("RMB 10–20 billion", 1e10, 2e10, "CNY"),
        ("10–20 billion yuan", 1e10, 2e10, "CNY"),
        ("10–20%", 10, 20, "%"),
        ("10%-20%", 10, 20, "%"),
        ("between 10% and 20%", 10, 20, "%"),
        ("2-3x", 2, 3, "×"),
        ("5–5", 5, 5, None),
        ("100-200 derivative models", 100, 200, "derivative models"),
    ],
)
def test_ranges(text, low, high, unit):
    assert read_quantity(text) == Quantity(text, Bound.RANGE, low, high, (low + high) / 2, unit)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("7–5", "high to low"),
        ("2–1 billion", "high to low"),
        ("between 7 and 5", "high to low"),
        ("200,000–1 million", "high to low"),  # a shared scale makes it 200 billion–1 million
        ("about 5–7", "range cannot also carry a bound"),
        ("over 5 to 7", "range cannot also carry a bound"),
        ("5+–7", "range cannot also carry a bound"),
        ("5 apples–7 apples", "only the second figure"),
        ("$5–7%", "USD and %"),
        ("1–2–3", "more than two figures"),
    ],
)
def test_bad_ranges_are_refused(text, reason):
    assert reason in refused(text).reason


@pytest.mark.parametrize(
    ("text", "low", "high", "unit"),
    [
        ("millions", 1e6, 1e9, None),
        ("thousands", 1e3, 1e6, None),
        ("hundreds", 1e2, 1e3, None),
        ("billions", 1e9, 1e12, None),
        ("trillions", 1e12, 1e15, None),
        ("tens of thousands", 1e4, 1e5, None),
        ("hundreds of thousands", 1e5, 1e6, None),
        ("tens of millions", 1e7, 1e8, None),
        ("hundreds of millions", 1e8, 1e9, None),
        ("Millions of orders", 1e6, 1e9, "orders"),
        ("tens of thousands of downloads", 1e4, 1e5, "downloads"),
        ("billions of dollars", 1e9, 1e12, "USD"),
        ("millions of yuan", 1e6, 1e9, "CNY"),
    ],
)
def test_vague_plurals(text, low, high, unit):
    assert read_quantity(text) == Quantity(text, Bound.VAGUE, low, high, None, unit)


@pytest.mark.parametrize("text", ["about millions", "over thousands", "hundreds of hundreds"])
def test_vague_with_a_bound_is_refused(text):
    refused(text)


def test_two_bounds_are_refused():
    assert "more than one bound" in refused("over 180,000+").reason
    assert "more than one bound" in refused("about 30-odd").reason
    assert "more than one bound" in refused("at least 5 or more").reason


# --- percentages, multipliers, currencies, units ----------------------------------------------


@pytest.mark.parametrize(
    ("text", "point", "unit"),
    [
        ("30%", 30, "%"),
        ("30 %", 30, "%"),
        ("30 percent", 30, "%"),
        ("30 per cent", 30, "%"),
        ("-5%", -5, "%"),
        ("0.5%", 0.5, "%"),
        ("5pp", 5, "%"),
        ("5 percentage points", 5, "%"),
        ("6×", 6, "×"),
        ("6 ×", 6, "×"),
        ("6x", 6, "×"),
        ("6X", 6, "×"),
        ("1.5x", 1.5, "×"),
        ("19 times", 19, "×"),
        ("tenfold", 10, "×"),
        ("ten-fold", 10, "×"),
        ("6-fold", 6, "×"),
        ("6fold", 6, "×"),
    ],
)
def test_percentages_and_multipliers(text, point, unit):
    assert read_quantity(text) == Quantity(text, Bound.EXACT, point, point, point, unit)


@pytest.mark.parametrize(
    ("text", "point", "unit"),
    [
        ("$100B", 1e11, "USD"),
        ("US$100 billion", 1e11, "USD"),
        ("USD 0.11", 0.11, "USD"),
        ("USD0.11", 0.11, "USD"),
        ("0.11 USD", 0.11, "USD"),
        ("RMB 0.8", 0.8, "CNY"),
        ("0.8 RMB", 0.8, "CNY"),
        ("CNY 2", 2, "CNY"),
        ("¥2", 2, "CNY"),
        ("CN¥2", 2, "CNY"),
        ("JP¥500", 500, "JPY"),
        ("€5", 5, "EUR"),
        ("EUR 5", 5, "EUR"),
        ("HK$5", 5, "HKD"),
        ("HKD 5", 5, "HKD"),
        ("£5", 5, "GBP"),
        ("GBP 5", 5, "GBP"),
        ("100 yuan", 100, "CNY"),
        ("100元", 100, "CNY"),
        ("3 dollars", 3, "USD"),
        ("3 US dollars", 3, "USD"),
        ("5 euros", 5, "EUR"),
        ("100 yen", 100, "JPY"),
        ("10 billion yuan", 1e10, "CNY"),
        ("RMB 284.8 billion", 284.8e9, "CNY"),
        ("$42.5 billion", 42.5e9, "USD"),
        ("-$5", -5, "USD"),
        ("$5 USD", 5, "USD"),
        ("RMB 0.8 per million tokens", 0.8, "CNY"),
    ],
)
def test_currencies(text, point, unit):
    assert read_quantity(text) == Quantity(text, Bound.EXACT, point, point, point, unit)


def test_equivalent_in_parentheses():
    quantity = read_quantity("RMB 0.8 (USD 0.11)")
    usd = Quantity("USD 0.11", Bound.EXACT, 0.11, 0.11, 0.11, "USD")
    assert quantity == Quantity("RMB 0.8 (USD 0.11)", Bound.EXACT, 0.8, 0.8, 0.8, "CNY", usd)


@pytest.mark.parametrize(
    ("text", "main", "equivalent", "bound"),
    [
        ("RMB 0.8 (USD 0.11) per million tokens", 0.8, 0.11, Bound.EXACT),
        ("RMB 284.8 billion (approximately USD 40 billion)", 284.8e9, 40e9, Bound.APPROXIMATE),
        ("RMB 40B (~$5.5B)", 40e9, 5.5e9, Bound.APPROXIMATE),
        ("RMB 40B ( over $5.5B )", 40e9, 5.5e9, Bound.MORE_THAN),
    ],
)
def test_equivalents_use_the_same_bound_rules(text, main, equivalent, bound):
    quantity = read_quantity(text)
    assert (quantity.point, quantity.unit, quantity.equivalent.point) == (main, "CNY", equivalent)
    assert quantity.equivalent.unit == "USD" and quantity.equivalent.bound is bound
    assert quantity.equivalent.equivalent is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("RMB 0.8 (0.11)", "no currency"),
        ("RMB 0.8 (about 11%)", "no currency"),
        ("RMB 0.8 ()", "no currency"),
        ("RMB 0.8 (RMB 0.8)", "same currency"),
        ("0.8 (USD 0.11)", "only money"),
        ("RMB 0.8 (USD 0.11", "parentheses"),
        ("RMB 0.8 ((USD 0.11))", "parentheses"),
        ("RMB 0.8 (USD 0.11) (EUR 0.1)", "parentheses"),
        ("XYZ 5", 'currency "XYZ" is unknown'),
        ("ABC5", 'currency "ABC" is unknown'),
        ("A$5", 'currency "A$" is unknown'),
        ("RMB 0.8 (XYZ 0.11)", 'currency "XYZ" is unknown'),
        ("$5 yuan", "two currencies"),
        ("$5%", "mixes the currency USD with %"),
        ("$100B revenue", "not a unit"),
    ],
)
def test_bad_money_is_refused(text, reason):
    assert reason in refused(text).reason


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("151,643 tokens", "tokens"),
        ("1B downloads", "downloads"),
        ("100 million monthly active users", "monthly active users"),
        ("1 Trillion Parameters", "parameters"),
        ("1  billion \t derivative   models", "derivative models"),
        ("2,000 people", "people"),
        ("90,000+ enterprises", "enterprises"),
        ("60 tokens per second", "tokens per second"),
        ("5 open-weight models", "open-weight models"),
    ],
)
def test_unit_words(text, unit):
    assert read_quantity(text).unit == unit


@pytest.mark.parametrize(
    ("text", "stored", "point"),
    [
        ('"1.8T."', '"1.8T."', 1.8e12),
        ("  151,643,  ", "151,643,", 151643),
        ("“over 1 trillion”;", "“over 1 trillion”;", 1e12),
        ("…about 5!", "…about 5!", 5),
    ],
)
def test_edge_punctuation_and_whitespace_are_ignored(text, stored, point):
    quantity = read_quantity(text)
    assert (quantity.text, quantity.point) == (stored, point)


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "the text is empty"),
        ("   ", "the text is empty"),
        ("...", "no figure found"),
        ("lots", "no figure found"),
        ("lots of", "no figure found"),
        ("a", "no figure found"),
        ("a trillion-ish of things", "not a unit"),
        ("5 and 7 apples", "more than one figure"),
        ("5, 7", "more than one figure"),
        ("1,00", "not a well-formed number"),
        ("1.2.3", "not a well-formed number"),
        ("5QB", "not a unit"),
        ("5 M", "not a unit"),
        ("5 x", "not a unit"),
        ("27B MoE", "not a unit"),
        ("2 billions", "not a unit"),
        ("6× token growth", "not a unit"),
        ("30% of users", "not a unit"),
        ("5apples", "not a unit"),
        ("five twenty", "not a number"),
        ("twenty ten", "not a number"),
        ("one million million", "not a number"),
        ("half a", "no figure found"),
        ("1.8e12", "scientific notation"),
        ("9" * 400, "out of range"),
        ("0." + "0" * 400 + "1", "out of range"),
        ("millions of", "no figure found"),
    ],
)
def test_unreadable_text_is_refused(text, reason):
    assert reason in refused(text).reason


def test_refusal_message_matches_the_documented_form():
    with pytest.raises(UnreadableValue) as info:
        read_quantity("lots of")
    assert str(info.value) == 'Cannot read "lots of" as a quantity: no figure found.'
    assert isinstance(info.value, ValueError)


def test_non_text_is_a_type_error():
    with pytest.raises(TypeError):
        read_quantity(5)


# --- formatting -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (1.8e12, "1.8 trillion"),
        (151643, "151,643"),
        (0.11, "0.11"),
        (2.5e6, "2.5 million"),
        (30, "30"),
        (30.0, "30"),
        (0, "0"),
        (-0.0, "0"),
        (1e6, "1 million"),
        (284.8e9, "284.8 billion"),
        (5e11, "500 billion"),
        (1234567, "1,234,567"),
        (1234.5, "1,234.5"),
        (-1.8e12, "-1.8 trillion"),
        (1e18, "1,000,000 trillion"),
        (1e-7, "0.0000001"),
    ],
)
def test_format_number(value, written):
    assert format_number(value) == written


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (1.8e12, "1.8T"),
        (1e8, "100M"),
        (151643, "151.6K"),
        (284.8e9, "284.8B"),
        (0.11, "0.11"),
        (30, "30"),
        (0, "0"),
        (12.34, "12.3"),
        (999.96, "1K"),
        (999_960, "1M"),
        (0.001234, "0.0012"),
        (-2.5e6, "-2.5M"),
        (1e15, "1,000T"),
    ],
)
def test_short_number(value, written):
    assert short_number(value) == written


@pytest.mark.parametrize("function", [format_number, short_number])
@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, True])
def test_formatting_refuses_non_figures(function, value):
    with pytest.raises(ValueError):
        function(value)


# --- properties -------------------------------------------------------------------------------

finite = st.floats(allow_nan=False, allow_infinity=False)
scales = st.sampled_from([1, 10**3, 10**6, 10**9, 10**12])
one_decimal_scaled = st.builds(
    lambda tenths, scale: tenths * scale / 10, st.integers(0, 99_999), scales
)
tolerances = st.floats(min_value=0, max_value=0.99)


@given(st.one_of(st.integers(-(10**18), 10**18), one_decimal_scaled, finite))
@example(1.8e12)
@example(0.1 + 0.2)
@example(5e-324)
@example(1.7976931348623157e308)
def test_format_number_round_trips(value):
    quantity = read_quantity(format_number(value))
    assert quantity.bound is Bound.EXACT and quantity.unit is None
    assert quantity.point == float(value)


@given(finite.filter(lambda v: v != 0 and 1e-300 < abs(v) < 1e300))
def test_short_number_is_close(value):
    assert read_quantity(short_number(value)).point == approx(value, rel=0.05 + 1e-9)


PREFIXES = ["", "about ", "~", "over ", "at least ", "up to ", "under ", "between 1 and "]
SUFFIXES = ["", "+", " parameters", "%", "×", " or more"]


@given(
    st.sampled_from(PREFIXES),
    st.one_of(st.integers(1, 10**15), one_decimal_scaled.filter(bool)),
    st.sampled_from(SUFFIXES),
    tolerances,
)
def test_low_point_high_are_ordered(prefix, value, suffix, tolerance):
    try:
        quantity = read_quantity(f"{prefix}{format_number(value)}{suffix}", tolerance=tolerance)
    except UnreadableValue:
        return  # combinations such as "about 5+" are refused, as they should be
    bounds = [v for v in (quantity.low, quantity.point, quantity.high) if v is not None]
    assert bounds == sorted(bounds) and quantity.point is not None
    assert quantity.point == float(value) or quantity.bound is Bound.RANGE


@given(st.one_of(finite.filter(lambda v: abs(v) < 1e300), one_decimal_scaled), tolerances)
def test_approximate_widens_symmetrically(value, tolerance):
    quantity = read_quantity(f"about {format_number(value)}", tolerance=tolerance)
    rounding = 4 * math.ulp(value)
    assert quantity.high - quantity.point == approx(quantity.point - quantity.low, abs=rounding)
    assert quantity.high - quantity.low == approx(2 * abs(value) * tolerance, abs=rounding)
    assert quantity.low <= quantity.point == value <= quantity.high


@given(one_decimal_scaled, one_decimal_scaled)
def test_range_point_is_the_midpoint(a, b):
    low, high = sorted((a, b))
    left, right = format_number(low), format_number(high)
    # A scale word on the second figure only is shared ("1–2 million"); see test_ranges.
    assume(" " in left or " " not in right)
    quantity = read_quantity(f"between {left} and {right}")
    assert (quantity.low, quantity.high, quantity.point) == (low, high, (low + high) / 2)


def reads_or_is_refused(text):
    """Any text either reads into a consistent quantity or is refused naming it; nothing else."""
    try:
        quantity = read_quantity(text)
    except UnreadableValue as exc:
        assert exc.text == text.strip() and f'"{text.strip()}"' in str(exc)
        return
    assert (quantity.point is None) == (quantity.bound is Bound.VAGUE)
    numbers = [v for v in (quantity.low, quantity.point, quantity.high) if v is not None]
    assert numbers == sorted(numbers) and all(math.isfinite(v) for v in numbers)
    assert quantity.equivalent is None or quantity.equivalent.unit != quantity.unit


@given(st.text(max_size=40))
@example("RMB 0.8 (USD 0.11)")
@example("between 5 and")
@example("(")
def test_any_text_reads_or_is_refused(text):
    reads_or_is_refused(text)


TOKENS = "5 1.8 1,000 0 - – + % × x $ RMB USD XYZ ( ) about over between and to from million B K"
TOKENS += " one a half dozen fold odd per tokens millions of tens or more , . ~ 万 e"


@given(st.lists(st.sampled_from(TOKENS.split()), max_size=8), st.sampled_from(["", " "]))
@example(["RMB", "5", "(", "USD", "1", ")", "per", "tokens"], " ")
def test_token_soup_reads_or_is_refused(tokens, glue):
    reads_or_is_refused(glue.join(tokens))


def test_quantity_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        read_quantity("5").point = 6


def test_enums_hold_the_stored_strings():
    assert [b.value for b in Bound] == [
        "exact",
        "approximate",
        "more_than",
        "at_least",
        "at_most",
        "less_than",
        "range",
        "vague",
    ]
    assert [p.value for p in DatePrecision] == [
        "day",
        "month",
        "quarter",
        "year",
        "range",
        "unknown",
    ]
    assert Bound("more_than") is Bound.MORE_THAN and Bound.MORE_THAN == "more_than"


# --- dates ------------------------------------------------------------------------------------

SOURCE_DATE = D(2026, 3, 28)
MONTH_NAMES = "January February March April May June July August September October November"
MONTH_NAMES = [*MONTH_NAMES.split(), "December"]
DAY, MONTH, QUARTER, YEAR, RANGE = (
    DatePrecision.DAY,
    DatePrecision.MONTH,
    DatePrecision.QUARTER,
    DatePrecision.YEAR,
    DatePrecision.RANGE,
)


@pytest.mark.parametrize(
    ("text", "start", "end", "precision"),
    [
        ("2026-02-16", D(2026, 2, 16), D(2026, 2, 16), DAY),
        ("February 16, 2026", D(2026, 2, 16), D(2026, 2, 16), DAY),
        ("16 February 2026", D(2026, 2, 16), D(2026, 2, 16), DAY),
        ("Feb 16 2026", D(2026, 2, 16), D(2026, 2, 16), DAY),
        ("Feb. 16, 2026", D(2026, 2, 16), D(2026, 2, 16), DAY),
        ("February 16th, 2026", D(2026, 2, 16), D(2026, 2, 16), DAY),
        ("16th of February 2026", D(2026, 2, 16), D(2026, 2, 16), DAY),
        ("Monday, February 16, 2026", D(2026, 2, 16), D(2026, 2, 16), DAY),
        ("Sept 1, 2025", D(2025, 9, 1), D(2025, 9, 1), DAY),
        ("February 2026", D(2026, 2, 1), D(2026, 2, 28), MONTH),
        ("Feb 2028", D(2028, 2, 1), D(2028, 2, 29), MONTH),
        ("2026-02", D(2026, 2, 1), D(2026, 2, 28), MONTH),
        ("December, 2025", D(2025, 12, 1), D(2025, 12, 31), MONTH),
        ("Q1 2026", D(2026, 1, 1), D(2026, 3, 31), QUARTER),
        ("q4 2025", D(2025, 10, 1), D(2025, 12, 31), QUARTER),
        ("2026 Q2", D(2026, 4, 1), D(2026, 6, 30), QUARTER),
        ("first quarter of 2026", D(2026, 1, 1), D(2026, 3, 31), QUARTER),
        ("the third quarter of 2025", D(2025, 7, 1), D(2025, 9, 30), QUARTER),
        ("3rd quarter 2025", D(2025, 7, 1), D(2025, 9, 30), QUARTER),
        ("2025", D(2025, 1, 1), D(2025, 12, 31), YEAR),
        ("2025.", D(2025, 1, 1), D(2025, 12, 31), YEAR),
        ("early 2026", D(2026, 1, 1), D(2026, 4, 30), RANGE),
        ("Early 2026", D(2026, 1, 1), D(2026, 4, 30), RANGE),
        ("start of 2026", D(2026, 1, 1), D(2026, 4, 30), RANGE),
        ("mid 2026", D(2026, 5, 1), D(2026, 8, 31), RANGE),
        ("mid-2026", D(2026, 5, 1), D(2026, 8, 31), RANGE),
        ("middle of 2026", D(2026, 5, 1), D(2026, 8, 31), RANGE),
        ("late 2026", D(2026, 9, 1), D(2026, 12, 31), RANGE),
        ("end of 2026", D(2026, 9, 1), D(2026, 12, 31), RANGE),
        ("the end of 2026", D(2026, 9, 1), D(2026, 12, 31), RANGE),
        ("H1 2026", D(2026, 1, 1), D(2026, 6, 30), RANGE),
        ("first half of 2026", D(2026, 1, 1), D(2026, 6, 30), RANGE),
        ("H2 2026", D(2026, 7, 1), D(2026, 12, 31), RANGE),
        ("2nd half of 2026", D(2026, 7, 1), D(2026, 12, 31), RANGE),
        ("early February 2026", D(2026, 2, 1), D(2026, 2, 10), RANGE),
        ("mid-February 2026", D(2026, 2, 11), D(2026, 2, 20), RANGE),
        ("late February 2026", D(2026, 2, 21), D(2026, 2, 28), RANGE),
        ("March 22–28, 2026", D(2026, 3, 22), D(2026, 3, 28), RANGE),
        ("March 22-28, 2026", D(2026, 3, 22), D(2026, 3, 28), RANGE),
        ("March 11–24, 2026", D(2026, 3, 11), D(2026, 3, 24), RANGE),
        ("March 20 – April 2, 2026", D(2026, 3, 20), D(2026, 4, 2), RANGE),
        ("March 20-April 2, 2026", D(2026, 3, 20), D(2026, 4, 2), RANGE),
        ("22–28 March 2026", D(2026, 3, 22), D(2026, 3, 28), RANGE),
        ("December 28, 2025 – January 3, 2026", D(2025, 12, 28), D(2026, 1, 3), RANGE),
        ("2026-02-16 to 2026-02-20", D(2026, 2, 16), D(2026, 2, 20), RANGE),
        ("between February 2026 and April 2026", D(2026, 2, 1), D(2026, 4, 30), RANGE),
        ("from March 1 to March 5, 2026", D(2026, 3, 1), D(2026, 3, 5), RANGE),
        ("2021-2026", D(2021, 1, 1), D(2026, 12, 31), RANGE),
        ("2021 – 2026", D(2021, 1, 1), D(2026, 12, 31), RANGE),
        ("Q1–Q3 2026", D(2026, 1, 1), D(2026, 9, 30), RANGE),
        ("early 2025 – mid 2026", D(2025, 1, 1), D(2026, 8, 31), RANGE),
    ],
)
def test_dates(text, start, end, precision):
    assert read_date(text) == DateValue(text, start, end, precision)
    assert read_date(text, context=D(1999, 1, 1)) == read_date(text)  # a stated year wins


@pytest.mark.parametrize(
    ("text", "start", "end", "precision"),
    [
        ("February 16", D(2026, 2, 16), D(2026, 2, 16), DAY),
        ("Feb. 16", D(2026, 2, 16), D(2026, 2, 16), DAY),
        ("16 Feb", D(2026, 2, 16), D(2026, 2, 16), DAY),
        ("February", D(2026, 2, 1), D(2026, 2, 28), MONTH),
        ("Q3", D(2026, 7, 1), D(2026, 9, 30), QUARTER),
        ("mid-March", D(2026, 3, 11), D(2026, 3, 20), RANGE),
        ("March 22–28", D(2026, 3, 22), D(2026, 3, 28), RANGE),
        ("March 20 – April 2", D(2026, 3, 20), D(2026, 4, 2), RANGE),
    ],
)
def test_dates_take_the_year_from_the_context(text, start, end, precision):
    assert read_date(text, context=SOURCE_DATE) == DateValue(text, start, end, precision)
    assert "the year is unknown" in refused(text, reading=read_date, kind="date").reason


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "the text is empty"),
        ("February 30, 2026", "February 2026 has no day 30"),
        ("2026-02-30", "February 2026 has no day 30"),
        ("2026-13", "there is no month 13"),
        ("0000", "year 0 is out of range"),
        ("Sunday, February 16, 2026", "February 16, 2026 is a Monday"),
        ("Monday, February 2026", "weekday"),
        ("16", "the day has no month"),
        ("March 28 – March 22, 2026", "ends before it starts"),
        ("2026–2025", "ends before it starts"),
        ("Q3 FY2026", "fiscal years"),
        ("FY2026", "fiscal years"),
        ("yesterday", "no date found"),
        ("Feb 26/27, 2026", "no date found"),
        ("Published: March 28, 2026", "no date found"),
        ("as of early 2026", "no date found"),
        ("Q5 2026", "no date found"),
        ("third half of 2026", "no date found"),
        ("2026-02-16-2026-02-20", "no date found"),
    ],
)
def test_unreadable_dates_are_refused(text, reason):
    assert reason in refused(text, reading=read_date, kind="date", context=SOURCE_DATE).reason


def test_context_must_be_a_date():
    with pytest.raises(TypeError):
        read_date("February 16", context="2026-03-28")


@given(st.dates(min_value=D(1000, 1, 1)))
def test_written_days_read_back(day):
    for text in (day.isoformat(), f"{MONTH_NAMES[day.month - 1]} {day.day}, {day.year}"):
        assert read_date(text) == DateValue(text, day, day, DAY)


@given(st.dates(min_value=D(1000, 1, 1)))
def test_periods_contain_their_days(day):
    quarter = read_date(f"Q{(day.month - 1) // 3 + 1} {day.year}")
    month = read_date(f"{day.year}-{day.month:02d}")
    for span in (quarter, month, read_date(str(day.year))):
        assert span.start <= day <= span.end
    assert month.start.day == 1 and (month.end + datetime.timedelta(days=1)).day == 1


@given(st.text(max_size=30), st.none() | st.dates())
def test_any_text_reads_as_a_date_or_is_refused(text, context):
    try:
        value = read_date(text, context=context)
    except UnreadableValue as exc:
        assert exc.text == text.strip()
        return
    assert value.start <= value.end

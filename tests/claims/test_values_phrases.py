"""Figure phrases found in the seed texts, each with the reading a careful editor expects.

Only the short figure phrases are kept here (never the sentences around them): quantities as
``read_quantity`` reads them, dates as ``read_date`` reads them with the source's date as
context, and as-of phrases as ``read_as_of`` reads them against the source that writes them.
"""

import datetime

import pytest

from claims.values import (
    Bound,
    DatePrecision,
    ProjectedPeriod,
    UnreadableValue,
    read_as_of,
    read_date,
    read_quantity,
)

D = datetime.date
TOLERANCE = 0.05

# (phrase, bound, point, unit); for a vague amount the point is (floor, ceiling).
QUANTITIES = [
    ("up to one million tokens", "at_most", 1e6, "tokens"),
    ("over 1 trillion parameters", "more_than", 1e12, "parameters"),
    ("over 1 trillion", "more_than", 1e12, None),
    ("1 Trillion Parameters", "exact", 1e12, "parameters"),
    ("1T+ params", "at_least", 1e12, "params"),
    ("$100B", "exact", 1e11, "USD"),
    ("$53B", "exact", 5.3e10, "USD"),
    ("6×", "exact", 6, "×"),
    ("1 billion", "exact", 1e9, None),
    ("1 billion cumulative downloads", "exact", 1e9, "cumulative downloads"),
    ("1 billion total downloads", "exact", 1e9, "total downloads"),
    ("1B downloads", "exact", 1e9, "downloads"),
    ("180,000+", "at_least", 180_000, None),
    ("180,000+ models", "at_least", 180_000, "models"),
    ("180K+ derivative models", "at_least", 180_000, "derivative models"),
    ("more than 180,000 derivative models", "more_than", 180_000, "derivative models"),
    ("180,000 derivative models", "exact", 180_000, "derivative models"),
    ("180,000+ derivative model builders", "at_least", 180_000, "derivative model builders"),
    ("90,000+ enterprises", "at_least", 90000, "enterprises"),
    ("RMB 284.8 billion", "exact", 2.848e11, "CNY"),
    ("57%", "exact", 57, "%"),
    ("66%", "exact", 66, "%"),
    ("56%", "exact", 56, "%"),
    ("RMB 20.8 billion", "exact", 2.08e10, "CNY"),
    ("RMB 100 billion", "exact", 1e11, "CNY"),
    ("surpassed RMB 100 billion", "more_than", 1e11, "CNY"),
    ("$42.5 billion", "exact", 4.25e10, "USD"),
    ("above $60B", "more_than", 6e10, "USD"),
    ("$60B", "exact", 6e10, "USD"),
    ("470,000", "exact", 470_000, None),
    ("470,000 chips", "exact", 470_000, "chips"),
    ("over 60%", "more_than", 60, "%"),
    ("400+", "at_least", 400, None),
    ("400+ enterprise clients", "at_least", 400, "enterprise clients"),
    ("RMB 10 billion", "exact", 1e10, "CNY"),
    ("100+ language", "at_least", 100, "language"),
    ("100+", "at_least", 100, None),
    ("27B", "exact", 2.7e10, None),
    ("35B", "exact", 3.5e10, None),
    ("122B", "exact", 1.22e11, None),
    ("hundreds of thousands", "vague", (100_000, 1e6), None),
    ("nearly 400 Qwen models", "approximate", 400, "qwen models"),
    ("nearly 400", "approximate", 400, None),
    ("approximately 30%", "approximate", 30, "%"),
    ("100 million monthly active users", "exact", 1e8, "monthly active users"),
    ("surpassed 100 million monthly active users", "more_than", 1e8, "monthly active users"),
    ("nearly 200 million", "approximate", 2e8, None),
    ("1-billion download", "exact", 1e9, "download"),
    ("more than 2,000 people", "more_than", 2000, "people"),
    ("2,000", "exact", 2000, None),
    ("60%", "exact", 60, "%"),
    ("up to 19 times", "at_most", 19, "×"),
    ("19 times", "exact", 19, "×"),
    ("RMB 0.8 (USD 0.11) per million tokens", "exact", 0.8, "CNY"),
    ("RMB 0.8 (USD 0.11)", "exact", 0.8, "CNY"),
    ("RMB 0.8", "exact", 0.8, "CNY"),
    ("USD 0.11", "exact", 0.11, "USD"),
    ("millions of orders", "vague", (1e6, 1e9), "orders"),
    ("exceeding 1.8 trillion", "more_than", 1.8e12, None),
    ("1.8 trillion", "exact", 1.8e12, None),
    ("70B", "exact", 7e10, None),
    ("2-million-token", "exact", 2e6, "token"),
    ("a 2-million-token", "exact", 2e6, "token"),
    ("2 Million Tokens", "exact", 2e6, "tokens"),
    ("2 million tokens", "exact", 2e6, "tokens"),
    ("up to 2 million tokens", "at_most", 2e6, "tokens"),
    ("151,643 tokens", "exact", 151_643, "tokens"),
    ("151,643", "exact", 151_643, None),
    ("100-language", "exact", 100, "language"),
    ("a 100-language", "exact", 100, "language"),
    ("7B", "exact", 7e9, None),
    ("14B", "exact", 1.4e10, None),
    ("72B", "exact", 7.2e10, None),
    ("4-bit", "exact", 4, "bit"),
    ("2-bit", "exact", 2, "bit"),
    ("50 years", "exact", 50, "years"),
    ("exceeding 92%", "more_than", 92, "%"),
    ("92%", "exact", 92, "%"),
    ("40%", "exact", 40, "%"),
    ("94%", "exact", 94, "%"),
    ("40 global exchanges", "exact", 40, "global exchanges"),
    ("15%", "exact", 15, "%"),
    ("a 5-second", "exact", 5, "second"),
    ("5-second", "exact", 5, "second"),
    ("60-second", "exact", 60, "second"),
    ("a 50-page", "exact", 50, "page"),
    ("10x", "exact", 10, "×"),
    ("2-week", "exact", 2, "week"),
    ("six months", "exact", 6, "months"),
    ("over 100 languages", "more_than", 100, "languages"),
    ("over 100 programming languages", "more_than", 100, "programming languages"),
    ("20%", "exact", 20, "%"),
    ("two quarters", "exact", 2, "quarters"),
    ("three things", "exact", 3, "things"),
    ("five years", "exact", 5, "years"),
    ("three years", "exact", 3, "years"),
    ("three months", "exact", 3, "months"),
    ("3 mins", "exact", 3, "mins"),
    ("90 days", "exact", 90, "days"),
    ("thousands of developers", "vague", (1000, 1e6), "developers"),
    ("millions of decentralized devices", "vague", (1e6, 1e9), "decentralized devices"),
    ("four decisions", "exact", 4, "decisions"),
]


def expected_low_high(bound: Bound, point: float) -> tuple[float | None, float | None]:
    """DESIGN.md's table of bounds: which of low and high a written bound gives."""
    if bound is Bound.APPROXIMATE:
        return point * (1 - TOLERANCE), point * (1 + TOLERANCE)
    if bound in (Bound.MORE_THAN, Bound.AT_LEAST):
        return point, None
    if bound in (Bound.AT_MOST, Bound.LESS_THAN):
        return None, point
    return point, point


@pytest.mark.parametrize(("text", "bound", "point", "unit"), QUANTITIES)
def test_seed_quantity_phrases(text, bound, point, unit):
    quantity = read_quantity(text, tolerance=TOLERANCE)
    bound = Bound(bound)
    assert (quantity.text, quantity.bound, quantity.unit) == (text, bound, unit)
    if bound is Bound.VAGUE:
        assert (quantity.low, quantity.high, quantity.point) == (*point, None)
    else:
        low, high = expected_low_high(bound, point)
        assert [quantity.low, quantity.point, quantity.high] == [
            None if v is None else pytest.approx(v, rel=1e-12) for v in (low, point, high)
        ]


def test_seed_price_keeps_its_equivalent():
    quantity = read_quantity("RMB 0.8 (USD 0.11) per million tokens")
    assert (quantity.point, quantity.unit) == (0.8, "CNY")
    assert (quantity.equivalent.point, quantity.equivalent.unit) == (0.11, "USD")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("60% less", '"less" after the figure is not a unit'),
        ("dozens of standardized tests", "no figure found"),
        ("Q3 FY2026", "no figure found"),
    ],
)
def test_seed_phrases_that_are_not_one_figure_are_refused(text, reason):
    with pytest.raises(UnreadableValue) as info:
        read_quantity(text)
    assert (info.value.text, info.value.reason) == (text, reason)


DAY, MONTH, YEAR, RANGE = (
    DatePrecision.DAY,
    DatePrecision.MONTH,
    DatePrecision.YEAR,
    DatePrecision.RANGE,
)
# (phrase, the source's date as context, first day, last day, precision)
DATES = [
    ("March 22–28, 2026", D(2026, 3, 28), D(2026, 3, 22), D(2026, 3, 28), RANGE),
    ("March 20–24, 2026", D(2026, 3, 28), D(2026, 3, 20), D(2026, 3, 24), RANGE),
    ("March 11–24, 2026", D(2026, 3, 28), D(2026, 3, 11), D(2026, 3, 24), RANGE),
    ("March 28, 2026", D(2026, 3, 28), D(2026, 3, 28), D(2026, 3, 28), DAY),
    ("March 20", D(2026, 3, 28), D(2026, 3, 20), D(2026, 3, 20), DAY),
    ("March 4", D(2026, 3, 28), D(2026, 3, 4), D(2026, 3, 4), DAY),
    ("February 16", D(2026, 3, 1), D(2026, 2, 16), D(2026, 2, 16), DAY),
    ("Feb 2026", D(2026, 2, 1), D(2026, 2, 1), D(2026, 2, 28), MONTH),
    ("March 2026", D(2026, 3, 28), D(2026, 3, 1), D(2026, 3, 31), MONTH),
    ("December 2025", D(2026, 3, 1), D(2025, 12, 1), D(2025, 12, 31), MONTH),
    ("October 2025", D(2026, 3, 28), D(2025, 10, 1), D(2025, 10, 31), MONTH),
    ("May 2026", D(2026, 1, 1), D(2026, 5, 1), D(2026, 5, 31), MONTH),
    ("2025", D(2026, 3, 1), D(2025, 1, 1), D(2025, 12, 31), YEAR),
    ("early 2026", D(2026, 1, 1), D(2026, 1, 1), D(2026, 4, 30), RANGE),
    ("mid-2026", D(2026, 1, 1), D(2026, 5, 1), D(2026, 8, 31), RANGE),
    ("late 2026", D(2026, 1, 1), D(2026, 9, 1), D(2026, 12, 31), RANGE),
    ("2021-2026", D(2026, 1, 1), D(2021, 1, 1), D(2026, 12, 31), RANGE),
]


@pytest.mark.parametrize(("text", "context", "start", "end", "precision"), DATES)
def test_seed_date_phrases(text, context, start, end, precision):
    value = read_date(text, context=context)
    assert (value.start, value.end, value.precision) == (start, end, precision)


# (phrase, the source's date and its precision, first day, last day, precision)
AS_OF = [
    ("by end of January", D(2026, 3, 28), "day", D(2026, 1, 21), D(2026, 1, 31), RANGE),
    ("by the end of January 2026", D(2026, 3, 28), "day", D(2026, 1, 21), D(2026, 1, 31), RANGE),
    ("as of February 2026", D(2026, 3, 28), "day", D(2026, 2, 1), D(2026, 2, 28), MONTH),
    ("through February", D(2026, 3, 28), "day", D(2026, 2, 1), D(2026, 2, 28), MONTH),
    ("by October 2025", D(2026, 3, 28), "day", D(2025, 10, 1), D(2025, 10, 31), MONTH),
    ("since its November launch", D(2026, 3, 28), "day", D(2025, 11, 1), D(2026, 3, 28), RANGE),
    ("to date", D(2026, 3, 28), "day", D(2026, 3, 28), D(2026, 3, 28), DAY),
    ("over the prior three months", D(2026, 3, 28), "day", D(2025, 12, 29), D(2026, 3, 28), RANGE),
    ("week of March 22–28, 2026", D(2026, 3, 28), "day", D(2026, 3, 22), D(2026, 3, 28), RANGE),
    ("In December 2025", D(2026, 3, 1), "month", D(2025, 12, 1), D(2025, 12, 31), MONTH),
    ("In 2025", D(2026, 3, 1), "month", D(2025, 1, 1), D(2025, 12, 31), YEAR),
    ("In 2026", D(2026, 3, 1), "month", D(2026, 1, 1), D(2026, 3, 31), RANGE),
    ("today", D(2026, 3, 1), "month", D(2026, 3, 1), D(2026, 3, 31), MONTH),
    ("On February 16", D(2026, 3, 1), "month", D(2026, 2, 16), D(2026, 2, 16), DAY),
    ("Over the past decade", D(2026, 3, 1), "month", D(2016, 4, 1), D(2026, 3, 31), RANGE),
    ("as of early 2026", D(2026, 3, 28), "day", D(2026, 1, 1), D(2026, 3, 28), RANGE),
    ("By late 2026", D(2026, 1, 1), "year", D(2026, 9, 1), D(2026, 12, 31), RANGE),
    ("in mid-2026", D(2026, 1, 1), "year", D(2026, 5, 1), D(2026, 8, 31), RANGE),
    ("in the past week", D(2026, 2, 1), "month", D(2026, 2, 22), D(2026, 2, 28), RANGE),
]


@pytest.mark.parametrize(("text", "published", "precision", "start", "end", "kind"), AS_OF)
def test_seed_as_of_phrases(text, published, precision, start, end, kind):
    period = read_as_of(text, published=published, precision=precision)
    assert (period.text, period.start, period.end, period.precision) == (text, start, end, kind)


@pytest.mark.parametrize(
    ("text", "published", "precision"),
    [
        ("over the next five years", D(2026, 3, 28), "day"),
        ("later this year", D(2026, 3, 1), "month"),
        ("in 2027", D(2026, 3, 1), "month"),
        ("within the next two quarters", D(2026, 1, 1), "year"),
        ("by May 2026", D(2026, 3, 28), "day"),
    ],
)
def test_seed_projections_are_refused_as_projections(text, published, precision):
    with pytest.raises(ProjectedPeriod, match="projection"):
        read_as_of(text, published=published, precision=precision)


def test_the_list_is_long_enough_to_mean_something():
    assert len(QUANTITIES) + len(DATES) + len(AS_OF) >= 100
    assert len({text for text, *_ in QUANTITIES}) == len(QUANTITIES)

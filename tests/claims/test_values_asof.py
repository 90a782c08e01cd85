"""Tests for claims.values.asof: as-of phrases read against the source's date (no database)."""

import calendar
import datetime
import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from claims.values import (
    DatePrecision,
    ProjectedPeriod,
    UnreadableValue,
    find_as_of,
    read_as_of,
)

D = datetime.date
MONTHS = list(calendar.month_name)[1:]
PRECISIONS = ["day", "month", "quarter", "year"]

published_dates = st.dates(min_value=D(2001, 1, 1), max_value=D(2098, 12, 31))


def last_day(published: datetime.date, precision: str) -> datetime.date:
    """The last day a source dated ``published`` to ``precision`` may stand for."""
    months = {"day": 0, "month": 1, "quarter": 3, "year": 12}[precision]
    if not months:
        return published
    last_month = (published.month - 1) // months * months + months
    return D(published.year, last_month, calendar.monthrange(published.year, last_month)[1])


def month_end(year: int, month: int) -> datetime.date:
    return D(year, month, calendar.monthrange(year, month)[1])


@st.composite
def phrases(draw, published: datetime.date) -> str:
    """As-of phrases of every form the reader knows, around the source's year."""
    year = draw(st.integers(published.year - 3, published.year + 2))
    month = draw(st.sampled_from(MONTHS))
    n = draw(st.integers(1, 12))
    return draw(
        st.sampled_from(
            [
                "as of this month",
                "this week",
                "this month",
                "this quarter",
                "this year",
                "so far this year",
                "last week",
                "last month",
                "last quarter",
                "last year",
                "to date",
                "today",
                "yesterday",
                f"by the end of {month}",
                f"by end of {month} {year}",
                f"early {year}",
                f"mid-{year}",
                f"late {year}",
                f"in Q{draw(st.integers(1, 4))} {year}",
                f"H{draw(st.integers(1, 2))} {year}",
                f"since its {year} debut",
                f"since its {month} launch",
                f"since {month} {year}",
                f"in {month} of the same year",
                f"as of {month} {year}",
                f"in {year}",
                f"by {year}",
                f"over the past {n} months",
                f"in the last {n} days",
                f"over the prior {n} weeks",
                "over the past decade",
                "the next two quarters",
                "later this year",
            ]
        )
    )


@given(published_dates, st.sampled_from(PRECISIONS), st.data())
def test_a_period_never_runs_past_the_source(published, precision, data):
    text = data.draw(phrases(published))
    previous_year = data.draw(st.none() | st.integers(published.year - 5, published.year))
    limit = last_day(published, precision)
    try:
        period = read_as_of(
            text, published=published, precision=precision, previous_year=previous_year
        )
    except ProjectedPeriod as exc:
        assert "projection" in str(exc) and exc.text == text
        return
    except UnreadableValue as exc:
        assert str(exc).startswith(f'Cannot read "{text}" as a period: ')
        return
    assert period.text == text
    assert period.start <= period.end <= limit
    if period.precision is DatePrecision.DAY:
        assert period.start == period.end


@given(published_dates, st.sampled_from(PRECISIONS), st.integers(1, 5))
def test_a_later_year_is_a_projection(published, precision, ahead):
    for text in (f"by {published.year + ahead}", f"in {published.year + ahead}", "next year"):
        with pytest.raises(ProjectedPeriod) as info:
            read_as_of(text, published=published, precision=precision)
        assert info.value.text == text and isinstance(info.value, UnreadableValue)


@given(published_dates)
def test_this_month_runs_from_its_first_day_to_the_source(published):
    period = read_as_of("as of this month", published=published)
    assert (period.start, period.end) == (published.replace(day=1), published)
    whole = read_as_of("this month", published=published, precision="month")
    assert (whole.start, whole.end, whole.precision) == (
        published.replace(day=1),
        month_end(published.year, published.month),
        DatePrecision.MONTH,
    )


@given(published_dates)
def test_this_week_starts_on_monday_and_needs_the_day(published):
    period = read_as_of("this week", published=published)
    assert period.start.weekday() == 0 and period.end == published
    assert 0 <= (period.end - period.start).days <= 6
    with pytest.raises(UnreadableValue, match="known only to the month"):
        read_as_of("this week", published=published, precision="month")


@given(published_dates, st.sampled_from(["week", "month", "quarter", "year"]))
def test_last_unit_is_the_whole_unit_before_the_sources(published, unit):
    period = read_as_of(f"last {unit}", published=published)
    assert period.end < published
    this = read_as_of(f"this {unit}", published=published)
    assert period.end + datetime.timedelta(days=1) == this.start
    if unit == "year":
        assert (period.start, period.end) == (
            D(published.year - 1, 1, 1),
            D(published.year - 1, 12, 31),
        )


@given(published_dates, st.integers(1, 12))
def test_by_the_end_of_a_month_is_its_last_eleven_days_or_so(published, month):
    assume(month < published.month)
    period = read_as_of(f"by the end of {MONTHS[month - 1]}", published=published)
    assert (period.start, period.end) == (
        D(published.year, month, 21),
        month_end(published.year, month),
    )
    assert period.precision is DatePrecision.RANGE


@given(published_dates, st.integers(1, 12))
def test_by_the_end_of_a_month_after_the_source_is_a_projection(published, month):
    assume(month > published.month)
    with pytest.raises(ProjectedPeriod):
        read_as_of(f"by the end of {MONTHS[month - 1]}", published=published)


@given(published_dates, st.integers(1, 30))
def test_parts_and_quarters_of_an_earlier_year(published, back):
    year = published.year - back
    for part, (first, last) in {"early": (1, 4), "mid": (5, 8), "late": (9, 12)}.items():
        period = read_as_of(f"{part} {year}", published=published)
        assert (period.start, period.end) == (D(year, first, 1), month_end(year, last))
    for quarter in range(1, 5):
        period = read_as_of(f"in Q{quarter} {year}", published=published)
        assert (period.start, period.end, period.precision) == (
            D(year, 3 * quarter - 2, 1),
            month_end(year, 3 * quarter),
            DatePrecision.QUARTER,
        )


@given(published_dates, st.sampled_from(PRECISIONS), st.integers(0, 30))
def test_since_a_debut_is_a_running_total_up_to_the_source(published, precision, back):
    year = published.year - back
    period = read_as_of(f"since its {year} debut", published=published, precision=precision)
    assert (period.start, period.end) == (D(year, 1, 1), last_day(published, precision))


@given(published_dates, st.integers(1, 12))
def test_since_a_month_without_a_year_is_the_last_such_month(published, month):
    period = read_as_of(f"since its {MONTHS[month - 1]} launch", published=published)
    year = published.year if month <= published.month else published.year - 1
    assert (period.start, period.end) == (D(year, month, 1), published)


@given(published_dates, st.integers(1, 30), st.integers(1, 12))
def test_the_same_year_is_the_year_named_before(published, back, month):
    year = published.year - back
    for text in (
        f"in {MONTHS[month - 1]} of the same year",
        f"in {MONTHS[month - 1]} of that year",
    ):
        period = read_as_of(text, published=published, previous_year=year)
        assert (period.start, period.end) == (D(year, month, 1), month_end(year, month))
    with pytest.raises(UnreadableValue, match="a year named earlier in the text"):
        read_as_of(f"in {MONTHS[month - 1]} of the same year", published=published)


@given(
    published_dates,
    st.sampled_from(PRECISIONS),
    st.integers(1, 24),
    st.sampled_from(["day", "week", "month", "year"]),
)
def test_a_past_window_ends_on_the_sources_last_day(published, precision, n, unit):
    period = read_as_of(f"over the past {n} {unit}s", published=published, precision=precision)
    limit = last_day(published, precision)
    assert period.end == limit
    if unit in ("day", "week"):
        assert (period.end - period.start).days + 1 == n * (7 if unit == "week" else 1)
    else:
        months = n * (12 if unit == "year" else 1)
        back = (limit.year * 12 + limit.month) - (period.start.year * 12 + period.start.month)
        assert back in (months - 1, months)


@given(published_dates, st.integers(0, 3))
def test_a_year_is_clipped_at_the_source(published, back):
    year = published.year - back
    period = read_as_of(f"in {year}", published=published)
    assert period.start == D(year, 1, 1)
    assert period.end == min(D(year, 12, 31), published)
    clipped = period.end != D(year, 12, 31)
    assert period.precision is (DatePrecision.RANGE if clipped else DatePrecision.YEAR) or (
        period.start == period.end and period.precision is DatePrecision.DAY
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "the text is empty"),
        ("one day", "no date found"),
        ("ten zillion", "no date found"),
        ("through February FY2026", "fiscal years"),
        ("in December of the same year", "a year named earlier in the text"),
        ("this week", "known only to the month"),
        ("over the past 99999 years", "before the year 1"),
        ("in the last 999999999 days", "before the year 1"),
        ("in the past 0 days", "the window is empty"),
    ],
)
def test_unreadable_phrases_name_the_text(text, reason):
    with pytest.raises(UnreadableValue) as info:
        read_as_of(text, published=D(2026, 3, 1), precision="month")
    assert info.value.text == text and reason in info.value.reason
    assert str(info.value).startswith(f'Cannot read "{text}" as a period: ')


def test_bad_context_is_a_programming_error():
    with pytest.raises(ValueError, match="precision"):
        read_as_of("this month", published=D(2026, 3, 1), precision="range")
    with pytest.raises(TypeError):
        read_as_of("this month", published=datetime.datetime(2026, 3, 1))
    with pytest.raises(TypeError):
        read_as_of(None, published=D(2026, 3, 1))


# --- finding a phrase in a sentence -------------------------------------------------------------

FOUND = [
    "by the end of January",
    "as of this month",
    "since its November launch",
    "in Q3 2025",
    "as of early 2026",
    "In December 2025",
    "over the prior three months",
    "to date",
    "on February 16",
    "last year",
]


@given(
    st.sampled_from(FOUND), st.sampled_from(["Qwen had 700 million downloads ", "Sales were up "])
)
def test_find_returns_the_phrase_and_its_span(phrase, lead):
    published = D(2026, 3, 28)
    sentence = f"{lead}{phrase}, the company said."
    period, (start, end) = find_as_of(sentence, published=published)
    assert sentence[start:end] == phrase
    assert period == read_as_of(phrase, published=published)


def test_find_takes_the_first_readable_phrase():
    sentence = "Qwen 3.0, released in 2025, led by the end of January and in 2026."
    period, span = find_as_of(sentence, published=D(2026, 3, 28))
    assert sentence[slice(*span)] == "in 2025" and period.start == D(2025, 1, 1)


def test_find_reads_the_same_year_from_earlier_in_the_sentence():
    sentence = "It launched 2024 and in December of the same year passed 1 million users."
    period, span = find_as_of(sentence, published=D(2026, 3, 28))
    assert sentence[slice(*span)] == "in December of the same year"
    assert (period.start, period.end) == (D(2024, 12, 1), D(2024, 12, 31))


def test_find_raises_a_projection_with_its_span():
    sentence = "Revenue will grow over the next five years, it said."
    with pytest.raises(ProjectedPeriod) as info:
        find_as_of(sentence, published=D(2026, 3, 28))
    assert sentence[slice(*info.value.span)] == "over the next five years"


@pytest.mark.parametrize(
    "sentence",
    [
        "The Qwen app has 100 million monthly active users.",
        "It may be the largest model; the 2026 landscape is crowded.",
        "Qwen is available now.",
    ],
)
def test_find_returns_none_without_a_phrase(sentence):
    assert find_as_of(sentence, published=D(2026, 3, 28)) is None


@given(published_dates, st.text(alphabet=st.characters(codec="ascii"), max_size=80))
def test_find_never_returns_a_period_past_the_source(published, sentence):
    try:
        found = find_as_of(sentence, published=published, precision="day")
    except ProjectedPeriod:
        return
    if found is not None:
        period, (start, end) = found
        assert period.end <= published and sentence[start:end] == period.text
        assert re.fullmatch(r"\S(?:.*\S)?", period.text)

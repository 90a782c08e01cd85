"""Reading as-of phrases as sources write them ("as of this month", "by the end of January").

Design intent (DESIGN.md, "As-of periods as sources write them"): a phrase is read with the
source's date, and how precisely that date is known, as context. A figure cannot be dated after
the source that states it, so a period is clipped at the source's last possible day; a phrase
that lies wholly after it ("by 2027", "next year") is a projection and is refused with
ProjectedPeriod, a kind of UnreadableValue, so that a caller can keep the figure as a proposed
claim with a note instead. A clipped period is a range of days (or a single day).
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime
import re

from claims.values.dates import read_date
from claims.values.quantities import trim_text
from claims.values.types import DatePrecision, DateValue, UnreadableValue

# A period is a date value: the phrase as written and an inclusive span of days with a precision.
Period = DateValue


class ProjectedPeriod(UnreadableValue):
    """An as-of phrase that lies after the source's date: a projection, not a dated figure."""

    span: tuple[int, int] | None = None


_NUMBERS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
_COUNT_VALUES = {"a": 1, "an": 1} | {word: n for n, word in enumerate(_NUMBERS, 1)}
_MON = (
    r"(?-i:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_YR = r"(?:19|20)\d{2}"
_DN = r"\d{1,2}(?:st|nd|rd|th)?"
_PART = r"(?:early|mid|late|(?:the )?(?:end|start|beginning|middle) of)[ -]"
_COUNT = rf"(?:\d+|{'|'.join(_COUNT_VALUES)})"
_UNIT = r"(?:days?|weeks?|months?|quarters?|years?|decades?)"
_INTRO = r"(?:as of|as at|by|through|until|in|during|on|at|from|for)"
_LAUNCH = r"(?:debut|launch|release|introduction|inception|founding)"
# What find_as_of looks for, most specific first (alternatives are tried left to right).
_FIND = re.compile(
    r"(?<![\w-])(?:"
    rf"since (?:its|their|the) (?:(?:{_MON} )?{_YR} |{_MON} )?{_LAUNCH}(?: in (?:{_MON},? )?{_YR}| in {_MON})?"
    rf"|since (?:{_MON} (?:{_DN},? )?)?{_YR}|since {_MON}"
    rf"|(?:(?:{_INTRO}) )?(?:{_PART})?{_MON} of (?:the same|that) year"
    r"|(?:(?:in|during) )?(?:the same|that same|that) year"
    rf"|(?:(?:in|within|over|during) )?the (?:next|coming) (?:{_COUNT} )?{_UNIT}|next (?:week|month|quarter|year)"
    r"|later this (?:week|month|quarter|year)"
    r"|(?:(?:as of|so far|earlier|by|in|during|for) )?this (?:week|month|quarter|year)"
    rf"|(?:(?:over|in|during|for|within) )?the (?:past|last|prior) (?:{_COUNT} )?{_UNIT}"
    r"|last (?:week|month|quarter|year)|to date|today|yesterday|(?:as of|at the time of) (?:this )?writing"
    rf"|(?:{_INTRO} )?(?:the )?(?:week of )?(?:"
    rf"{_PART}(?:{_MON}(?:,? {_YR})?|{_YR})"
    rf"|[QH][1-4] {_YR}|{_YR} [QH][1-4]|(?:first|second|third|fourth) (?:quarter|half) of {_YR}"
    rf"|{_MON} {_DN} ?[–—-] ?{_DN},? {_YR}|{_DN} ?[–—-] ?{_DN} {_MON},? {_YR}"
    rf"|{_MON} {_DN}(?:,? {_YR})?|{_MON},? {_YR})"
    rf"|{_INTRO} (?:{_MON}|{_YR})"
    r")(?![\w-])",
    re.I,
)


@dataclasses.dataclass(frozen=True)
class _Source:
    """The source's date as context: the first and last day it may stand for."""

    first: datetime.date
    last: datetime.date
    precision: DatePrecision


def read_as_of(
    text: str,
    *,
    published: datetime.date,
    precision: str = "day",
    previous_year: int | None = None,
) -> Period:
    """Read an as-of phrase such as "as of this month" against the source's date.

    ``precision`` says how precisely ``published`` is known (day, month, quarter or year);
    ``previous_year`` is the year the text named just before, for "in December of the same
    year". Raises UnreadableValue naming the text, or ProjectedPeriod for a projection.
    """
    if not isinstance(text, str):
        raise TypeError(f"An as-of period is read from text, not {type(text).__name__}.")
    source = _source(published, precision)
    written = text.strip()
    s = trim_text(written).lower()
    if not s:
        raise _bad(written, "the text is empty" if not written else "no period found")
    start, end, kind = _span(s, written, source, previous_year)
    if start > source.last:
        raise ProjectedPeriod(
            written,
            f"it lies after the source's date ({_describe(source)}), so it is a projection, "
            "not a dated figure",
            kind="period",
        )
    if end > source.last:
        end = source.last
        kind = DatePrecision.DAY if start == end else DatePrecision.RANGE
    return DateValue(written, start, end, kind)


def find_as_of(
    sentence: str, *, published: datetime.date, precision: str = "day"
) -> tuple[Period, tuple[int, int]] | None:
    """The first as-of phrase of a sentence, read, with its character span; None if none.

    A phrase that reads as a projection raises ProjectedPeriod (its ``span`` set), so that
    the caller can propose the figure with a note; phrases that cannot be read are passed over.
    """
    if not isinstance(sentence, str):
        raise TypeError(f"A sentence is text, not {type(sentence).__name__}.")
    _source(published, precision)
    for m in _FIND.finditer(sentence):
        years = re.findall(rf"(?<!\d){_YR}(?!\d)", sentence[: m.start()])
        previous_year = int(years[-1]) if years else None
        try:
            period = read_as_of(
                m[0], published=published, precision=precision, previous_year=previous_year
            )
        except ProjectedPeriod as exc:
            exc.span = m.span()
            raise
        except UnreadableValue:
            continue
        return period, m.span()
    return None


# --- reading -----------------------------------------------------------------------------------

_Span = tuple[datetime.date, datetime.date, DatePrecision]


def _bad(text: str, reason: str) -> UnreadableValue:
    return UnreadableValue(text, reason, kind="period")


def _source(published: datetime.date, precision: str) -> _Source:
    if not isinstance(published, datetime.date) or isinstance(published, datetime.datetime):
        raise TypeError(f"The source's date must be a date, not {type(published).__name__}.")
    if precision not in ("day", "month", "quarter", "year"):
        raise ValueError(
            f"The source's date precision must be day, month, quarter or year, not {precision!r}."
        )
    kind = DatePrecision(precision)
    if kind is DatePrecision.DAY:
        return _Source(published, published, kind)
    months = {DatePrecision.MONTH: 1, DatePrecision.QUARTER: 3, DatePrecision.YEAR: 12}[kind]
    first_month = (published.month - 1) // months * months + 1
    first = datetime.date(published.year, first_month, 1)
    return _Source(first, _month_end(published.year, first_month + months - 1), kind)


def _describe(source: _Source) -> str:
    if source.first == source.last:
        return source.first.isoformat()
    return f"{source.first.isoformat()} to {source.last.isoformat()}"


def _month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return datetime.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _needs(source: _Source, precision: DatePrecision, text: str, what: str) -> None:
    order = [DatePrecision.DAY, DatePrecision.MONTH, DatePrecision.QUARTER, DatePrecision.YEAR]
    if order.index(source.precision) > order.index(precision):
        raise _bad(
            text,
            f"{what} needs the source's {precision.value}, but its date is known "
            f"only to the {source.precision.value}",
        )


def _unit_span(unit: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The calendar week, month, quarter or year that holds ``day``."""
    if unit == "week":
        monday = day - datetime.timedelta(days=day.weekday())
        return monday, monday + datetime.timedelta(days=6)
    months = {"month": 1, "quarter": 3, "year": 12}[unit]
    first_month = (day.month - 1) // months * months + 1
    return datetime.date(day.year, first_month, 1), _month_end(day.year, first_month + months - 1)


def _span(s: str, text: str, source: _Source, previous_year: int | None) -> _Span:
    s = re.sub(r"^(?:so far|earlier) (?=this )", "", s)
    if s in ("to date", "today", "as of this writing", "as of writing", "at the time of writing"):
        _needs(source, source.precision, text, "it")
        return source.first, source.last, source.precision
    if s == "yesterday":
        _needs(source, DatePrecision.DAY, text, '"yesterday"')
        day = source.last - datetime.timedelta(days=1)
        return day, day, DatePrecision.DAY
    if re.fullmatch(
        r"(?:(?:in|within|over|during) )?the (?:next|coming) .+|next \w+|later this \w+", s
    ):
        return source.last + datetime.timedelta(days=1), source.last, DatePrecision.RANGE
    if m := re.fullmatch(r"(?:(?:as of|by|in|during|for) )?this (week|month|quarter|year)", s):
        unit = m[1]
        _needs(
            source,
            DatePrecision(unit) if unit != "week" else DatePrecision.DAY,
            text,
            f'"this {unit}"',
        )
        start, end = _unit_span(unit, source.last)
        kind = DatePrecision.RANGE if unit == "week" else DatePrecision(unit)
        return start, end, kind
    if m := re.fullmatch(r"last (week|month|quarter|year)", s):
        unit = m[1]
        _needs(
            source,
            DatePrecision(unit) if unit != "week" else DatePrecision.DAY,
            text,
            f'"last {unit}"',
        )
        start, _ = _unit_span(unit, source.last)
        start, end = _unit_span(unit, start - datetime.timedelta(days=1))
        return start, end, DatePrecision.RANGE if unit == "week" else DatePrecision(unit)
    if m := re.fullmatch(
        rf"(?:(?:over|in|during|for|within) )?the (?:past|last|prior) (?:({_COUNT}) )?({_UNIT})", s
    ):
        return _window(m[1], m[2], text, source)
    if m := re.fullmatch(r"since (?:its|their|the) (?:(.+) )?" + _LAUNCH + r"(?: in (.+))?", s):
        if bool(m[1]) == bool(m[2]):
            raise _bad(text, "it names no date for the start, or two")
        return _since(m[1] or m[2], text, source)
    if m := re.fullmatch(r"since (.+)", s):
        return _since(m[1], text, source)
    s = re.sub(r"^(?:as of|as at|through|until|in|during|on|at|from|for|by) ", "", s)
    s = re.sub(r"^(?:the )?week of ", "", s)
    if re.search(r"\b(?:the same|that same|that) year$", s):
        if previous_year is None:
            raise _bad(text, "it refers to a year named earlier in the text; give that year")
        s = re.sub(r"(?: of)? (?:the same|that same|that) year$", f" {previous_year}", f" {s}")
        s = s.strip() or str(previous_year)
    return _date(s, text, source, latest=False)


def _window(count: str | None, unit: str, text: str, source: _Source) -> _Span:
    """ "the past three months": the span of that length that ends on the source's last day."""
    n = 1 if count is None else int(count) if count.isdigit() else _COUNT_VALUES[count]
    unit = unit.removesuffix("s")
    if n < 1:
        raise _bad(text, "the window is empty")
    end = source.last
    try:
        if unit in ("day", "week"):
            start = end - datetime.timedelta(days=n * (7 if unit == "week" else 1) - 1)
        else:
            months = n * {"month": 1, "quarter": 3, "year": 12, "decade": 120}[unit]
            start = _add_months(end, -months) + datetime.timedelta(days=1)
    except (ValueError, OverflowError):
        raise _bad(text, "the window reaches back before the year 1") from None
    return start, end, DatePrecision.RANGE


def _since(date_text: str, text: str, source: _Source) -> _Span:
    """ "since its 2023 debut": a running total from the date named up to the source's date."""
    start, _, _ = _date(date_text, text, source, latest=True)
    return start, source.last, DatePrecision.RANGE


def _date(s: str, text: str, source: _Source, *, latest: bool) -> _Span:
    """A calendar date as read_date reads it; a month without a year is in the source's year,
    or, when ``latest``, the last such month that begins by the source's date."""
    try:
        value = read_date(s, context=source.last)
    except UnreadableValue as exc:
        raise _bad(text, exc.reason) from None
    if latest and value.start > source.last and not re.search(r"\d{4}", s):
        value = read_date(s, context=source.last.replace(year=source.last.year - 1, day=1))
    return value.start, value.end, value.precision

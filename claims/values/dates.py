"""Reading dates as written, with their precision: days, months, quarters, years, ranges."""

from __future__ import annotations

import calendar
import datetime
import re

from claims.values.quantities import trim_text
from claims.values.types import DatePrecision, DateValue, UnreadableValue

# --- dates -----------------------------------------------------------------------------------

# English names, spelled out rather than taken from calendar, whose names follow the locale.
_MONTH_NAMES = "January February March April May June July August September October November"
_MONTHS = [*_MONTH_NAMES.split(), "December"]
_MON = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})"
_PARTS = [
    re.compile(p)
    for p in (
        rf"{_YEAR}-(?P<mon>\d{{1,2}})(?:-(?P<day>\d{{1,2}}))?",
        rf"{_MON},? {_DAY}(?:,? {_YEAR})?",
        rf"{_DAY}(?: of)? {_MON},?(?: {_YEAR})?",
        rf"{_MON},?(?: {_YEAR})?",
        rf"{_DAY}(?:,? {_YEAR})?",
        _YEAR,
    )
]
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4}
_NTH = r"(?:(?P<n>[1-4])(?:st|nd|rd|th)|(?P<o>first|second|third|fourth))"
_PERIODS = [  # (pattern, months in the period); the period's number is group "n" or "o"
    (re.compile(p), months)
    for p, months in (
        (rf"q(?P<n>[1-4])(?:,? {_YEAR})?", 3),
        (rf"{_YEAR} ?q(?P<n>[1-4])", 3),
        (rf"{_NTH} quarter(?: of)?(?: {_YEAR})?", 3),
        (rf"h(?P<n>[12])(?:,? {_YEAR})?", 6),
        (rf"{_YEAR} ?h(?P<n>[12])", 6),
        (rf"{_NTH} half(?: of)?(?: {_YEAR})?", 6),
    )
]
_FUZZY = r"(?P<part>early|mid|middle of|late|end of|start of|beginning of)[ -]"
_FUZZY_YEAR = re.compile(rf"{_FUZZY}{_YEAR}")
_FUZZY_MONTH = re.compile(rf"{_FUZZY}{_MON},?(?: {_YEAR})?")
_YEAR_PARTS = {"early": (1, 4), "mid": (5, 8), "late": (9, 12)}
_MONTH_PARTS = {"early": (1, 10), "mid": (11, 20), "late": (21, 31)}
_PART_ALIASES = {"start of": "early", "beginning of": "early", "middle of": "mid", "end of": "late"}
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_DATE_HINT = "no date found (write it like 2026-02-16, February 2026, Q1 2026 or early 2026)"

_Span = tuple[datetime.date, datetime.date, DatePrecision]


def read_date(text: str, *, context: datetime.date | None = None) -> DateValue:
    """Read a written date such as "February 16" (year from context), "Q1 2026", "early 2026"."""
    if context is not None and not isinstance(context, datetime.date):
        raise TypeError(f"The context must be a date, not {type(context).__name__}.")
    if not isinstance(text, str):
        raise TypeError(f"A date is read from text, not {type(text).__name__}.")
    written = text.strip()
    s = trim_text(written).lower().removeprefix("the ")
    if not s:
        raise _bad_date(written, "the text is empty" if not written else "no date found")
    if re.search(r"\bfy ?\d", s):
        raise _bad_date(written, "fiscal years differ between companies; give calendar dates")
    weekday = re.match(r"(mon|tues|wednes|thurs|fri|satur|sun)day,? ", s)
    if weekday:
        s = s[weekday.end() :]
    span = _single_date(s, written, context) or _date_range(s, written, context)
    if span is None:
        raise _bad_date(written, _DATE_HINT)
    start, end, precision = span
    if weekday and precision is not DatePrecision.DAY:
        raise _bad_date(written, "a weekday can only go with a single day")
    if weekday and _WEEKDAYS[start.weekday()] != weekday[1] + "day":
        named = f"{_MONTHS[start.month - 1]} {start.day}, {start.year}"
        raise _bad_date(written, f"{named} is a {_WEEKDAYS[start.weekday()].title()}")
    return DateValue(written, start, end, precision)


def _bad_date(text: str, reason: str) -> UnreadableValue:
    return UnreadableValue(text, reason, kind="date")


def _parts(s: str) -> tuple[int | None, int | None, int | None] | None:
    """Year, month and day named by a calendar form ("March 22", "28, 2026", "2026-02")."""
    for pattern in _PARTS:
        if m := pattern.fullmatch(s):
            found = m.groupdict()
            mon = found.get("mon")
            month = int(mon) if mon and mon.isdigit() else _month(mon) if mon else None
            year, day = found.get("year"), found.get("day")
            return (int(year) if year else None), month, (int(day) if day else None)
    return None


def _month(name: str) -> int:
    return next(i for i, full in enumerate(_MONTHS, 1) if full.lower().startswith(name[:3]))


def _year(year: str | int | None, text: str, context: datetime.date | None) -> int:
    if year is not None:
        return int(year)
    if context is None:
        raise _bad_date(text, "the year is unknown (give the source's date as context)")
    return context.year


def _day(year: int, month: int, day: int, text: str) -> datetime.date:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        if not 1 <= month <= 12:
            raise _bad_date(text, f"there is no month {month}") from None
        if not datetime.MINYEAR <= year <= datetime.MAXYEAR:
            raise _bad_date(text, f"the year {year} is out of range") from None
        raise _bad_date(text, f"{_MONTHS[month - 1]} {year} has no day {day}") from None


def _month_end(year: int, month: int, text: str) -> datetime.date:
    first = _day(year, month, 1, text)
    return first.replace(day=calendar.monthrange(year, month)[1])


def _span(parts: tuple, text: str, context: datetime.date | None) -> _Span:
    year, month, day = parts
    if month is None and day is not None:
        raise _bad_date(text, "the day has no month")
    year = _year(year, text, context)
    if month is None:
        return _day(year, 1, 1, text), _day(year, 12, 31, text), DatePrecision.YEAR
    if day is None:
        return _day(year, month, 1, text), _month_end(year, month, text), DatePrecision.MONTH
    date = _day(year, month, day, text)
    return date, date, DatePrecision.DAY


def _single_date(s: str, text: str, context: datetime.date | None) -> _Span | None:
    if (parts := _parts(s)) is not None:
        return _span(parts, text, context)
    for pattern, months in _PERIODS:
        if m := pattern.fullmatch(s):
            g = m.groupdict()
            n = int(g["n"]) if g.get("n") else _ORDINALS[g["o"]]
            if n * months > 12:
                return None  # "third half"
            year = _year(g["year"], text, context)
            first = (n - 1) * months + 1
            precision = DatePrecision.QUARTER if months == 3 else DatePrecision.RANGE
            start = _day(year, first, 1, text)
            return start, _month_end(year, first + months - 1, text), precision
    if m := _FUZZY_YEAR.fullmatch(s):
        first, last = _YEAR_PARTS[_PART_ALIASES.get(m["part"], m["part"])]
        year = int(m["year"])
        return _day(year, first, 1, text), _month_end(year, last, text), DatePrecision.RANGE
    if m := _FUZZY_MONTH.fullmatch(s):
        first, last = _MONTH_PARTS[_PART_ALIASES.get(m["part"], m["part"])]
        year, month = _year(m["year"], text, context), _month(m["mon"])
        end = _month_end(year, month, text)
        start = _day(year, month, first, text)
        return start, end.replace(day=min(last, end.day)), DatePrecision.RANGE
    return None


def _date_range(s: str, text: str, context: datetime.date | None) -> _Span | None:
    m = re.fullmatch(r"between (.+) and (.+)", s) or re.fullmatch(
        r"(?:from )?(.+?) (?:to|through|until|-) (.+)", s
    )
    pieces = list(m.groups()) if m else re.split(r" ?[–—] ?", s)
    if len(pieces) == 1 and s.count("-") == 1:
        # An unspaced hyphen: "22-28", "2021-2026", "20-April", but not "2026-02".
        pieces = re.split(r"(?<=\d)(?<!\d{4})-(?=[\da-z])|(?<=\d{4})-(?=\d{4}|[a-z])", s)
    if len(pieces) != 2:
        return None
    left, right = _parts(pieces[0]), _parts(pieces[1])
    if left and right:
        (ly, lm, ld), (ry, rm, rd) = left, right
        lm = rm if lm is None and ld is not None else lm  # "22–28 March 2026"
        rm = lm if rm is None and rd is not None else rm  # "March 22–28, 2026"
        start = _span((ly or ry, lm, ld), text, context)[0]
        end = _span((ry or ly, rm, rd), text, context)[1]
    else:
        later = _single_date(pieces[1], text, context)
        if later is None:
            return None
        # The left side takes its year from the right side: "Q1–Q3 2026".
        earlier = _single_date(pieces[0], text, datetime.date(later[0].year, 1, 1))
        if earlier is None:
            return None
        start, end = earlier[0], later[1]
    if start > end:
        raise _bad_date(text, "the range ends before it starts")
    return start, end, DatePrecision.RANGE

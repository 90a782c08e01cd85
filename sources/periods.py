"""Date periods: a first day plus a precision stands for every day up to the period's end."""

import calendar
import datetime

from django.core.exceptions import ValidationError

from sources.choices import DatePrecision


def period_end(start: datetime.date | None, precision: str) -> datetime.date | None:
    """Last day of the period that starts on ``start`` with ``precision``."""
    if start is None or precision == DatePrecision.UNKNOWN:
        return None
    if precision == DatePrecision.DAY:
        return start
    if precision == DatePrecision.MONTH:
        return start.replace(day=calendar.monthrange(start.year, start.month)[1])
    if precision == DatePrecision.QUARTER:
        last_month = ((start.month - 1) // 3) * 3 + 3
        return datetime.date(start.year, last_month, calendar.monthrange(start.year, last_month)[1])
    if precision == DatePrecision.YEAR:
        return datetime.date(start.year, 12, 31)
    raise ValueError(f"A {precision!r} period has no implied end; store its end explicitly.")


def format_period(start: datetime.date | None, end: datetime.date | None, precision: str) -> str:
    """Human form of a period: '2026-03-28', 'Mar 2026', '2026', '2026-01-01 – 2026-04-30'."""
    if start is None:
        return "date unknown"
    if precision == DatePrecision.DAY:
        return start.isoformat()
    if precision == DatePrecision.MONTH:
        return start.strftime("%b %Y")
    if precision == DatePrecision.QUARTER:
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    if precision == DatePrecision.YEAR:
        return str(start.year)
    return f"{start.isoformat()} – {end.isoformat() if end else '…'}"


def read_published(text) -> tuple[datetime.date | None, str]:
    """A published date as written: "2026-03-28", "2026-03", "2026" or empty for unknown."""
    if text in (None, ""):
        return None, DatePrecision.UNKNOWN
    if isinstance(text, datetime.date):
        return text, DatePrecision.DAY
    text = str(text).strip()
    for fmt, precision in (("%Y-%m-%d", "day"), ("%Y-%m", "month"), ("%Y", "year")):
        try:
            return datetime.datetime.strptime(text, fmt).date(), precision
        except ValueError:
            continue
    raise ValidationError({"published": f"\u201c{text}\u201d is not YYYY-MM-DD, YYYY-MM or YYYY."})

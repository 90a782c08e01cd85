"""Axes of the charts: scales (linear or log), ticks, and claims read as intervals on an axis.

A value is an interval of numbers (or of day ordinals for dates); an end that is ``None`` is
open, as in "over 1 trillion". Nothing here touches the database.
"""

import datetime
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from claims.choices import Dimension, ValueType
from claims.display import CURRENCY_SIGNS
from claims.values import short_number

LOG_RATIO = 20


@dataclass(frozen=True)
class Interval:
    """Where a value lies on an axis; ``None`` ends are open."""

    low: float | None
    high: float | None
    point: float | None = None


@dataclass(frozen=True)
class Tick:
    """A labelled position on an axis, in pixels."""

    pos: float
    label: str


class Scale:
    """Maps a value domain onto a pixel range, linearly or logarithmically."""

    def __init__(self, lo: float, hi: float, start: float, end: float, *, log: bool = False):
        self.lo, self.hi, self.start, self.end, self.log = lo, hi, start, end, log
        self._a, self._b = (math.log10(lo), math.log10(hi)) if log else (lo, hi)

    def __call__(self, value: float) -> float:
        v = math.log10(value) if self.log else value
        return round(self.start + (v - self._a) / (self._b - self._a) * (self.end - self.start), 1)

    def ticks(self) -> list[float]:
        """Round values inside the domain, about five of them."""
        if self.log:
            first, last = math.ceil(self._a - 1e-9), math.floor(self._b + 1e-9)
            decades = list(range(first, last + 1))
            step = max(1, math.ceil(len(decades) / 6))
            values = [10.0**d for d in decades[::step]]
            if len(decades) < 3:
                values = [m * 10.0**d for d in range(first - 1, last + 1) for m in (1, 2, 5)]
            return [v for v in values if self.lo <= v <= self.hi]
        spacing = nice_step(self.hi - self.lo)
        first = math.ceil(self.lo / spacing - 1e-9)
        return [k * spacing for k in range(first, math.floor(self.hi / spacing + 1e-9) + 1)]


def nice_step(span: float, count: int = 5) -> float:
    """A step of 1, 2, 2.5 or 5 times a power of ten giving about ``count`` ticks."""
    raw = span / count
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if raw <= m * magnitude * (1 + 1e-9))


def value_scale(intervals: list[Interval], start: float, end: float, *, dates: bool = False):
    """A scale that holds every interval, with room for arrows past the open ends."""
    values = [v for i in intervals for v in (i.low, i.high, i.point) if v is not None]
    lo, hi = min(values), max(values)
    log = not dates and lo > 0 and hi / lo > LOG_RATIO
    a, b = (math.log10(lo), math.log10(hi)) if log else (lo, hi)
    span = b - a or (0.5 if log else 30.0 if dates else abs(b) * 0.5 or 1.0)
    a -= span * (0.25 if any(i.low is None for i in intervals) else 0.08)
    b += span * (0.25 if any(i.high is None for i in intervals) else 0.08)
    if log:
        return Scale(10**a, 10**b, start, end, log=True)
    if not dates and lo >= 0:
        a = max(a, 0.0)
    return Scale(a, b, start, end)


def date_ticks(scale: Scale) -> list[Tick]:
    """Ticks on a scale of day ordinals: days, month starts or years, whichever fits."""
    lo, hi = (
        datetime.date.fromordinal(math.ceil(scale.lo)),
        datetime.date.fromordinal(math.floor(scale.hi)),
    )
    span = (hi - lo).days
    if span < 45:
        step = next(s for s in (1, 2, 7, 14, 28) if span / s <= 6)
        days = [lo + datetime.timedelta(days=k) for k in range(0, span + 1, step)]
        return [Tick(scale(d.toordinal()), d.strftime("%b %d").replace(" 0", " ")) for d in days]
    months = hi.year * 12 + hi.month - (lo.year * 12 + lo.month)
    step = next(s for s in (1, 2, 3, 6, 12, 24, 60, 120) if months / s <= 6)
    ticks, index = [], lo.year * 12 + lo.month - 1 + (0 if lo.day == 1 else 1)
    index += -index % step
    while (day := datetime.date(index // 12, index % 12 + 1, 1)) <= hi:
        label = str(day.year) if step >= 12 else day.strftime("%b %Y")
        ticks.append(Tick(scale(day.toordinal()), label))
        index += step
    return ticks


def number_label(value: float, *, dimension: str = "", currency: str = "") -> str:
    """A tick label: "1.8T", "100M", "RMB 284.8B", "30%", "6×"."""
    text = short_number(value)
    if currency:
        return CURRENCY_SIGNS.get(currency, currency + " ") + text
    symbols: dict[str, str] = {Dimension.PERCENT: "%", Dimension.MULTIPLIER: "×"}
    return text + symbols.get(dimension, "")


def _day(date: datetime.date) -> float:
    return float(date.toordinal())


def date_interval(start, end) -> Interval | None:
    """A period as an interval of day ordinals; a single day is a point."""
    if start is None:
        return None
    end = end or start
    point = _day(start) if start == end else None
    return Interval(_day(start), _day(end) + (0 if start == end else 1), point)


def quantity_interval(claim, currency: str = "") -> Interval | None:
    """A quantity claim as an interval, in ``currency`` when the claim gives it (or its equivalent)."""
    if currency and claim.currency != currency:
        if claim.eq_currency != currency:
            return None
        numbers = (claim.eq_low, claim.eq_high, claim.eq_point)
    else:
        numbers = (claim.low, claim.high, claim.point)
    if all(v is None for v in numbers):
        return None
    return Interval(*numbers)


@dataclass
class Axis:
    """How a metric's claims lie on one value axis."""

    dates: bool
    intervals: list[tuple[Any, Interval]]  # (claim or claim row, where its value lies)
    label: str
    format: Callable[[float], str]
    notes: list[str]


def value_axis(metric, claims) -> Axis | None:
    """The claims of a quantity or date metric as intervals on one axis (None for other types)."""
    notes: list[str] = []
    if metric.value_type == ValueType.DATE:
        dated = [(c, date_interval(c.date_start, c.date_end)) for c in claims]
        fmt = lambda v: datetime.date.fromordinal(int(v)).isoformat()  # noqa: E731
        return Axis(True, [(c, i) for c, i in dated if i], "date", fmt, notes)
    if metric.value_type != ValueType.QUANTITY:
        return None
    currency = ""
    if metric.dimension == Dimension.MONEY:
        counts = Counter(c.currency for c in claims if c.currency)
        currency = counts.most_common(1)[0][0] if counts else ""
    pairs: list[tuple[Any, Interval]] = []
    for claim in claims:
        interval = quantity_interval(claim, currency)
        if interval is None and currency and claim.currency:
            notes.append(
                f"“{claim.value_text}” ({claim.subject.name}) is in {claim.currency} with no "
                f"{currency} equivalent given, so it is not drawn: amounts in different "
                "currencies are not compared without one."
            )
        elif interval is not None:
            pairs.append((claim, interval))
    label = (
        CURRENCY_SIGNS.get(currency, currency).strip()
        or metric.unit
        or {
            Dimension.PERCENT: "percent",
            Dimension.MULTIPLIER: "times",
        }.get(metric.dimension, "")
    )
    return Axis(
        False,
        pairs,
        label,
        lambda v: number_label(v, dimension=metric.dimension, currency=currency),
        notes,
    )

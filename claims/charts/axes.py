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

LOG_RATIO = 20


@dataclass(frozen=True)
class Interval:
    """Where a value lies on an axis; ``None`` ends are open."""

    low: float | None
    high: float | None
    point: float | None = None


@dataclass(frozen=True)
class Tick:
    """A labelled position on an axis, in pixels, and the value it stands for."""

    pos: float
    label: str
    value: float | None = None


class Scale:
    """Maps a value domain onto a pixel range, linearly or logarithmically."""

    def __init__(self, lo: float, hi: float, start: float, end: float, *, log: bool = False):
        self.lo, self.hi, self.start, self.end, self.log = lo, hi, start, end, log
        self._a, self._b = (math.log10(lo), math.log10(hi)) if log else (lo, hi)

    def __call__(self, value: float) -> float:
        v = math.log10(value) if self.log else value
        return round(self.start + (v - self._a) / (self._b - self._a) * (self.end - self.start), 1)

    def ticks(self) -> list[float]:
        """Round values inside the domain, about five of them, each a multiple of 1, 2 or 5."""
        if self.log:
            first, last = math.ceil(self._a - 1e-9), math.floor(self._b + 1e-9)
            decades = list(range(first, last + 1))
            step = max(1, math.ceil(len(decades) / 6))
            values = [10.0**d for d in decades[::step]]
            if len(decades) < 3:
                values = [m * 10.0**d for d in range(first - 1, last + 1) for m in (1, 2, 5)]
            return [v for v in values if self.lo <= v <= self.hi]
        mantissa, exponent = nice_step(self.hi - self.lo)
        spacing = mantissa * 10.0**exponent
        first = math.ceil(self.lo / spacing - 1e-9)
        # k * mantissa, then one scaling by a power of ten: 3 * 0.1 would give 0.30000000000000004.
        scaled = (k * mantissa for k in range(first, math.floor(self.hi / spacing + 1e-9) + 1))
        return [v * 10.0**exponent if exponent >= 0 else v / 10.0**-exponent for v in scaled]


def nice_step(span: float, count: int = 5) -> tuple[int, int]:
    """A step of 1, 2 or 5 times a power of ten giving about ``count`` ticks, as (1|2|5, power).

    No 2.5: a step of 0.25T puts ticks at 1.25T, which a one-decimal label would call "1.2T".
    """
    raw = span / count
    exponent = math.floor(math.log10(raw))
    for mantissa in (1, 2, 5, 10):
        if raw <= mantissa * 10.0**exponent * (1 + 1e-9):
            return (1, exponent + 1) if mantissa == 10 else (mantissa, exponent)
    return (1, exponent + 1)


def exact_number(value: float) -> str:
    """Write a tick value compactly ("1.25T", "800B", "0.05") with every digit it needs.

    Like ``short_number`` but never rounded: a label must read back as the tick's own value.
    """
    if value == 0:
        return "0"
    sign, magnitude = ("-" if value < 0 else ""), abs(value)
    index = 0 if magnitude < 1000 else min(int(math.log10(magnitude) + 1e-9) // 3, 4)
    scaled = magnitude / 1000**index
    for decimals in range(0, 16):
        digits = f"{scaled:,.{decimals}f}"
        if math.isclose(float(digits.replace(",", "")), scaled, rel_tol=1e-12):
            break
    return sign + digits + ["", "K", "M", "B", "T"][index]


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


def value_ticks(scale: Scale, label: Callable[[float], str]) -> list[Tick]:
    """The scale's ticks, placed in pixels and labelled."""
    return [Tick(scale(v), label(v), v) for v in scale.ticks()]


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
    """A tick label, exact: "1.8T", "1.25T", "100M", "RMB 284.8B", "30%", "6×"."""
    text = exact_number(value)
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

"""The contradiction rules: which claims of one subject+metric group conflict, and how badly.

Two claims conflict when their values cannot both hold (a *contradiction*: disjoint quantity
or date intervals, different values of a single-valued text/entity/boolean metric), or when
their quantity intervals overlap yet both state a specific figure and the figures differ by
more than the metric's tolerance (a *discrepancy*: "over 1 trillion" vs "exceeding 1.8
trillion"). See DESIGN.md, "When claims conflict".

Everything here is plain Python over values already read from text, so the same rules serve
a save, a full rescan and exhaustive tests without a database. The verdict on a pair depends
only on the two values and as-of periods, never on which claim is passed first; ``detect``
relies on that to judge each distinct value once and share the verdict among its claims.

A value that is malformed for its type (no figure where the bound needs one, a non-finite
number, an empty interval, a date range that ends before it starts) is never compared: the
engine only flags disagreements it can state.
"""

import datetime
import itertools
import math
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from claims.values import Bound, ClaimFacts, Counting, Money, ValueType, is_later, normalize_text
from claims.values.kinds import CURRENCY_ALIASES

CONTRADICTION, DISCREPANCY = "contradiction", "discrepancy"
VALUE_TYPES = frozenset(ValueType)
BOUNDS = frozenset(Bound)
OPEN_BOUNDS = frozenset({Bound.MORE_THAN, Bound.AT_LEAST, Bound.AT_MOST, Bound.LESS_THAN})
COUNTINGS = frozenset(Counting)

# Figures agreeing to this relative margin are the same figure, so float noise from reading
# ("0.1 + 0.2") neither opens a gap between touching intervals nor crosses a tolerance.
REL_EPS = 1e-9

_ONE_VALUE = "the metric takes one value at a time."


@dataclass(frozen=True)
class Rules:
    """How a metric's claims are compared."""

    value_type: str
    tolerance: float = 0.05
    single_valued: bool = True
    time_varying: bool = False
    unit: str = ""
    # How far apart an open bound's figure and a figure inside it may be before they are a
    # discrepancy ("100+" vs "119" is not one; "over 1 trillion" vs "exceeding 1.8" is).
    bound_ratio: float = 1.5
    # level, running_total (cannot fall) or window_total (a count over the as-of period).
    counting: str = Counting.LEVEL


@dataclass(frozen=True)
class Finding:
    """Two claims that conflict: which, how, how badly, and a sentence saying so."""

    a: int
    b: int
    kind: str
    severity: float
    explanation: str


class _Span(NamedTuple):
    lo: float
    lo_open: bool
    hi: float
    hi_open: bool


_Amounts = tuple[float | None, float | None, float | None]  # low, high, point
_Verdict = tuple[str, float, str]  # kind, severity, the explanation after the dash


def compare(
    a: ClaimFacts,
    b: ClaimFacts,
    rules: Rules,
    *,
    rates: Mapping[tuple[str, str], float] | None = None,
) -> Finding | None:
    """The finding for two claims of one subject+metric group, or None if they agree."""
    _check(rules)
    if a.id == b.id or not rules.single_valued:
        return None
    verdict = _verdict(a, b, rules, _canonical_rates(rates))
    return _finding(a, b, verdict) if verdict else None


def detect(
    claims: Iterable[ClaimFacts],
    rules: Rules,
    *,
    rates: Mapping[tuple[str, str], float] | None = None,
) -> list[Finding]:
    """Every conflicting pair of one subject+metric group, sorted by (a, b)."""
    _check(rules)
    if not rules.single_valued:
        return []
    # Claims with the same value (and as-of, where the metric varies over time) get the same
    # verdict against any other claim, so each distinct value is judged once and the verdict
    # shared among its claims' pairs. Only a time-varying metric's verdict reads the as-of.
    buckets: dict[tuple, list[ClaimFacts]] = {}
    for claim in claims:
        key = _value_key(claim, rules.value_type)
        if _reads_as_of(rules):
            key += (claim.as_of_start, claim.as_of_end)
        buckets.setdefault(key, []).append(claim)
    known = _canonical_rates(rates)
    findings: list[Finding] = []
    for xs, ys in itertools.combinations(buckets.values(), 2):
        verdict = _verdict(xs[0], ys[0], rules, known)
        if verdict:
            findings.extend(_finding(x, y, verdict) for x in xs for y in ys if x.id != y.id)
    return sorted(findings, key=lambda f: (f.a, f.b))


def _check(rules: Rules) -> None:
    if rules.value_type not in VALUE_TYPES:
        raise ValueError(f"unknown value type {rules.value_type!r}")
    if rules.counting not in COUNTINGS:
        raise ValueError(f"unknown counting {rules.counting!r}")


def _reads_as_of(rules: Rules) -> bool:
    """Whether a verdict depends on the claims' as-of periods, not only their values."""
    return rules.time_varying or (
        rules.value_type == ValueType.QUANTITY and rules.counting != Counting.LEVEL
    )


def _value_key(c: ClaimFacts, value_type: str) -> tuple:
    if value_type == ValueType.QUANTITY:
        return (c.bound, c.low, c.high, c.point, c.currency, c.equivalent)
    if value_type == ValueType.DATE:
        return (c.date_start, c.date_end)
    if value_type == ValueType.TEXT:
        return (None if c.text is None else normalize_text(c.text),)
    if value_type == ValueType.ENTITY:
        return (c.entity_id,)
    return (c.boolean,)


def _verdict(
    x: ClaimFacts, y: ClaimFacts, rules: Rules, rates: dict[tuple[str, str], float]
) -> _Verdict | None:
    counting = rules.counting if rules.value_type == ValueType.QUANTITY else Counting.LEVEL
    if counting == Counting.WINDOW_TOTAL:
        return _window_verdict(x, y, rules, rates)
    if rules.time_varying and not _as_of_overlap(x, y):
        return _fall_verdict(x, y, rates) if counting == Counting.RUNNING_TOTAL else None
    if rules.value_type == ValueType.QUANTITY:
        return _quantity_verdict(x, y, rules, rates)
    if rules.value_type == ValueType.DATE:
        return _date_verdict(x, y)
    if rules.value_type == ValueType.TEXT:
        differ = (
            x.text is not None
            and y.text is not None
            and normalize_text(x.text) != normalize_text(y.text)
        )
    elif rules.value_type == ValueType.ENTITY:
        differ = None not in (x.entity_id, y.entity_id) and x.entity_id != y.entity_id
    else:
        differ = None not in (x.boolean, y.boolean) and x.boolean != y.boolean
    return (CONTRADICTION, 1.0, _ONE_VALUE) if differ else None


def _as_of_overlap(x: ClaimFacts, y: ClaimFacts) -> bool:
    """Whether two as-of periods share a day; an unknown period overlaps everything."""
    if {x.as_of_start, x.as_of_end} == {None} or {y.as_of_start, y.as_of_end} == {None}:
        return True
    # A period known at one end only is open at the other.
    start = max(x.as_of_start or datetime.date.min, y.as_of_start or datetime.date.min)
    end = min(x.as_of_end or datetime.date.max, y.as_of_end or datetime.date.max)
    return start <= end


# Quantities


def _quantity_verdict(
    x: ClaimFacts, y: ClaimFacts, rules: Rules, rates: dict[tuple[str, str], float]
) -> _Verdict | None:
    spans = _spans(x, y, rates)
    if spans is None:
        return None
    # A vague claim ("millions") states no figure of its own.
    sx, sy, px, py, note = spans
    x_below, y_below = _below(sx, sy), _below(sy, sx)
    if x_below or y_below:
        fx = px if px is not None else (sx.hi if x_below else sx.lo)
        fy = py if py is not None else (sy.lo if x_below else sy.hi)
        severity = _ratio(fx, fy)
        times = _times(severity)
        apart = "" if times == "1" else f", {times}× apart"
        return CONTRADICTION, severity, f"the figures cannot both hold{apart}{note}."
    if px is None or py is None:
        return None
    severity = _ratio(px, py)
    # An open bound holding the other's figure is warned on only past the bound ratio.
    within_bound = (x.bound in OPEN_BOUNDS and _holds(sx, py)) or (
        y.bound in OPEN_BOUNDS and _holds(sy, px)
    )
    limit = max(rules.bound_ratio, 1.0) if within_bound else 1 + max(rules.tolerance, 0.0)
    if severity > limit * (1 + REL_EPS):
        return DISCREPANCY, severity, f"{_times(severity)}× apart{note}."
    return None


def _holds(s: _Span, v: float) -> bool:
    """Whether the interval ``s`` allows the figure ``v``."""
    above = v > s.lo or (not s.lo_open and _same(v, s.lo))
    below = v < s.hi or (not s.hi_open and _same(v, s.hi))
    return above and below


def _spans(
    x: ClaimFacts, y: ClaimFacts, rates: dict[tuple[str, str], float]
) -> tuple[_Span, _Span, float | None, float | None, str] | None:
    """Both claims' intervals and stated figures in one currency, or None if not comparable."""
    terms = _common_terms(x, y, rates)
    if terms is None:
        return None
    (x_low, x_high, x_point), (y_low, y_high, y_point), note = terms
    sx, sy = _span(x.bound, x_low, x_high, x_point), _span(y.bound, y_low, y_high, y_point)
    if sx is None or sy is None:
        return None
    px = None if x.bound == Bound.VAGUE else _finite(x_point)
    py = None if y.bound == Bound.VAGUE else _finite(y_point)
    return sx, sy, px, py, note


def _fall_verdict(
    x: ClaimFacts, y: ClaimFacts, rates: dict[tuple[str, str], float]
) -> _Verdict | None:
    """A running total cannot fall: the later claim wholly below the earlier is a contradiction."""
    if is_later(y, x):
        x, y = y, x
    if not is_later(x, y):
        return None
    return _wholly_below(
        x,
        y,
        rates,
        lambda severity: (
            f"the total fell from {y.value_text} ({_period(y)}) to {x.value_text} "
            f"({_period(x)}), {_times(severity)}× lower, but a running total cannot fall"
        ),
    )


@dataclass(frozen=True)
class Fall:
    """A running total that fell: the later claim lies wholly below the earlier one."""

    earlier: ClaimFacts
    later: ClaimFacts
    severity: float


def total_fell(
    x: ClaimFacts, y: ClaimFacts, *, rates: Mapping[tuple[str, str], float] | None = None
) -> Fall | None:
    """Whether a running total fell between two claims (in either order), and how far: the
    verdict detection explains as "the total fell" (``_fall_verdict``), for the time chart."""
    verdict = _fall_verdict(x, y, _canonical_rates(rates))
    if verdict is None:
        return None
    earlier, later = (y, x) if is_later(x, y) else (x, y)
    return Fall(earlier=earlier, later=later, severity=verdict[1])


def _window_verdict(
    x: ClaimFacts, y: ClaimFacts, rules: Rules, rates: dict[tuple[str, str], float]
) -> _Verdict | None:
    """Totals over windows: compared on the same window; a sub-window may not exceed its window."""
    if (x.as_of_start, x.as_of_end) == (y.as_of_start, y.as_of_end):
        return _quantity_verdict(x, y, rules, rates)
    if _inside(y, x):
        x, y = y, x
    if not _inside(x, y):
        return None
    return _wholly_below(
        y,
        x,
        rates,
        lambda _: (
            f"the total over {_period(x)} cannot exceed the total over {_period(y)}, "
            "which contains it"
        ),
    )


def _wholly_below(
    low: ClaimFacts,
    high: ClaimFacts,
    rates: dict[tuple[str, str], float],
    sentence: Callable[[float], str],
) -> _Verdict | None:
    """A contradiction when every figure ``low`` allows is below every one ``high`` allows.

    Its severity compares the stated figures, or where one is not stated, the nearest edges of
    the two intervals; ``sentence`` says it, given the severity, before the currency note.
    """
    spans = _spans(low, high, rates)
    if spans is None:
        return None
    s_low, s_high, p_low, p_high, note = spans
    if not _below(s_low, s_high):
        return None
    severity = _ratio(
        p_low if p_low is not None else s_low.hi, p_high if p_high is not None else s_high.lo
    )
    return CONTRADICTION, severity, f"{sentence(severity)}{note}."


def _inside(x: ClaimFacts, y: ClaimFacts) -> bool:
    """Whether x's as-of window lies inside y's and is not the same window."""
    if x.as_of_start is None or x.as_of_end is None:
        return False
    if y.as_of_start is None or y.as_of_end is None:
        return False
    return (
        y.as_of_start <= x.as_of_start
        and x.as_of_end <= y.as_of_end
        and (x.as_of_start, x.as_of_end) != (y.as_of_start, y.as_of_end)
    )


def _period(c: ClaimFacts) -> str:
    """An as-of period as explanations write it: "2026-03-28", "Jan 2026", "2026"."""
    start, end = c.as_of_start, c.as_of_end
    if start is None or end is None:
        return "undated"
    if start == end:
        return start.isoformat()
    next_day = end + datetime.timedelta(days=1)
    if start.day == 1 and next_day.day == 1:
        if (start.year, start.month) == (end.year, end.month):
            return start.strftime("%b %Y")
        if start.month == 1 and end.month == 12 and start.year == end.year:
            return str(start.year)
    return f"{start.isoformat()} to {end.isoformat()}"


def _common_terms(
    x: ClaimFacts, y: ClaimFacts, rates: dict[tuple[str, str], float]
) -> tuple[_Amounts, _Amounts, str] | None:
    """Both claims' amounts in one currency, with a note on how, or None if not comparable."""
    cx, cy = _currency(x.currency), _currency(y.currency)
    ax, ay = (x.low, x.high, x.point), (y.low, y.high, y.point)
    if cx == cy:
        return ax, ay, ""
    if cx is None or cy is None:
        return None
    # Prefer a source's own equivalent; when both sides offer one, the currency that sorts
    # first decides, so the verdict never depends on which claim came first.
    options = []
    if x.equivalent is not None and _currency(x.equivalent.currency) == cy:
        options.append((cy, _amounts(x.equivalent), ay))
    if y.equivalent is not None and _currency(y.equivalent.currency) == cx:
        options.append((cx, ax, _amounts(y.equivalent)))
    if options:
        currency, ax, ay = min(options, key=lambda option: option[0])
        return ax, ay, f" (compared in {currency} using the source's own equivalent)"
    target, other = sorted((cx, cy))
    rate = rates.get((other, target))
    if rate is None and (target, other) in rates:
        rate = 1 / rates[(target, other)]
    if rate is None:
        return None
    if cx == other:
        ax = _scaled(ax, rate)
    else:
        ay = _scaled(ay, rate)
    return ax, ay, f" (compared in {target} at an editor-recorded rate)"


def _currency(code: str | None) -> str | None:
    if not code or not code.strip():
        return None
    code = code.strip().upper()
    return CURRENCY_ALIASES.get(code, code)


def currency_spellings(code: str) -> set[str]:
    """Every spelling the rules read as the same currency as ``code`` ("RMB" and "CNY")."""
    canonical = _currency(code)
    if canonical is None:
        return set()
    return {canonical} | {alias for alias, to in CURRENCY_ALIASES.items() if to == canonical}


def _canonical_rates(rates: Mapping[tuple[str, str], float] | None) -> dict[tuple[str, str], float]:
    """Usable editor-recorded rates keyed by canonical (from, to) codes."""
    known: dict[tuple[str, str], float] = {}
    for (written_from, written_to), rate in (rates or {}).items():
        frm, to = _currency(written_from), _currency(written_to)
        if frm and to and frm != to and _finite(rate) is not None and rate > 0:
            known[(frm, to)] = float(rate)
    return known


def _amounts(money: Money) -> _Amounts:
    return money.low, money.high, money.point


def _scaled(amounts: _Amounts, rate: float) -> _Amounts:
    low, high, point = (None if v is None else v * rate for v in amounts)
    return low, high, point


def _finite(v: float | None) -> float | None:
    return v if v is not None and math.isfinite(v) else None


def _span(
    bound: str | None, low: float | None, high: float | None, point: float | None
) -> _Span | None:
    """The interval a quantity as written allows, or None if its numbers do not make one."""
    if bound is None:
        return None
    if bound not in BOUNDS:
        raise ValueError(f"unknown bound {bound!r}")
    low, high, point = _finite(low), _finite(high), _finite(point)
    lo = low if low is not None else point
    hi = high if high is not None else point
    if bound == Bound.EXACT:
        lo = hi = point if point is not None else lo if lo is not None else hi
    elif bound in (Bound.MORE_THAN, Bound.AT_LEAST):
        hi = math.inf
    elif bound in (Bound.AT_MOST, Bound.LESS_THAN):
        lo = -math.inf
    if lo is None or hi is None:
        return None
    lo_open = bound == Bound.MORE_THAN or lo == -math.inf
    hi_open = bound in (Bound.LESS_THAN, Bound.VAGUE) or hi == math.inf
    span = _Span(lo, lo_open, hi, hi_open)
    empty = (lo_open or hi_open) if _same(lo, hi) else lo > hi
    return None if empty else span


def _below(s: _Span, t: _Span) -> bool:
    """Whether every value ``s`` allows is less than every value ``t`` allows."""
    if _same(s.hi, t.lo):
        return s.hi_open or t.lo_open
    return s.hi < t.lo


def _same(p: float, q: float) -> bool:
    if p == q or not (math.isfinite(p) and math.isfinite(q)):
        return p == q
    return abs(p - q) <= REL_EPS * max(abs(p), abs(q))


def _ratio(p: float, q: float) -> float:
    """How far apart two figures are, as larger/smaller: always finite and >= 1.

    For figures of one sign this is the ratio of their magnitudes. Across zero no ratio
    exists, so the gap is measured in units of the smaller nonzero magnitude, which agrees
    with the ratio for same-signed figures: 0 vs anything is 2×, -5 vs 5 is 3×.
    """
    if _same(p, q):
        return 1.0
    if p != 0 and q != 0 and (p > 0) == (q > 0):
        ratio = max(abs(p), abs(q)) / min(abs(p), abs(q))
    else:
        ratio = 1 + abs(p - q) / min(abs(v) for v in (p, q) if v != 0)
    return min(ratio, sys.float_info.max)


def _times(ratio: float) -> str:
    """A ratio as a reader says it: 1.05, 1.8, 12, 5,000."""
    if ratio >= 100:
        return f"{ratio:,.0f}" if ratio < 1e15 else f"{ratio:.1e}"
    text = f"{ratio:.3g}"
    # Keep a small but real difference from reading as "1×".
    for digits in (4, 5, 6):
        if text != "1":
            break
        text = f"{ratio:.{digits}g}"
    return text


# Dates


def _date_verdict(x: ClaimFacts, y: ClaimFacts) -> _Verdict | None:
    sx, sy = _date_span(x), _date_span(y)
    if sx is None or sy is None:
        return None
    if sx[1] < sy[0]:
        days = (sy[0] - sx[1]).days
    elif sy[1] < sx[0]:
        days = (sx[0] - sy[1]).days
    else:
        return None
    return CONTRADICTION, float(days), f"{days} day{'' if days == 1 else 's'} apart."


def _date_span(c: ClaimFacts) -> tuple[datetime.date, datetime.date] | None:
    start = c.date_start if c.date_start is not None else c.date_end
    end = c.date_end if c.date_end is not None else c.date_start
    if start is None or end is None or start > end:
        return None
    return start, end


# Explanations


def _finding(x: ClaimFacts, y: ClaimFacts, verdict: _Verdict) -> Finding:
    a, b = (x, y) if x.id < y.id else (y, x)
    kind, severity, tail = verdict
    sentence = f'{_label(a)} says "{a.value_text}"; {_label(b)} says "{b.value_text}" — {tail}'
    return Finding(a.id, b.id, kind, severity, sentence)


def _label(c: ClaimFacts) -> str:
    return c.label or f"claim {c.id}"

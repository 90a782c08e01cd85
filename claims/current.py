"""Choosing the current value of a subject+metric group, and saying why (DESIGN.md).

The rule is one function over plain values, so it is the same for the API, the pages and the
admin, and is tested exhaustively without a database. Each step keeps the candidates that
pass it; the reason of every step that set a candidate aside is part of ``why``:

1. accepted claims only (a proposed claim is never current, even if preferred), not deprecated;
2. the claims ranked preferred, if there are any;
3. for a time-varying metric, the claims of the latest period: a claim is later than another
   only when its as-of period starts after the other's ends, so overlapping periods ("2026"
   and "March 2026") tie;
4. the most reliable source, in the order A, B, C, D, F, E;
5. the narrower as-of period; 6. the newer source; then the later-recorded claim.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from claims.values import is_later
from sources.choices import RELIABILITY_ORDER

ACCEPTED, PREFERRED, DEPRECATED = "accepted", "preferred", "deprecated"
_LATEST = object()


@dataclass(frozen=True)
class Candidate:
    """The plain values of one claim that the choice looks at."""

    id: int
    status: str
    rank: str
    grade: str
    as_of_start: datetime.date | None = None
    as_of_end: datetime.date | None = None
    as_of_precision: str = "unknown"
    published: datetime.date | None = None


@dataclass(frozen=True)
class Choice:
    """The current claim, its source's grade and why it was chosen."""

    id: int
    grade: str
    why: str


def period_label(start: datetime.date | None, end: datetime.date | None, precision: str) -> str:
    """A period as ``why`` writes it: "2026-03-28", "2026-03", "2026", "2026-03-22..2026-03-28"."""
    if start is None:
        return "undated"
    if precision == "day" or start == end:
        return start.isoformat()
    if precision == "month":
        return start.strftime("%Y-%m")
    if precision == "year":
        return str(start.year)
    return f"{start.isoformat()}..{end.isoformat() if end else ''}"


def _grade_rank(c: Candidate) -> int:
    return RELIABILITY_ORDER.get(c.grade, len(RELIABILITY_ORDER))


def _width(c: Candidate) -> int:
    if c.as_of_start is None or c.as_of_end is None:
        return datetime.date.max.toordinal()
    return (c.as_of_end - c.as_of_start).days


def _keep_best(
    pool: list[Candidate], key: Callable[[Candidate], int]
) -> tuple[list[Candidate], bool]:
    best = min(key(c) for c in pool)
    kept = [c for c in pool if key(c) == best]
    return kept, len(kept) < len(pool)


def choose_current(claims: Iterable[Candidate], *, time_varying: bool) -> Choice | None:
    """The current claim of one group, or None when no claim is accepted."""
    pool = [c for c in claims if c.status == ACCEPTED and c.rank != DEPRECATED]
    if not pool:
        return None
    reasons: list[object] = []
    preferred = [c for c in pool if c.rank == PREFERRED]
    if preferred:
        pool = preferred
        reasons.append("preferred by a reviewer")
    if time_varying:
        latest = [c for c in pool if not any(is_later(o, c) for o in pool)]
        if len(latest) < len(pool):
            pool = latest
            reasons.append(_LATEST)  # labelled with the chosen claim's period below
    pool, narrowed = _keep_best(pool, _grade_rank)
    if narrowed:
        reasons.append(f"most reliable source: {pool[0].grade}")
    pool, narrowed = _keep_best(pool, _width)
    if narrowed:
        reasons.append("narrower period")
    pool, narrowed = _keep_best(pool, lambda c: -(c.published or datetime.date.min).toordinal())
    if narrowed:
        reasons.append("newer source")
    chosen = max(pool, key=lambda c: c.id)
    if len(pool) > 1:
        reasons.append("most recently recorded")
    if not reasons:
        reasons.append("the only accepted claim")
    label = period_label(chosen.as_of_start, chosen.as_of_end, chosen.as_of_precision)
    words = [f"latest period: {label}" if r is _LATEST else str(r) for r in reasons]
    return Choice(chosen.id, chosen.grade, "; ".join(words))

"""What the contradiction rules (``claims.conflicts``) look at: plain facts of one claim.

A ``ClaimValue`` builds its ``ClaimFacts`` (``ClaimValue.facts``); the rules only read them.
Declared here, beside the value, so the rules depend on the values and never the reverse.
"""

import datetime
import unicodedata
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Money:
    """An amount in one currency: a source's own equivalent of its figure."""

    currency: str
    low: float | None
    high: float | None
    point: float | None


@dataclass(frozen=True)
class ClaimFacts:
    """The plain values of one claim that the rules look at."""

    id: int
    value_text: str
    label: str = ""
    bound: str | None = None
    low: float | None = None
    high: float | None = None
    point: float | None = None
    currency: str | None = None
    equivalent: Money | None = None
    date_start: datetime.date | None = None
    date_end: datetime.date | None = None
    text: str | None = None
    entity_id: int | None = None
    boolean: bool | None = None
    as_of_start: datetime.date | None = None
    as_of_end: datetime.date | None = None


def normalize_text(s: str) -> str:
    """Text as compared: compatibility forms folded (NFKC), casefolded, whitespace collapsed."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", s).casefold())
    return " ".join(folded.split())


class AsOf(Protocol):
    """Anything with an as-of period (a claim's facts, a current-value candidate)."""

    @property
    def as_of_start(self) -> datetime.date | None: ...

    @property
    def as_of_end(self) -> datetime.date | None: ...


def is_later(x: AsOf, y: AsOf) -> bool:
    """Whether x's as-of period starts after y's ends: the one meaning of "later" (DESIGN.md).

    An unknown start or end is never later, so an undated claim neither wins the current
    value as the latest nor makes a running total fall.
    """
    return x.as_of_start is not None and y.as_of_end is not None and x.as_of_start > y.as_of_end

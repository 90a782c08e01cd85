"""The values the reader produces, and its one error."""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass

from sources.precision import DatePrecision


class Bound(enum.StrEnum):
    """How a written figure bounds the true value; the values are the stored strings."""

    EXACT = "exact"
    APPROXIMATE = "approximate"
    MORE_THAN = "more_than"
    AT_LEAST = "at_least"
    AT_MOST = "at_most"
    LESS_THAN = "less_than"
    RANGE = "range"
    VAGUE = "vague"


class UnreadableValue(ValueError):
    """Text that cannot be read as a value; str(exc) is a sentence naming the text."""

    def __init__(self, text: str, reason: str, *, kind: str = "quantity") -> None:
        self.text = text
        self.reason = reason
        super().__init__(f'Cannot read "{text}" as a {kind}: {reason}.')


@dataclass(frozen=True)
class Quantity:
    """A quantity as written and as numbers in its unit."""

    text: str
    bound: Bound
    low: float | None
    high: float | None
    point: float | None
    unit: str | None
    equivalent: Quantity | None = None


@dataclass(frozen=True)
class DateValue:
    """A date as written, as an inclusive span of days with its precision."""

    text: str
    start: datetime.date
    end: datetime.date
    precision: DatePrecision

"""A claim's value as read: its stored columns, signature, facts for the rules, JSON and display.

Every module that reads, stores, compares or shows a claim's value goes through ``ClaimValue``
(DESIGN.md, "Values" and "A claim in JSON"), so a new value column or form is added here once.
A value is a plain tuple of its columns: detection builds a hundred thousand of them per
rescan, and a tuple is built at a fraction of a dataclass's cost.
"""

from __future__ import annotations

import datetime
from typing import NamedTuple

from claims.values.facts import ClaimFacts, Money, normalize_text
from claims.values.kinds import CURRENCY_SIGNS, MULTIPLIER, PERCENT, Bound, ValueType
from claims.values.quantities import format_number
from claims.values.types import DateValue, Quantity

# The unit symbol a dimension's figures carry.
_DIMENSION_SYMBOLS = {"percent": PERCENT, "multiplier": MULTIPLIER}
# The value types as plain strings: a list page compares them once per claim.
_QUANTITY, _DATE, _ENTITY, _BOOLEAN = (
    ValueType.QUANTITY.value,
    ValueType.DATE.value,
    ValueType.ENTITY.value,
    ValueType.BOOLEAN.value,
)
_BOUND_SIGNS = {
    Bound.MORE_THAN: ">",
    Bound.AT_LEAST: "≥",
    Bound.AT_MOST: "≤",
    Bound.LESS_THAN: "<",
}


class ClaimValue(NamedTuple):
    """A claim's value as read, one attribute per stored column (empty: "" or None)."""

    # A quantity: bound and figures in the metric's unit, or in ``currency`` for money.
    bound: str = ""
    low: float | None = None
    high: float | None = None
    point: float | None = None
    currency: str = ""
    # The same amount in another currency, as the source itself gives it.
    eq_currency: str = ""
    eq_low: float | None = None
    eq_high: float | None = None
    eq_point: float | None = None
    # A date: an inclusive span of days, with its precision.
    date_start: datetime.date | None = None
    date_end: datetime.date | None = None
    date_precision: str = ""
    # Categorical values.
    text_value: str = ""
    entity_value_id: int | None = None
    bool_value: bool | None = None

    # --- columns ------------------------------------------------------------------------------

    @classmethod
    def from_columns(cls, source) -> ClaimValue:
        """The value stored in ``source``: a model instance, a row with attributes, or a mapping."""
        if isinstance(source, dict):
            return cls._make(source[column] for column in COLUMNS)
        return cls._make(getattr(source, column) for column in COLUMNS)

    def to_columns(self) -> dict:
        """The stored columns by name (the entity as ``entity_value_id``)."""
        return self._asdict()

    def to_fields(self, entity=None) -> dict:
        """The model fields by name, for a ``Claim(**fields)``: the entity as ``entity`` itself."""
        fields = dict(zip(FIELDS, self, strict=True))
        fields["entity_value"] = entity
        return fields

    # --- building -----------------------------------------------------------------------------

    @classmethod
    def of_quantity(cls, quantity: Quantity, *, money: bool) -> ClaimValue:
        """A quantity as read; its unit is stored only when it is a currency (``money``)."""
        equivalent = quantity.equivalent or Quantity("", Bound.EXACT, None, None, None, None)
        return cls(
            bound=quantity.bound.value,
            low=quantity.low,
            high=quantity.high,
            point=quantity.point,
            currency=(quantity.unit or "") if money else "",
            eq_currency=equivalent.unit or "",
            eq_low=equivalent.low,
            eq_high=equivalent.high,
            eq_point=equivalent.point,
        )

    @classmethod
    def of_date(cls, value: DateValue) -> ClaimValue:
        """A date as read."""
        return cls(date_start=value.start, date_end=value.end, date_precision=value.precision.value)

    # --- comparing ----------------------------------------------------------------------------

    def signature(self) -> str:
        """A fingerprint of the value, equal exactly when the rules see the same value.

        A dismissed contradiction stays dismissed while both claims' signatures match, so
        every column the rules read is in it (the equivalent amount too), text folded as
        ``normalize_text`` folds it, and nothing they ignore (the date's precision).
        """
        folded = self._replace(text_value=normalize_text(self.text_value))
        return "|".join("" if folded[i] is None else str(folded[i]) for i in _KEY_INDEXES)

    def facts(
        self,
        id: int,
        value_text: str,
        label: str = "",
        as_of_start: datetime.date | None = None,
        as_of_end: datetime.date | None = None,
    ) -> ClaimFacts:
        """The plain values the rules (``claims.conflicts``) compare."""
        equivalent = None
        if self.eq_currency:
            equivalent = Money(self.eq_currency, self.eq_low, self.eq_high, self.eq_point)
        # Positional: a rescan builds a hundred thousand of these, and keywords cost twice as
        # much; tests/claims/test_values.py checks the order against ClaimFacts' fields.
        return ClaimFacts(
            id,
            value_text,
            label,
            self.bound or None,
            self.low,
            self.high,
            self.point,
            self.currency or None,
            equivalent,
            self.date_start,
            self.date_end,
            self.text_value or None,
            self.entity_value_id,
            self.bool_value,
            as_of_start,
            as_of_end,
        )

    # --- showing ------------------------------------------------------------------------------

    def unit(self, dimension: str, metric_unit: str) -> str:
        """The unit the figures are in: the currency, % or ×, or the metric's unit word."""
        return self.currency or _DIMENSION_SYMBOLS.get(dimension, metric_unit)

    def json(
        self, value_type: str, *, dimension: str = "", unit: str = "", entity: dict | None = None
    ) -> dict:
        """The ``value`` object of a claim in JSON (DESIGN.md, "A claim in JSON").

        ``entity`` is the value's entity reference (slug, name, kind) for an entity metric.
        """
        if value_type == _QUANTITY:
            payload: dict[str, object] = {
                "type": "quantity",
                "bound": self.bound,
                "low": self.low,
                "high": self.high,
                "point": self.point,
                "unit": self.unit(dimension, unit),
            }
            if self.eq_currency:
                payload["equivalent"] = {
                    "low": self.eq_low,
                    "high": self.eq_high,
                    "point": self.eq_point,
                    "unit": self.eq_currency,
                }
            return payload
        if value_type == _DATE:
            return {
                "type": "date",
                "start": iso_date(self.date_start),
                "end": iso_date(self.date_end),
                "precision": self.date_precision,
            }
        if value_type == _ENTITY:
            return {"type": "entity", "entity": entity}
        if value_type == _BOOLEAN:
            return {"type": "boolean", "value": self.bool_value}
        return {"type": "text", "text": self.text_value}

    def display(
        self,
        value_type: str,
        *,
        dimension: str = "",
        unit: str = "",
        entity_name: str | None = None,
        period=None,
    ) -> str:
        """The value in words: "> 1 trillion parameters", "RMB 0.8 (= USD 0.11)", "yes".

        ``period(start, end, precision)`` writes a date's span (the site's one period format).
        """
        if value_type == _QUANTITY:
            text = quantity_display(
                bound=self.bound,
                low=self.low,
                high=self.high,
                point=self.point,
                currency=self.currency,
                unit=unit,
                dimension=dimension,
            )
            if self.eq_currency:
                equivalent = quantity_display(
                    bound=self.bound,
                    low=self.eq_low,
                    high=self.eq_high,
                    point=self.eq_point,
                    currency=self.eq_currency,
                )
                text = f"{text} (= {equivalent})"
            return text
        if value_type == _DATE:
            return period(self.date_start, self.date_end, self.date_precision)
        if value_type == _ENTITY:
            return entity_name if self.entity_value_id and entity_name is not None else "?"
        if value_type == _BOOLEAN:
            return "?" if self.bool_value is None else ("yes" if self.bool_value else "no")
        return self.text_value


COLUMNS = ClaimValue._fields
# The columns that say whether two values are the same (a date's precision follows from its
# span): the database's ``value_key`` and ``signature`` are built from these.
KEY_COLUMNS = tuple(column for column in COLUMNS if column != "date_precision")
_KEY_INDEXES = tuple(COLUMNS.index(column) for column in KEY_COLUMNS)
# The model's field names (the entity as the relation, not its id).
FIELDS = tuple(column.removesuffix("_id") for column in COLUMNS)
EMPTY = ClaimValue()


def iso_date(day: datetime.date | None) -> str | None:
    """A date as JSON writes it, or None."""
    return day.isoformat() if day else None


def _amount(value: float | None, currency: str, symbol: str) -> str:
    if value is None:
        return "?"
    number = format_number(value)
    if currency:
        return f"{CURRENCY_SIGNS.get(currency, currency + ' ')}{number}"
    if symbol:
        return f"{number}{symbol}"
    return number


def quantity_display(
    *, bound: str, low, high, point, currency: str = "", unit: str = "", dimension: str = ""
) -> str:
    """A quantity as read, with its bound spelled out."""
    symbol = _DIMENSION_SYMBOLS.get(dimension, "")

    def fmt(value):
        return _amount(value, currency, symbol)

    tail = f" {unit}" if unit and not currency and not symbol else ""
    if bound == Bound.APPROXIMATE:
        return f"≈ {fmt(point)}{tail} ({fmt(low)} – {fmt(high)})"
    if bound == Bound.VAGUE:
        return f"vague: somewhere from {fmt(low)} up to {fmt(high)}{tail}"
    if bound in (Bound.MORE_THAN, Bound.AT_LEAST):
        text = f"{_BOUND_SIGNS[Bound(bound)]} {fmt(low)}"
    elif bound in (Bound.AT_MOST, Bound.LESS_THAN):
        text = f"{_BOUND_SIGNS[Bound(bound)]} {fmt(high)}"
    elif bound == Bound.RANGE:
        text = f"{fmt(low)} – {fmt(high)}"
    else:
        text = fmt(point)
    return f"{text}{tail}"

"""Turning a claim's value as written into stored fields, checked against its metric.

The text reader (``claims.values``) knows nothing of metrics; this module applies a metric's
value type, dimension and unit to what the reader found, and reports every problem as a
``ValidationError`` keyed by the field at fault.
"""

import datetime

from django.core.exceptions import ValidationError

from claims.choices import Dimension, ValueType
from claims.values import (
    CURRENCIES,
    ClaimValue,
    Quantity,
    UnreadableValue,
    read_date,
    read_quantity,
)
from claims.values.asof import read_as_of
from claims.values.kinds import MULTIPLIER, PERCENT
from sources.periods import format_period

AS_OF_CONTEXTS = {"day", "month", "quarter", "year"}
# An as-of phrase is a few words ("by the end of January"); anything longer is not one.
AS_OF_TEXT_MAX = 200
TRUE_WORDS = {"yes", "true", "y", "1"}
FALSE_WORDS = {"no", "false", "n", "0"}


def _singular(word: str) -> str:
    return word[:-1] if word.endswith("s") else word


def _unit_fits(unit: str | None, metric) -> str | None:
    """Why a quantity's unit does not fit the metric, or None when it fits."""
    dimension = metric.dimension
    named = f"metric \u201c{metric.name}\u201d"
    if dimension == Dimension.MONEY:
        if unit is None or unit in {PERCENT, MULTIPLIER}:
            return f"{named} is money: write the currency (RMB, USD, $…)."
        if unit not in CURRENCIES:
            return f"\u201c{unit}\u201d does not fit {named}, which is money: write a currency."
        return None
    if unit in CURRENCIES:
        return f"a currency ({unit}) does not fit {named}, which is not money."
    if dimension == Dimension.PERCENT:
        return None if unit == PERCENT else f"{named} is a percentage: write the % sign."
    if dimension == Dimension.MULTIPLIER:
        return (
            None if unit == MULTIPLIER else f"{named} is a multiplier: write it as 6× or 6 times."
        )
    if unit in {PERCENT, MULTIPLIER}:
        return f"\u201c{unit}\u201d does not fit {named}, measured in {metric.unit or 'plain numbers'}."
    if unit is not None and (not metric.unit or _singular(unit) != _singular(metric.unit.lower())):
        measured = f"measured in {metric.unit}" if metric.unit else "a plain number"
        return f"\u201c{unit}\u201d does not fit {named}, {measured}."
    return None


def _quantity_value(quantity: Quantity, metric) -> ClaimValue:
    problem = _unit_fits(quantity.unit, metric)
    if problem:
        raise ValidationError({"value_text": f"{problem[0].upper()}{problem[1:]}"})
    figures = [quantity.low, quantity.high, quantity.point]
    if metric.dimension != Dimension.PERCENT and any(f is not None and f < 0 for f in figures):
        raise ValidationError(
            {"value_text": f"\u201c{quantity.text}\u201d is negative; {metric.name} cannot be."}
        )
    equivalent = quantity.equivalent
    if equivalent is not None:
        if metric.dimension != Dimension.MONEY:
            raise ValidationError(
                {"value_text": "Only money values can give an equivalent in another currency."}
            )
        if equivalent.unit not in CURRENCIES:
            raise ValidationError(
                {"value_text": f"The equivalent \u201c{equivalent.text}\u201d needs a currency."}
            )
    return ClaimValue.of_quantity(quantity, money=metric.dimension == Dimension.MONEY)


def read_value(*, metric, value_text: str, context: datetime.date | None, resolve_entity) -> dict:
    """The stored value fields for ``value_text`` under ``metric``.

    ``resolve_entity(name)`` returns the entity a name or alias denotes, or None.
    Every value field is in the result (``ClaimValue.FIELDS``, the entity as the entity), those
    of other value types empty: a value of one type clears the others.
    Raises ``ValidationError({"value_text": …})`` when the value cannot be read or does not fit.
    """
    text = (value_text or "").strip()
    if not text:
        raise ValidationError({"value_text": "Write the value as the source states it."})
    value_type = metric.value_type
    entity = None
    try:
        if value_type == ValueType.QUANTITY:
            value = _quantity_value(read_quantity(text, tolerance=metric.tolerance), metric)
        elif value_type == ValueType.DATE:
            value = ClaimValue.of_date(read_date(text, context=context))
        elif value_type == ValueType.TEXT:
            value = ClaimValue(text_value=" ".join(text.split()))
        elif value_type == ValueType.ENTITY:
            entity = resolve_entity(text)
            if entity is None:
                raise ValidationError(
                    {"value_text": f"No entity is named \u201c{text}\u201d (by name or alias)."}
                )
            value = ClaimValue(entity_value_id=entity.pk)
        elif value_type == ValueType.BOOLEAN:
            word = text.casefold()
            if word not in TRUE_WORDS | FALSE_WORDS:
                raise ValidationError(
                    {"value_text": f"\u201c{text}\u201d is not a yes/no value (write yes or no)."}
                )
            value = ClaimValue(bool_value=word in TRUE_WORDS)
        else:
            raise ValidationError({"metric": f"Metric has an unknown value type {value_type!r}."})
    except UnreadableValue as exc:
        raise ValidationError({"value_text": str(exc)}) from exc
    return value.to_fields(entity)


def read_as_of_text(text: str, *, source, field: str = "as_of_text") -> tuple:
    """(start, end, precision) of an as-of phrase as the source writes it ("by end of January").

    The one reading of ``as_of_text`` for every way in (API, admin, import): a phrase longer
    than ``AS_OF_TEXT_MAX``, one with a NUL, or one that cannot be read is a ``ValidationError``
    under ``field``, never cut short.
    """
    if "\x00" in text:
        raise ValidationError(
            {field: "The as-of phrase contains a NUL character; write it as the source does."}
        )
    if len(text) > AS_OF_TEXT_MAX:
        raise ValidationError(
            {
                field: f"An as-of phrase has at most {AS_OF_TEXT_MAX} characters; this one has "
                f"{len(text):,}. Give only the words that date the figure "
                "(\u201cby the end of January\u201d)."
            }
        )
    if source.published is None or source.published_precision not in AS_OF_CONTEXTS:
        raise ValidationError(
            {
                field: f"\u201c{text}\u201d cannot be read: the source\u2019s date is not known "
                "to the day, month, quarter or year; give the period itself in as_of."
            }
        )
    try:
        value = read_as_of(text, published=source.published, precision=source.published_precision)
    except UnreadableValue as exc:
        raise ValidationError({field: str(exc)}) from exc
    return value.start, value.end, value.precision.value


def as_of_agreed(text: str, read: tuple, given: tuple | None, field: str = "as_of_text") -> tuple:
    """The period of an as-of phrase (``read``, from ``read_as_of_text``) when an explicit
    as-of period (``given``, as (start, end, precision)) may also be given: both must name
    the same days, or it is an error under ``field``; nothing is silently picked."""
    if given is None or given[:2] == read[:2]:
        return read
    raise ValidationError(
        {
            field: f"\u201c{text}\u201d reads as {format_period(*read)}, but as_of gives "
            f"{format_period(*given)}: give one of them, not both, or make them agree."
        }
    )


def read_period(text: str, *, context: datetime.date | None, field: str = "as_of") -> tuple:
    """(start, end, precision) of a period as written ("March 22–28, 2026", "early 2026")."""
    try:
        value = read_date(text, context=context)
    except UnreadableValue as exc:
        raise ValidationError({field: str(exc)}) from exc
    return value.start, value.end, value.precision.value

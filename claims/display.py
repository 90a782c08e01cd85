"""Values as read, in words a reader understands: "> 1 trillion parameters", "≈ 400 (380–420)"."""

from claims.choices import Bound, Dimension, ValueType
from claims.values import format_number
from sources.periods import format_period

CURRENCY_SIGNS = {
    "USD": "USD ",
    "CNY": "RMB ",
    "EUR": "EUR ",
    "HKD": "HKD ",
    "GBP": "GBP ",
    "JPY": "JPY ",
}


UNIT_SYMBOL: dict[str, str] = {Dimension.PERCENT: "%", Dimension.MULTIPLIER: "×"}


def quantity_unit(metric, currency: str) -> str:
    """The unit a quantity's numbers are in: a currency code, %, × or the metric's unit word."""
    return unit_of(metric.dimension, metric.unit, currency)


def unit_of(dimension: str, unit: str, currency: str) -> str:
    """``quantity_unit`` from a metric's dimension and unit word."""
    return currency or UNIT_SYMBOL.get(dimension, unit)


def _amount(value: float | None, currency: str, unit: str) -> str:
    if value is None:
        return "?"
    number = format_number(value)
    if currency:
        return f"{CURRENCY_SIGNS.get(currency, currency + ' ')}{number}"
    if unit == "%":
        return f"{number}%"
    if unit == "×":
        return f"{number}×"
    return number


def quantity_display(
    *, bound: str, low, high, point, currency: str = "", unit: str = "", dimension: str = ""
) -> str:
    """A quantity as read, with its bound spelled out."""
    symbol = {"percent": "%", "multiplier": "×"}.get(dimension, "")

    def fmt(value):
        return _amount(value, currency, symbol)

    tail = f" {unit}" if unit and not currency and not symbol else ""
    if bound == Bound.EXACT:
        text = fmt(point)
    elif bound == Bound.APPROXIMATE:
        return f"≈ {fmt(point)}{tail} ({fmt(low)} – {fmt(high)})"
    elif bound == Bound.MORE_THAN:
        text = f"> {fmt(low)}"
    elif bound == Bound.AT_LEAST:
        text = f"≥ {fmt(low)}"
    elif bound == Bound.AT_MOST:
        text = f"≤ {fmt(high)}"
    elif bound == Bound.LESS_THAN:
        text = f"< {fmt(high)}"
    elif bound == Bound.RANGE:
        text = f"{fmt(low)} – {fmt(high)}"
    elif bound == Bound.VAGUE:
        return f"vague: somewhere from {fmt(low)} up to {fmt(high)}{tail}"
    else:
        text = fmt(point)
    return f"{text}{tail}"


def value_display(claim) -> str:
    """A claim's value as read."""
    metric = claim.metric
    value_type = metric.value_type
    if value_type == ValueType.QUANTITY:
        text = quantity_display(
            bound=claim.bound,
            low=claim.low,
            high=claim.high,
            point=claim.point,
            currency=claim.currency,
            unit=metric.unit,
            dimension=metric.dimension,
        )
        if claim.eq_currency:
            equivalent = quantity_display(
                bound=claim.bound,
                low=claim.eq_low,
                high=claim.eq_high,
                point=claim.eq_point,
                currency=claim.eq_currency,
            )
            text = f"{text} (= {equivalent})"
        return text
    if value_type == ValueType.DATE:
        return format_period(claim.date_start, claim.date_end, claim.date_precision)
    if value_type == ValueType.ENTITY:
        return claim.entity_value.name if claim.entity_value_id else "?"
    if value_type == ValueType.BOOLEAN:
        return {True: "yes", False: "no"}.get(claim.bool_value, "?")
    return claim.text_value

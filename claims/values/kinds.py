"""The enumerations of a claim's value, declared once; the Django choices derive from these."""

import enum

from claims.values.types import Bound


class ValueType(enum.StrEnum):
    """What kind of value a metric takes; the values are the stored strings."""

    QUANTITY = "quantity"
    DATE = "date"
    TEXT = "text"
    ENTITY = "entity"
    BOOLEAN = "boolean"


class Counting(enum.StrEnum):
    """How a quantity metric counts (DESIGN.md, "How a metric counts")."""

    LEVEL = "level"
    RUNNING_TOTAL = "running_total"
    WINDOW_TOTAL = "window_total"


# The currencies money can be stored in (ISO codes), and how a figure in each is written.
CURRENCIES = ("USD", "CNY", "EUR", "HKD", "GBP", "JPY")
# Other spellings of a currency's code that sources and editors write ("RMB" is CNY).
CURRENCY_ALIASES = {"RMB": "CNY"}
CURRENCY_SIGNS = {
    code: next((alias for alias, to in CURRENCY_ALIASES.items() if to == code), code) + " "
    for code in CURRENCIES
}
# The unit a percentage or a multiplier is read and shown with.
PERCENT, MULTIPLIER = "%", "×"


__all__ = [
    "CURRENCIES",
    "CURRENCY_ALIASES",
    "CURRENCY_SIGNS",
    "MULTIPLIER",
    "PERCENT",
    "Bound",
    "Counting",
    "ValueType",
]

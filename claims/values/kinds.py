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


# The currencies money can be stored in (ISO codes), and how a figure in each is written.
CURRENCIES = ("USD", "CNY", "EUR", "HKD", "GBP", "JPY")
CURRENCY_SIGNS = {code: ("RMB" if code == "CNY" else code) + " " for code in CURRENCIES}
# The unit a percentage or a multiplier is read and shown with.
PERCENT, MULTIPLIER = "%", "×"


def label(member: enum.Enum) -> str:
    """A member's label for forms and the admin: its stored string in words ("more than")."""
    return member.value.replace("_", " ")


__all__ = ["CURRENCIES", "CURRENCY_SIGNS", "MULTIPLIER", "PERCENT", "Bound", "ValueType", "label"]

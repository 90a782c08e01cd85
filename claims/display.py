"""Values as read, in words a reader understands: "> 1 trillion parameters", "≈ 400 (380–420)".

The words are ``ClaimValue.display``'s; this module applies them to stored claims and gives
dates the site's one period format.
"""

from claims.values.claim_value import ClaimValue, quantity_display
from claims.values.kinds import CURRENCY_SIGNS
from sources.periods import format_period

__all__ = ["CURRENCY_SIGNS", "quantity_display", "value_display", "value_words"]


def value_display(claim) -> str:
    """A claim's value as read."""
    metric = claim.metric
    return value_words(
        ClaimValue.from_columns(claim),
        value_type=metric.value_type,
        dimension=metric.dimension,
        unit=metric.unit,
        entity_name=claim.entity_value.name if claim.entity_value_id else None,
    )


def value_words(value: ClaimValue, *, value_type, dimension, unit, entity_name) -> str:
    """A value as read, under its metric's type, dimension and unit word."""
    return value.display(
        value_type, dimension=dimension, unit=unit, entity_name=entity_name, period=format_period
    )

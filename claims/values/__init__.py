"""Read values as sources write them ("over 1 trillion", "RMB 0.8 (USD 0.11)", "early 2026").

Design intent (DESIGN.md, "Values"): a value is kept as written and as numbers, a bound and the
low/high/point figures for quantities, a first and last day with a precision for dates. Reading
is strict: text that cannot be read without guessing is refused with UnreadableValue, whose
message names the text; a reading never falls back to 0 or None. Only the standard library is
used, so models, forms, serializers and commands can all share this one reader.
"""

from claims.values.asof import Period, ProjectedPeriod, find_as_of, read_as_of
from claims.values.claim_value import ClaimValue
from claims.values.dates import read_date
from claims.values.facts import ClaimFacts, Money, is_later, normalize_text
from claims.values.kinds import CURRENCIES, CURRENCY_ALIASES, Counting, ValueType
from claims.values.quantities import format_number, read_quantity, short_number
from claims.values.types import Bound, DatePrecision, DateValue, Quantity, UnreadableValue

__all__ = [
    "CURRENCIES",
    "CURRENCY_ALIASES",
    "Bound",
    "ClaimFacts",
    "ClaimValue",
    "Counting",
    "DatePrecision",
    "DateValue",
    "Money",
    "Period",
    "ProjectedPeriod",
    "Quantity",
    "UnreadableValue",
    "ValueType",
    "find_as_of",
    "format_number",
    "is_later",
    "normalize_text",
    "read_as_of",
    "read_date",
    "read_quantity",
    "short_number",
]

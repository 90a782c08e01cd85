"""How precisely a date is known: declared once, in plain Python.

A source's publication date and a claim's dates and as-of periods all carry one; the value
reader (``claims.values``, which must not import Django) produces it, and the Django choices
(``sources.choices.DatePrecision``) derive from it.
"""

import enum


class DatePrecision(enum.StrEnum):
    """How precisely a date is known; the values are the stored strings."""

    DAY = "day"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    RANGE = "range"
    # No date at all (an undated source or claim); the value reader never produces it.
    UNKNOWN = "unknown"

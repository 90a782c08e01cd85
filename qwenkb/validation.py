"""Checks every write service makes of what it is given, whoever calls it."""

from django.core.exceptions import ValidationError


def refuse_nul(values: dict) -> None:
    """A 400-worthy error naming each text field holding a NUL character.

    PostgreSQL's text cannot store one: without this check the database refuses it late,
    as a server error, and SQLite would store what PostgreSQL cannot.
    """
    bad = {
        name: "Contains a NUL character, which cannot be stored."
        for name, value in values.items()
        if isinstance(value, str) and "\x00" in value
    }
    if bad:
        raise ValidationError(bad)

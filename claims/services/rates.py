"""Writes of exchange rates; a rate changes how money in two currencies compares, so the
groups holding money in either currency are re-checked at once."""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from claims import conflicts, detection
from claims.choices import ClaimStatus
from claims.models import Claim, Contradiction, ExchangeRate
from qwenkb.history import stamp

# What an editor writes on a rate: the admin form and the services take this list.
RATE_FIELDS = ("from_currency", "to_currency", "rate", "note")


@dataclass
class RateWrite:
    """The outcome of a rate write: the rate and the contradictions it opened."""

    exchange_rate: ExchangeRate
    opened: list[Contradiction]


def _money_groups(currencies: set[str]) -> list[tuple[int, int]]:
    """The subject+metric groups whose live claims carry money in one of ``currencies``."""
    spellings = set().union(*(conflicts.currency_spellings(code) for code in currencies))
    if not spellings:
        return []
    claims = Claim.objects.exclude(status=ClaimStatus.REJECTED).filter(
        Q(currency__in=spellings) | Q(eq_currency__in=spellings)
    )
    return list(claims.order_by().values_list("subject_id", "metric_id").distinct())


def _recheck(currencies: set[str]) -> list[Contradiction]:
    return detection.groups_detect(_money_groups(currencies)).opened


@transaction.atomic
def exchange_rate_save(
    *,
    exchange_rate: ExchangeRate | None = None,
    user: Any = None,
    reason: str = "",
    **values: Any,
) -> RateWrite:
    """Record a rate, or change one; re-checks the money groups of its old and new currencies."""
    unknown = set(values) - set(RATE_FIELDS)
    if unknown:
        raise ValidationError({name: "This field does not exist on a rate." for name in unknown})
    creating = exchange_rate is None
    rate = (
        ExchangeRate()
        if exchange_rate is None
        else ExchangeRate.objects.select_for_update().get(pk=exchange_rate.pk)
    )
    before = set() if creating else {rate.from_currency, rate.to_currency}
    for name in ("from_currency", "to_currency"):
        if name in values:
            values[name] = str(values[name]).strip().upper()
    changed = {k: v for k, v in values.items() if creating or getattr(rate, k) != v}
    if not changed:
        return RateWrite(rate, [])
    for name, value in changed.items():
        setattr(rate, name, value)
    rate.full_clean()
    stamp(rate, user=user, reason=reason)
    rate.save()
    if not {"from_currency", "to_currency", "rate"} & set(changed):
        return RateWrite(rate, [])  # only the note changed
    return RateWrite(rate, _recheck(before | {rate.from_currency, rate.to_currency}))


@transaction.atomic
def exchange_rate_delete(
    *, exchange_rate: ExchangeRate, user: Any = None, reason: str = ""
) -> list[Contradiction]:
    """Delete a rate; its currencies' money groups are re-checked without it."""
    currencies = {exchange_rate.from_currency, exchange_rate.to_currency}
    stamp(exchange_rate, user=user, reason=reason)
    exchange_rate.delete()
    return _recheck(currencies)

"""Claims as plain rows, and the plain values and rules the pure engine takes from them."""

import dataclasses
import datetime
import functools
from collections import namedtuple
from typing import TYPE_CHECKING, Any

from claims import conflicts
from claims.models import Claim, ExchangeRate, Metric
from claims.values import ClaimValue
from claims.values.claim_value import COLUMNS as VALUE_COLUMNS

Group = tuple[int, int]  # (subject_id, metric_id)


def source_label(publisher: str, published: datetime.date | None) -> str:
    """Who says it, for explanations: "VentureBeat (Feb 2026)"."""
    return f"{publisher} ({_month(published) if published else 'undated'})"


@functools.lru_cache(maxsize=4096)
def _month(day: datetime.date) -> str:
    """A day's month as explanations write it ("Feb 2026"); a rescan's sources share a few
    thousand publication days, each formatted once."""
    return day.strftime("%b %Y")


def claim_label(claim: Claim) -> str:
    """Who says a stored claim, for explanations."""
    return source_label(claim.source.publisher.name, claim.source.published)


_CLAIM_COLUMNS = (
    *("id", "subject_id", "metric_id", "status", "rank", "value_text"),
    *VALUE_COLUMNS,
    *("as_of_start", "as_of_end"),
)


_VALUE_SLICE = slice(
    _CLAIM_COLUMNS.index(VALUE_COLUMNS[0]), _CLAIM_COLUMNS.index(VALUE_COLUMNS[-1]) + 1
)


@functools.lru_cache(maxsize=1 << 14)
def _signature(values: tuple) -> str:
    """The signature of a value's columns, computed once per distinct value: a rescan's claims
    share few values (2,779 among the 14,236 claims of a batch of synthetic groups)."""
    return ClaimValue._make(values).signature()


# The columns come from the value type's columns, so type checkers cannot list them.
class ClaimRow(namedtuple("ClaimRow", (*_CLAIM_COLUMNS, "label"))):  # type: ignore[misc]
    """The columns of a claim that detection reads: a plain row, without a model's cost.

    A rescan reads a hundred thousand claims; building model instances (and their source
    and publisher) took most of its time.
    """

    __slots__ = ()
    COLUMNS = _CLAIM_COLUMNS

    if TYPE_CHECKING:

        def __getattr__(self, column: str) -> Any: ...  # every column is an attribute

    @property
    def value(self) -> ClaimValue:
        """The value as read."""
        return ClaimValue._make(self[_VALUE_SLICE])

    def value_signature(self) -> str:
        """The value's fingerprint (``ClaimValue.signature``)."""
        values: tuple = self[_VALUE_SLICE]
        # A zero would share its entry with a negative zero, whose text differs.
        return ClaimValue._make(values).signature() if 0.0 in values else _signature(values)

    @property
    def pk(self) -> int:
        """The claim's id, under the name model code uses."""
        return self.id


# What a claim's ``label`` is made of (``source_label``): who says it, and when.
LABEL_COLUMNS = ("source__publisher__name", "source__published")


def claim_rows(claims) -> list[ClaimRow]:
    """``ClaimRow``s of a claim queryset, in id order, in one query."""
    columns = (*ClaimRow.COLUMNS, *LABEL_COLUMNS)
    make = ClaimRow._make
    return [
        make((*row[:-2], source_label(row[-2], row[-1])))
        for row in claims.order_by("pk").values_list(*columns)
    ]


class RecordRow(
    namedtuple(
        "RecordRow",
        [
            "id",
            "claim_a_id",
            "claim_b_id",
            "subject_id",
            "metric_id",
            "kind",
            "severity",
            "status",
            "origin",
            "explanation",
            "signature",
            "preferred_claim_id",
        ],
    )
):
    """The columns of a contradiction record that reconciling reads, as a plain row.

    A rescan reads every record of the groups it checks and changes few of them; only
    those it changes are read again as model instances.
    """

    __slots__ = ()

    def other(self, claim_id: int) -> int:
        """The id of the claim paired with ``claim_id``."""
        return self.claim_b_id if claim_id == self.claim_a_id else self.claim_a_id


def record_rows(records) -> list[RecordRow]:
    """``RecordRow``s of a contradiction queryset, in one query."""
    return [RecordRow._make(row) for row in records.values_list(*RecordRow._fields)]


def claim_facts(claim: ClaimRow) -> conflicts.ClaimFacts:
    """The plain values of a claim that the rules look at."""
    return ClaimValue._make(claim[_VALUE_SLICE]).facts(
        claim.id, claim.value_text, claim.label, claim.as_of_start, claim.as_of_end
    )


# The metric's fields that are its comparison rules: every field of ``conflicts.Rules``.
RULE_FIELDS = tuple(f.name for f in dataclasses.fields(conflicts.Rules))


def metric_rules(metric: Metric) -> conflicts.Rules:
    """The comparison rules a metric sets."""
    return conflicts.Rules(**{name: getattr(metric, name) for name in RULE_FIELDS})


def exchange_rates() -> dict[tuple[str, str], float]:
    """Rates editors recorded, keyed (from, to)."""
    return {(r.from_currency, r.to_currency): r.rate for r in ExchangeRate.objects.all()}

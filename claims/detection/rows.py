"""Claims as plain rows, and the plain values and rules the pure engine takes from them."""

import datetime

from claims import conflicts
from claims.models import Claim, ExchangeRate, Metric

Group = tuple[int, int]  # (subject_id, metric_id)


# The columns a claim's value is stored in. Claims equal in all of them get the same verdict
# against any claim, and a claim never conflicts with its own value (``conflicts`` relies on
# this too), so a group whose live claims share one value has no finding whatever the rules.
VALUE_COLUMNS = (
    *("bound", "low", "high", "point", "currency"),
    *("eq_currency", "eq_low", "eq_high", "eq_point"),
    *("date_start", "date_end", "text_value", "entity_value_id", "bool_value"),
)


def source_label(publisher: str, published: datetime.date | None) -> str:
    """Who says it, for explanations: "VentureBeat (Feb 2026)"."""
    when = published.strftime("%b %Y") if published else "undated"
    return f"{publisher} ({when})"


def claim_label(claim: Claim) -> str:
    """Who says a stored claim, for explanations."""
    return source_label(claim.source.publisher.name, claim.source.published)


class ClaimRow:
    """The columns of a claim that detection reads: a plain row, without a model's cost.

    A rescan reads tens of thousands of claims; building model instances (and their source
    and publisher) took most of its time. The value fingerprint is the model's own method.
    """

    COLUMNS = (
        *("id", "subject_id", "metric_id", "status", "rank", "value_text"),
        *VALUE_COLUMNS,
        *("as_of_start", "as_of_end"),
    )
    __slots__ = (*COLUMNS, "label")
    value_signature = Claim.value_signature

    def __init__(self, row: tuple):
        for name, value in zip(self.COLUMNS, row, strict=False):
            setattr(self, name, value)
        self.label = source_label(row[-2], row[-1])

    @property
    def pk(self) -> int:
        """The claim's id, under the name model code uses."""
        return self.id


def claim_rows(claims) -> list[ClaimRow]:
    """``ClaimRow``s of a claim queryset, in id order, in one query."""
    columns = (*ClaimRow.COLUMNS, "source__publisher__name", "source__published")
    return [ClaimRow(row) for row in claims.order_by("pk").values_list(*columns)]


def claim_facts(claim: ClaimRow) -> conflicts.ClaimFacts:
    """The plain values of a claim that the rules look at."""
    equivalent = None
    if claim.eq_currency:
        equivalent = conflicts.Money(claim.eq_currency, claim.eq_low, claim.eq_high, claim.eq_point)
    return conflicts.ClaimFacts(
        id=claim.id,
        value_text=claim.value_text,
        label=claim.label,
        bound=claim.bound or None,
        low=claim.low,
        high=claim.high,
        point=claim.point,
        currency=claim.currency or None,
        equivalent=equivalent,
        date_start=claim.date_start,
        date_end=claim.date_end,
        text=claim.text_value or None,
        entity_id=claim.entity_value_id,
        boolean=claim.bool_value,
        as_of_start=claim.as_of_start,
        as_of_end=claim.as_of_end,
    )


def metric_rules(metric: Metric) -> conflicts.Rules:
    """The comparison rules a metric sets."""
    return conflicts.Rules(
        value_type=metric.value_type,
        tolerance=metric.tolerance,
        single_valued=metric.single_valued,
        time_varying=metric.time_varying,
        unit=metric.unit,
    )


def exchange_rates() -> dict[tuple[str, str], float]:
    """Rates editors recorded, keyed (from, to)."""
    return {(r.from_currency, r.to_currency): r.rate for r in ExchangeRate.objects.all()}


def pair_signature(a: ClaimRow, b: ClaimRow) -> str:
    """Both claims' values, to tell later whether either has changed."""
    return f"{a.value_signature()}#{b.value_signature()}"

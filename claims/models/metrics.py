"""Metrics (what is claimed) and the exchange rates editors record between currencies."""

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from claims.choices import Counting, Dimension, ValueType


class Metric(models.Model):
    """What a claim states: total parameters, release date, licence, role…"""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200)
    description = models.TextField(blank=True)
    value_type = models.CharField(max_length=10, choices=ValueType.choices)
    dimension = models.CharField(
        max_length=10,
        choices=Dimension.choices,
        blank=True,
        help_text="Quantities only: number, percentage, multiplier or money.",
    )
    unit = models.CharField(
        max_length=100,
        blank=True,
        help_text='Unit word of a number quantity, plural ("parameters", "tokens").',
    )
    tolerance = models.FloatField(
        default=0.05, help_text="Relative difference two figures may have and still agree."
    )
    single_valued = models.BooleanField(
        default=True, help_text="Takes one true value at a time (else several values can hold)."
    )
    time_varying = models.BooleanField(
        default=False, help_text="The value changes over time (downloads do)."
    )
    bound_ratio = models.FloatField(
        default=1.5,
        help_text="How far apart an open bound (“over 100”) and a figure inside it may be "
        "before they are a discrepancy.",
    )
    counting = models.CharField(
        max_length=15,
        choices=Counting.choices,
        default=Counting.LEVEL,
        help_text="Quantities: a level, a running total that cannot fall, or a total over "
        "the claim's as-of window.",
    )
    # A list of phrases (JSON, so it is the same column on SQLite and PostgreSQL).
    cues = models.JSONField(
        default=list,
        blank=True,
        help_text='Phrases that name the metric in text ("context window", "monthly active '
        'users"); the extractor ties a figure to the metric through them.',
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["slug"],
                name="metric_slug_unique",
                violation_error_message="A metric with this slug already exists.",
            ),
            models.CheckConstraint(
                condition=Q(value_type__in=ValueType.values),
                name="metric_value_type_valid",
                violation_error_message="Value type must be quantity, date, text, entity or boolean.",
            ),
            models.CheckConstraint(
                condition=(
                    Q(value_type=ValueType.QUANTITY, dimension__in=Dimension.values)
                    | (~Q(value_type=ValueType.QUANTITY) & Q(dimension=""))
                ),
                name="metric_dimension_matches_type",
                violation_error_message="A quantity metric needs a dimension; other types have none.",
            ),
            models.CheckConstraint(
                condition=Q(bound_ratio__gte=1),
                name="metric_bound_ratio_at_least_1",
                violation_error_message="The bound ratio must be at least 1.",
            ),
            models.CheckConstraint(
                condition=Q(counting__in=Counting.values),
                name="metric_counting_valid",
                violation_error_message="Counting must be level, running_total or window_total.",
            ),
            models.CheckConstraint(
                condition=Q(tolerance__gte=0, tolerance__lt=1),
                name="metric_tolerance_range",
                violation_error_message="Tolerance must be at least 0 and below 1.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ExchangeRate(models.Model):
    """A rate an editor records so that money in two currencies can be compared."""

    from_currency = models.CharField(max_length=3)
    to_currency = models.CharField(max_length=3)
    rate = models.FloatField(help_text="One unit of the first currency in the second.")
    note = models.CharField(max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["from_currency", "to_currency"],
                name="exchange_rate_pair_unique",
                violation_error_message="A rate between these currencies already exists.",
            ),
            models.CheckConstraint(
                condition=Q(rate__gt=0),
                name="exchange_rate_positive",
                violation_error_message="A rate must be above zero.",
            ),
        ]

    def __str__(self) -> str:
        return f"1 {self.from_currency} = {self.rate} {self.to_currency}"

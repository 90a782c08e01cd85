"""Publishers and sources: who says things, and the documents in which they say them."""

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from sources.choices import DatePrecision, Reliability
from sources.periods import period_end


class Publisher(models.Model):
    """Who publishes documents (a news site, a company blog, a forum)."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200)
    url = models.URLField(blank=True)
    reliability = models.CharField(
        "default reliability",
        max_length=1,
        choices=Reliability.choices,
        default=Reliability.F,
        help_text="Grade given to this publisher's sources unless a source says otherwise.",
    )
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["slug"],
                name="publisher_slug_unique",
                violation_error_message="A publisher with this slug already exists.",
            ),
            models.CheckConstraint(
                condition=Q(reliability__in=Reliability.values),
                name="publisher_reliability_valid",
                violation_error_message="Reliability must be a grade from A to F.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Source(models.Model):
    """One document: an article, a report, a blog post."""

    key = models.SlugField(
        max_length=100,
        help_text="Stable identifier used by fixtures and imports, e.g. seed-001.",
    )
    title = models.CharField(max_length=500)
    publisher = models.ForeignKey(Publisher, on_delete=models.PROTECT, related_name="sources")
    author = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=1000, blank=True)
    published = models.DateField(null=True, blank=True, help_text="First day of the period.")
    published_precision = models.CharField(
        max_length=10, choices=DatePrecision.choices, default=DatePrecision.UNKNOWN
    )
    published_inferred = models.BooleanField(
        default=False, help_text="The date is inferred from the text, not stated."
    )
    published_note = models.CharField(max_length=500, blank=True)
    language = models.CharField(max_length=20, default="en")
    text = models.TextField(
        blank=True, help_text="The document's full text; when present, quotes are verified."
    )
    reliability = models.CharField(
        max_length=1,
        choices=Reliability.choices,
        blank=True,
        help_text="Leave empty to use the publisher's default grade.",
    )
    reliability_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-published", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"],
                name="source_key_unique",
                violation_error_message="A source with this key already exists.",
            ),
            models.CheckConstraint(
                condition=Q(reliability__in=Reliability.values),
                name="source_reliability_valid",
                violation_error_message="Reliability must be a grade from A to F.",
            ),
            models.CheckConstraint(
                condition=Q(published_precision__in=DatePrecision.values),
                name="source_published_precision_valid",
                violation_error_message="Published precision must be day, month, year or unknown.",
            ),
            models.CheckConstraint(
                condition=(
                    Q(published__isnull=True, published_precision=DatePrecision.UNKNOWN)
                    | (Q(published__isnull=False) & ~Q(published_precision=DatePrecision.UNKNOWN))
                ),
                name="source_published_matches_precision",
                violation_error_message="A published date needs a precision; an unknown date has none.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def published_end(self):
        """Last day of the published period (None when unknown)."""
        return period_end(self.published, self.published_precision)

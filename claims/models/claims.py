"""Claims: what one source says about one entity's metric, with the exact quote."""

from django.conf import settings
from django.db import models
from django.db.models import F, Func, Q
from simple_history.models import HistoricalRecords

from claims.choices import Bound, ClaimOrigin, ClaimRank, ClaimStatus
from claims.values.claim_value import KEY_COLUMNS, ClaimValue
from sources.choices import DatePrecision
from sources.periods import format_period

_DATE_COLUMNS = frozenset({"date_start", "date_end"})


class ValueKey(Func):
    """The given value columns (``ClaimValue``'s ``KEY_COLUMNS``) as one text, exactly.

    Two claims have equal keys exactly when they are equal in every such column, so
    "do the live claims of a group carry two values?" is one ``MIN(key) <> MAX(key)`` per
    group instead of comparing fourteen columns. Each column is written as an SQL literal
    (``NULL`` or quoted, quotes doubled), comma-separated, so no two rows share a key by
    accident: SQLite's ``quote()`` writes a real as the shortest text that reads back as the
    same double. PostgreSQL's generated columns take only immutable expressions, so a date
    is written as its day number (date to text depends on ``DateStyle``) and a double as
    ``float8`` text, exact at the default ``extra_float_digits`` (PostgreSQL 12 and later).

    The columns are an argument, so a migration records them: a value column added later
    changes the model's expression, and ``makemigrations`` writes the migration that
    recomputes the key, instead of an old migration silently meaning something new.
    """

    output_field = models.TextField()

    def __init__(self, columns: tuple[str, ...]):
        # Deconstructed (Expression is deconstructible) with ``columns`` as given.
        self.columns = tuple(columns)
        super().__init__(
            *(F(column.removesuffix("_id")) for column in self.columns),
            output_field=models.TextField(),
        )

    def _joined(self, compiler, quote) -> tuple[str, list]:
        parts, params = [], []
        for column, expression in zip(self.columns, self.source_expressions, strict=True):
            sql, column_params = compiler.compile(expression)
            parts.append(quote(column, sql))
            params.extend(column_params)
        return " || ',' || ".join(parts), params

    def as_sql(self, compiler, connection, **extra_context):
        return self._joined(compiler, lambda column, sql: f"quote({sql})")

    def as_postgresql(self, compiler, connection, **extra_context):
        def quote(column: str, sql: str) -> str:
            if column in _DATE_COLUMNS:
                sql = f"({sql} - DATE '2000-01-01')"
            return f"quote_nullable(({sql})::text)"

        return self._joined(compiler, quote)


class Claim(models.Model):
    """A statement by a source: subject + metric + value, tied to a verbatim quote."""

    # No index of their own: each leads a composite index below (subject+metric, metric+value,
    # source+offset), which serves the same look-ups; one index fewer per key to write.
    subject = models.ForeignKey(
        "claims.Entity", on_delete=models.PROTECT, related_name="claims", db_index=False
    )
    metric = models.ForeignKey(
        "claims.Metric", on_delete=models.PROTECT, related_name="claims", db_index=False
    )
    source = models.ForeignKey(
        "sources.Source", on_delete=models.PROTECT, related_name="claims", db_index=False
    )
    value_text = models.CharField("value as written", max_length=300)

    # A quantity as read: bound and numbers in the metric's unit (or the currency's).
    bound = models.CharField(max_length=12, choices=Bound.choices, blank=True)
    low = models.FloatField(null=True, blank=True)
    high = models.FloatField(null=True, blank=True)
    point = models.FloatField(null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    # The same amount in another currency, as the source itself gives it.
    eq_currency = models.CharField("equivalent currency", max_length=3, blank=True)
    eq_low = models.FloatField(null=True, blank=True)
    eq_high = models.FloatField(null=True, blank=True)
    eq_point = models.FloatField(null=True, blank=True)
    # A date as read, with its precision.
    date_start = models.DateField(null=True, blank=True)
    date_end = models.DateField(null=True, blank=True)
    date_precision = models.CharField(max_length=10, choices=DatePrecision.choices, blank=True)
    # Categorical values.
    text_value = models.CharField(max_length=500, blank=True)
    entity_value = models.ForeignKey(
        "claims.Entity",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claims_as_value",
    )
    bool_value = models.BooleanField(null=True, blank=True)
    # Filled by the database: the value columns as one text (``ValueKey``), for finding the
    # groups whose claims disagree without comparing every column. Not kept in the history.
    value_key = models.GeneratedField(
        expression=ValueKey(KEY_COLUMNS), output_field=models.TextField(), db_persist=True
    )

    quote = models.TextField(help_text="Verbatim from the source: the shortest span carrying it.")
    quote_offset = models.PositiveIntegerField(
        null=True, blank=True, editable=False, help_text="Where the quote starts in the text."
    )
    attributed_to = models.ForeignKey(
        "sources.Publisher",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attributed_claims",
        help_text="Whom the source reports this from (\u201caccording to 36Kr\u201d).",
    )
    as_of_start = models.DateField(null=True, blank=True)
    as_of_end = models.DateField(null=True, blank=True)
    as_of_precision = models.CharField(
        max_length=10, choices=DatePrecision.choices, default=DatePrecision.UNKNOWN
    )
    status = models.CharField(max_length=10, choices=ClaimStatus.choices, default="proposed")
    rank = models.CharField(max_length=10, choices=ClaimRank.choices, default="normal")
    origin = models.CharField(
        max_length=10, choices=ClaimOrigin.choices, default=ClaimOrigin.MANUAL, editable=False
    )
    extractor_version = models.CharField(
        max_length=20, blank=True, editable=False, help_text="The extractor that proposed it."
    )
    # Why the extractor proposed it: confidence, cue, mention, figure and their spans in the text.
    extraction = models.JSONField(default=dict, blank=True, editable=False)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="claims_added",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="claims_reviewed",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # History rows are read by claim (id) and date only: the references they copy need no
    # index there (each would be written once per imported claim).
    history = HistoricalRecords(
        excluded_fields=["value_key"],
        no_db_index=[
            "subject",
            "metric",
            "source",
            "attributed_to",
            "entity_value",
            "added_by",
            "reviewed_by",
        ],
    )

    class Meta:
        ordering = ["id"]
        permissions = [("review_claim", "Can accept or reject claims and settle contradictions")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ClaimStatus.values),
                name="claim_status_valid",
                violation_error_message="Status must be proposed, accepted or rejected.",
            ),
            models.CheckConstraint(
                condition=Q(origin__in=ClaimOrigin.values),
                name="claim_origin_valid",
                violation_error_message="Origin must be manual, imported or extracted.",
            ),
            models.CheckConstraint(
                condition=Q(rank__in=ClaimRank.values),
                name="claim_rank_valid",
                violation_error_message="Rank must be preferred, normal or deprecated.",
            ),
            models.CheckConstraint(
                condition=Q(bound="") | Q(bound__in=Bound.values),
                name="claim_bound_valid",
                violation_error_message="Bound must be one of the quantity bounds.",
            ),
            models.CheckConstraint(
                condition=Q(low__isnull=True) | Q(high__isnull=True) | Q(low__lte=F("high")),
                name="claim_low_le_high",
                violation_error_message="The low value must not exceed the high value.",
            ),
            models.CheckConstraint(
                condition=(
                    Q(eq_low__isnull=True) | Q(eq_high__isnull=True) | Q(eq_low__lte=F("eq_high"))
                ),
                name="claim_eq_low_le_high",
                violation_error_message="The equivalent's low value must not exceed its high value.",
            ),
            models.CheckConstraint(
                condition=(
                    Q(point__isnull=True)
                    | (
                        (Q(low__isnull=True) | Q(low__lte=F("point")))
                        & (Q(high__isnull=True) | Q(point__lte=F("high")))
                    )
                ),
                name="claim_point_within_bounds",
                violation_error_message="The point value must lie between the low and high values.",
            ),
            models.CheckConstraint(
                condition=(
                    Q(date_start__isnull=True)
                    | Q(date_end__isnull=True)
                    | Q(date_start__lte=F("date_end"))
                ),
                name="claim_date_start_le_end",
                violation_error_message="A date value cannot end before it starts.",
            ),
            models.CheckConstraint(
                condition=(
                    Q(as_of_start__isnull=True)
                    | Q(as_of_end__isnull=True)
                    | Q(as_of_start__lte=F("as_of_end"))
                ),
                name="claim_as_of_start_le_end",
                violation_error_message="The as-of period cannot end before it starts.",
            ),
            models.CheckConstraint(
                condition=~Q(quote=""),
                name="claim_quote_not_empty",
                violation_error_message="A claim needs the quote that carries it.",
            ),
            models.CheckConstraint(
                condition=~Q(value_text=""),
                name="claim_value_text_not_empty",
                violation_error_message="A claim needs its value as written.",
            ),
        ]
        indexes = [
            models.Index(fields=["subject", "metric"], name="claim_subject_metric_idx"),
            # A metric's claims in a value range by value: id breaks ties among equal
            # figures, so a page stops after its rows (API `ordering=value`).
            models.Index(fields=["metric", "point", "id"], name="claim_metric_point_id_idx"),
            models.Index(fields=["source", "quote_offset"], name="claim_source_order_idx"),
            # Claims by status; with the id, whether a contradiction's claims are proposed
            # (``selectors._pending``) is read from the index alone.
            models.Index(fields=["status", "id"], name="claim_status_id_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} · {self.metric}: {self.value_text}"

    @property
    def quote_verified(self) -> bool:
        """Whether the quote was found in the source's stored text (a text-less source's
        quotes cannot be checked: they are shown as unverified)."""
        return self.quote_offset is not None

    @property
    def as_of_display(self) -> str:
        """The as-of period in words."""
        return format_period(self.as_of_start, self.as_of_end, self.as_of_precision)

    @property
    def value(self) -> ClaimValue:
        """The value as read, from its columns."""
        return ClaimValue.from_columns(self)

    def value_signature(self) -> str:
        """A fingerprint of the value as read, to tell whether a value has changed."""
        return self.value.signature()


class Proposal(Claim):
    """A claim waiting for review, as the admin's Proposals queue shows it."""

    class Meta:
        proxy = True
        verbose_name = "proposal"
        verbose_name_plural = "proposals"

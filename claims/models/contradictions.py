"""Contradictions: two claims that cannot both be right, or whose figures disagree."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from claims.choices import ContradictionKind, ContradictionOrigin, ContradictionStatus


class Contradiction(models.Model):
    """A pair of claims that conflict; stored once, with the lower claim id first."""

    # No index of their own for claim_a, subject and metric: each leads an index below (the
    # pair's unique constraint, contradiction_group_idx, contradiction_metric_sev_idx), which
    # serves their look-ups and cascades; a rescan writes every record's entries.
    claim_a = models.ForeignKey(
        "claims.Claim",
        on_delete=models.CASCADE,
        related_name="contradictions_as_a",
        db_index=False,
    )
    claim_b = models.ForeignKey(
        "claims.Claim", on_delete=models.CASCADE, related_name="contradictions_as_b"
    )
    subject = models.ForeignKey(
        "claims.Entity", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    metric = models.ForeignKey(
        "claims.Metric", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=15, choices=ContradictionKind.choices)
    severity = models.FloatField(
        help_text="Quantities: larger figure over smaller. Dates: days apart. Otherwise 1."
    )
    status = models.CharField(
        max_length=10, choices=ContradictionStatus.choices, default=ContradictionStatus.OPEN
    )
    origin = models.CharField(
        max_length=10, choices=ContradictionOrigin.choices, default=ContradictionOrigin.ENGINE
    )
    explanation = models.TextField(blank=True)
    signature = models.CharField(
        max_length=1000,
        blank=True,
        help_text="Both claims' values when last checked; a dismissal holds while it matches.",
    )
    resolution_note = models.TextField(blank=True)
    preferred_claim = models.ForeignKey(
        "claims.Claim", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # History rows are read by record (id) and date only, as the claims' are.
    history = HistoricalRecords(
        no_db_index=[
            "claim_a",
            "claim_b",
            "subject",
            "metric",
            "preferred_claim",
            "resolved_by",
        ]
    )

    class Meta:
        ordering = ["-severity", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim_a", "claim_b"],
                name="contradiction_pair_unique",
                violation_error_message="These two claims already have a contradiction record.",
            ),
            models.CheckConstraint(
                condition=Q(claim_a__lt=F("claim_b")),
                name="contradiction_pair_ordered",
                violation_error_message="A contradiction pairs two different claims, lower id first.",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ContradictionKind.values),
                name="contradiction_kind_valid",
                violation_error_message="Kind must be contradiction or discrepancy.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ContradictionStatus.values),
                name="contradiction_status_valid",
                violation_error_message="Status must be open, resolved, dismissed or closed.",
            ),
            models.CheckConstraint(
                condition=Q(severity__gte=0),
                name="contradiction_severity_non_negative",
                violation_error_message="Severity cannot be negative.",
            ),
            models.CheckConstraint(
                condition=(
                    Q(preferred_claim__isnull=True)
                    | Q(preferred_claim=F("claim_a"))
                    | Q(preferred_claim=F("claim_b"))
                ),
                name="contradiction_preferred_is_party",
                violation_error_message="The preferred claim must be one of the two claims.",
            ),
            models.CheckConstraint(
                condition=~Q(status=ContradictionStatus.RESOLVED)
                | Q(preferred_claim__isnull=False),
                name="contradiction_resolved_has_preferred",
                violation_error_message="Resolving a contradiction means choosing a preferred claim.",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-severity"], name="contradiction_status_sev_idx"),
            # One metric's open conflicts by severity (API `metric=…&status=open`).
            models.Index(
                fields=["metric", "status", "-severity", "id"], name="contradiction_metric_sev_idx"
            ),
            models.Index(fields=["subject", "metric"], name="contradiction_group_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}: {self.subject} · {self.metric}"

    @property
    def claims(self):
        """The two claims, lower id first."""
        return (self.claim_a, self.claim_b)

    def other(self, claim_id: int) -> int:
        """The id of the claim paired with ``claim_id``."""
        return self.claim_b_id if claim_id == self.claim_a_id else self.claim_a_id

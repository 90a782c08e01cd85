"""Choices of the claims domain; the stored strings are part of the API contract."""

from django.db import models

from claims.values import kinds as values
from qwenkb.choices import text_choices

# What kind of value a metric takes, and how a quantity as written bounds the true value
# (DESIGN.md, "Values"): declared in claims.values, derived here with the same strings.
ValueType, Bound = (text_choices(declared) for declared in (values.ValueType, values.Bound))


class EntityKind(models.TextChoices):
    """What sort of thing an entity is."""

    MODEL = "model", "model"
    MODEL_FAMILY = "model_family", "model family"
    PRODUCT = "product", "product"
    ORGANISATION = "organisation", "organisation"
    PERSON = "person", "person"
    HARDWARE = "hardware", "hardware"
    PLATFORM = "platform", "platform"
    BENCHMARK = "benchmark", "benchmark"


class Dimension(models.TextChoices):
    """What a quantity measures, which decides the units a value may carry."""

    NUMBER = "number", "number (with the metric's unit word)"
    PERCENT = "percent", "percentage"
    MULTIPLIER = "multiplier", "multiplier (×)"
    MONEY = "money", "money (with a currency)"


# How a quantity metric counts (DESIGN.md, "How a metric counts"); declared in claims.values.
Counting = text_choices(
    values.Counting,
    labels={
        values.Counting.LEVEL: "level (a value at a time)",
        values.Counting.RUNNING_TOTAL: "running total (never falls)",
        values.Counting.WINDOW_TOTAL: "window total (a count over the as-of period)",
    },
)


class ClaimStatus(models.TextChoices):
    """Where a claim stands in review."""

    PROPOSED = "proposed", "proposed"
    ACCEPTED = "accepted", "accepted"
    REJECTED = "rejected", "rejected"


class ClaimOrigin(models.TextChoices):
    """How a claim came in: typed by an editor, imported in bulk, or proposed from a text."""

    MANUAL = "manual", "manual"
    IMPORTED = "imported", "imported"
    EXTRACTED = "extracted", "extracted"


class ClaimRank(models.TextChoices):
    """Wikidata-style rank among claims of the same subject and metric."""

    PREFERRED = "preferred", "preferred"
    NORMAL = "normal", "normal"
    DEPRECATED = "deprecated", "deprecated"


class ContradictionKind(models.TextChoices):
    """Whether two claims cannot both hold, or hold but disagree in their figures."""

    CONTRADICTION = "contradiction", "contradiction"
    DISCREPANCY = "discrepancy", "discrepancy"


class ContradictionStatus(models.TextChoices):
    """Where a contradiction stands."""

    OPEN = "open", "open"
    RESOLVED = "resolved", "resolved"
    DISMISSED = "dismissed", "dismissed"
    CLOSED = "closed", "closed (no longer applies)"


class ContradictionReview(models.TextChoices):
    """Whether a contradiction's claims are all reviewed: pending while one is proposed."""

    PENDING = "pending", "pending (a claim is still proposed)"
    CONFIRMED = "confirmed", "confirmed (both claims accepted)"


class ContradictionOrigin(models.TextChoices):
    """Who found a contradiction."""

    ENGINE = "engine", "found by the engine"
    MANUAL = "manual", "recorded by an editor"


class CandidateStatus(models.TextChoices):
    """What became of a name the extractor offered as a new entity."""

    OPEN = "open", "open"
    CREATED = "created", "created as a new entity"
    MAPPED = "mapped", "mapped to an existing entity"
    DISMISSED = "dismissed", "dismissed"

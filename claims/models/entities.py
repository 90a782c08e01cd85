"""Entities (the things claims are about) and their aliases.

Names and aliases are looked up by a key that ignores case, spaces and hyphens. The key is a
column the database computes itself, so no code path can store a key that disagrees with
the name, and the uniqueness of keys is a database constraint.
"""

from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Lower, Replace
from simple_history.models import HistoricalRecords

from claims.choices import EntityKind


def lookup_key(expression):
    """The database expression that folds a name to its look-up key."""
    return Lower(Replace(Replace(expression, Value(" "), Value("")), Value("-"), Value("")))


def name_key(name: str) -> str:
    """The look-up key of a name, in Python (ASCII case folding, like the database)."""
    folded = name.replace(" ", "").replace("-", "")
    return "".join(ch.lower() if ch.isascii() else ch for ch in folded)


class Entity(models.Model):
    """A thing claims are about: a model, a family, a product, a person, an organisation…"""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200)
    kind = models.CharField(max_length=20, choices=EntityKind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    description = models.TextField(blank=True)
    key = models.GeneratedField(
        expression=lookup_key(F("name")),
        output_field=models.CharField(max_length=200),
        db_persist=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["key"])

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "entities"
        constraints = [
            models.UniqueConstraint(
                fields=["slug"],
                name="entity_slug_unique",
                violation_error_message="An entity with this slug already exists.",
            ),
            models.UniqueConstraint(
                fields=["key"],
                name="entity_name_key_unique",
                violation_error_message=(
                    "Another entity has this name (ignoring case, spaces and hyphens)."
                ),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=EntityKind.values),
                name="entity_kind_valid",
                violation_error_message="Kind must be one of the entity kinds.",
            ),
            models.CheckConstraint(
                condition=~Q(parent=F("pk")),
                name="entity_not_own_parent",
                violation_error_message="An entity cannot be its own parent.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class EntityAlias(models.Model):
    """Another name an entity goes by ("Tongyi Qianwen" for Qwen)."""

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200)
    key = models.GeneratedField(
        expression=lookup_key(F("name")),
        output_field=models.CharField(max_length=200),
        db_persist=True,
    )

    history = HistoricalRecords(excluded_fields=["key"])

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "entity aliases"
        constraints = [
            models.UniqueConstraint(
                fields=["key"],
                name="entity_alias_key_unique",
                violation_error_message=(
                    "This alias is already taken (names compare ignoring case, spaces and hyphens)."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(name=""),
                name="entity_alias_not_empty",
                violation_error_message="An alias cannot be empty.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

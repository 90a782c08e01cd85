"""New-entity candidates: names in a source's text that look like a model or product QwenKB
does not know, kept for an editor to create or map in the Proposals queue."""

from django.conf import settings
from django.db import models

from claims.choices import CandidateStatus


class EntityCandidate(models.Model):
    """A name one source's text gives, once per source (its folded ``key`` is unique there)."""

    source = models.ForeignKey(
        "sources.Source", on_delete=models.CASCADE, related_name="entity_candidates"
    )
    name = models.CharField(max_length=200, help_text="The name as the text first writes it.")
    key = models.CharField(
        max_length=200, help_text="The name folded (case, spaces and dashes ignored)."
    )
    start = models.PositiveIntegerField(help_text="Offset of the name in the source's text.")
    end = models.PositiveIntegerField()
    sentence = models.TextField(help_text="The sentence it came from.")
    status = models.CharField(
        max_length=10, choices=CandidateStatus.choices, default=CandidateStatus.OPEN
    )
    entity = models.ForeignKey(
        "claims.Entity",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The entity it was created as or mapped to.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["source_id", "start", "id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "key"], name="entity_candidate_once_a_source")
        ]
        indexes = [models.Index(fields=["status", "source"], name="entity_candidate_open")]

    def __str__(self) -> str:
        return self.name

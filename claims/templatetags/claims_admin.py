"""Template tags of the curation admin."""

from django import template

from claims.choices import CandidateStatus, ClaimStatus
from claims.models import Claim, EntityCandidate

register = template.Library()


@register.simple_tag
def proposals_waiting() -> int:
    """How many claims wait for review."""
    return Claim.objects.filter(status=ClaimStatus.PROPOSED).count()


@register.simple_tag
def candidates_waiting() -> int:
    """How many new-entity candidates wait for an editor."""
    return EntityCandidate.objects.filter(status=CandidateStatus.OPEN).count()

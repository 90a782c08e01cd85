"""Template tags of the curation admin."""

from django import template

from claims.choices import ClaimStatus
from claims.models import Claim

register = template.Library()


@register.simple_tag
def proposals_waiting() -> int:
    """How many claims wait for review."""
    return Claim.objects.filter(status=ClaimStatus.PROPOSED).count()

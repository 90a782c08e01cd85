"""Keeping claims' quote positions in step with their source's text."""

from typing import Any

from django.db import transaction

from claims.models import Claim
from sources.models import Source


@transaction.atomic
def claim_quotes_locate(*, source: Source) -> None:
    """Store where each of the source's claims' quotes now stands in its text."""
    claims = list(Claim.objects.filter(source=source))
    for claim in claims:
        claim.quote_offset = source.text.find(claim.quote) if source.text else None
    Claim.objects.bulk_update(claims, ["quote_offset"])


def on_source_text_changed(sender: type[Source], *, source: Source, **kwargs: Any) -> None:
    """Receiver of ``sources.signals.source_text_changed``, connected by ``ClaimsConfig``."""
    claim_quotes_locate(source=source)

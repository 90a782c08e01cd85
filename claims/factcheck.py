"""Fact-check markup: a resolved dispute as schema.org ``ClaimReview`` of the claim it rejected.

Search engines and fact-check aggregators read ClaimReview (schema.org/ClaimReview; Google's
"Fact check" structured data). When a reviewer resolves a dispute by preferring one claim,
the other claim was found wrong: it is the claim reviewed. Its rating comes from the kind of
dispute: in a *contradiction* both cannot hold, so the rejected value is rated False; in a
*discrepancy* the figures could both hold but differ too much, so it is rated Misleading. A
dismissed dispute rejected nothing and has no ClaimReview.

The JSON-LD goes in ``<script type="application/ld+json">``: a data block the browser never
runs, so the pages' Content-Security-Policy (no inline script) stays strict.
"""

import json

from claims.choices import ContradictionKind, ContradictionStatus

RATINGS = {
    ContradictionKind.CONTRADICTION: (1, "False"),
    ContradictionKind.DISCREPANCY: (2, "Misleading"),
}
BEST, WORST = 5, 1
# "</script>" inside a string must not end the element: escape <, > and & as JSON allows.
SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def rejected_claim(contradiction):
    """The claim a resolution did not prefer, or None when the dispute is not resolved."""
    if contradiction.status != ContradictionStatus.RESOLVED or not contradiction.preferred_claim_id:
        return None
    a, b = contradiction.claims
    return b if contradiction.preferred_claim_id == a.pk else a


def claim_review(contradiction, *, url: str, site_url: str) -> dict | None:
    """The ClaimReview of a resolved dispute's rejected claim (None if it rejected none)."""
    claim = rejected_claim(contradiction)
    if claim is None:
        return None
    source, publisher = claim.source, claim.source.publisher
    value, label = RATINGS.get(contradiction.kind, (1, "False"))
    preferred = (
        contradiction.preferred_claim if contradiction.preferred_claim_id != claim.pk else None
    )
    body = contradiction.resolution_note or ""
    if preferred is not None:
        body = (f"Sources support \u201c{preferred.value_text}\u201d instead. " + body).strip()
    appearance = {
        "@type": "CreativeWork",
        "headline": source.title,
        "publisher": {"@type": "Organization", "name": publisher.name},
    }
    if source.url:
        appearance["url"] = source.url
    if source.published:
        appearance["datePublished"] = source.published.isoformat()
    author = (
        {"@type": "Person", "name": source.author}
        if source.author
        else {"@type": "Organization", "name": publisher.name}
    )
    item = {"@type": "Claim", "author": author, "appearance": appearance}
    if source.published:
        item["datePublished"] = source.published.isoformat()
    review = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": url,
        "claimReviewed": (
            f"{claim.subject.name} \u00b7 {claim.metric.name}: {claim.value_text} "
            f"(\u201c{claim.quote}\u201d)"
        ),
        "author": {"@type": "Organization", "name": "QwenKB", "url": site_url},
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": value,
            "bestRating": BEST,
            "worstRating": WORST,
            "alternateName": label,
        },
        "itemReviewed": item,
        "reviewBody": body,
    }
    if contradiction.resolved_at:
        review["datePublished"] = contradiction.resolved_at.date().isoformat()
    return review


def as_script_text(data: dict) -> str:
    """JSON for inside a ``<script type="application/ld+json">`` element, safely escaped."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True).translate(SCRIPT_ESCAPES)

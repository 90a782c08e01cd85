"""The facets of the claims app's listings: claims, entities and contradictions (``qwenkb.facets``)."""

from claims.choices import ClaimStatus, ContradictionKind, ContradictionStatus, EntityKind
from qwenkb.facets import FacetSpec
from sources.choices import Reliability

CLAIM_FACETS = {
    "kind": FacetSpec("Subject kind", "subject__kind", "kind", dict(EntityKind.choices)),
    "metric": FacetSpec("Metric", "metric__slug", "metric", "metric__name"),
    "status": FacetSpec("Status", "status", "status", dict(ClaimStatus.choices)),
    # The filter's field: a source's grade (set from its publisher's when it is saved).
    "grade": FacetSpec("Grade", "source__reliability", "reliability", dict(Reliability.choices)),
    "publisher": FacetSpec(
        "Publisher", "source__publisher__slug", "publisher", "source__publisher__name"
    ),
}
ENTITY_FACETS = {
    "kind": FacetSpec("Kind", "kind", "kind", dict(EntityKind.choices)),
}
CONTRADICTION_FACETS = {
    "kind": FacetSpec("Kind", "kind", "kind", dict(ContradictionKind.choices)),
    "metric": FacetSpec("Metric", "metric__slug", "metric", "metric__name"),
    "status": FacetSpec("Status", "status", "status", dict(ContradictionStatus.choices)),
}

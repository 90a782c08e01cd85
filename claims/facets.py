"""Facets: how many rows of a filtered listing fall under each value of a field.

Datasette-style: a listing shows, beside its rows, the values of a few fields with their
counts, each a link that adds (or removes) that filter. Each facet is one grouped query over
the listing's filtered queryset, whatever the number of rows. The pages and the API
(``?facets=metric,kind``) share the definitions below; each facet's ``param`` is the filter
of the listing's FilterSet that selects one of its values, so a facet link is a filter link.
"""

from dataclasses import dataclass

from django.db.models import Count, F

from claims.choices import ClaimStatus, ContradictionKind, ContradictionStatus, EntityKind
from sources.choices import Reliability


@dataclass(frozen=True)
class FacetSpec:
    """One facet: the value grouped on, how a value is labelled, and the filter selecting it."""

    label: str
    value: object  # a field path or an expression
    param: str
    display: object = None  # a field path naming the value, or a dict of choices


@dataclass
class FacetValue:
    """One value of a facet with its count, and whether the listing is filtered to it."""

    value: str
    label: str
    count: int
    selected: bool = False
    href: str = ""  # set by a page: the listing with this value's filter added or removed


@dataclass
class Facet:
    """A facet's values, most frequent first."""

    name: str
    label: str
    param: str
    values: list[FacetValue]


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
SOURCE_FACETS = {
    "publisher": FacetSpec("Publisher", "publisher__slug", "publisher", "publisher__name"),
    "grade": FacetSpec("Grade", "reliability", "reliability", dict(Reliability.choices)),
}
PUBLISHER_FACETS = {
    "grade": FacetSpec("Grade", "reliability", "reliability", dict(Reliability.choices)),
}


class UnknownFacet(ValueError):
    """A facet name the listing does not offer."""


def facet_names(raw: str, specs: dict[str, FacetSpec]) -> list[str]:
    """The facet names of ``?facets=a,b``, or UnknownFacet naming the first one not offered."""
    names = [name.strip() for name in raw.split(",") if name.strip()]
    for name in names:
        if name not in specs:
            raise UnknownFacet(
                f"Unknown facet \u201c{name}\u201d. This list offers: {', '.join(specs)}."
            )
    return list(dict.fromkeys(names))


def facet_counts(queryset, specs: dict[str, FacetSpec], names, selected=None) -> list[Facet]:
    """Each named facet's values and counts over ``queryset``: one grouped query per facet."""
    selected = selected or {}
    facets = []
    for name in names:
        spec = specs[name]
        fields = {"facet_value": spec.value if not isinstance(spec.value, str) else F(spec.value)}
        if isinstance(spec.display, str):
            fields["facet_label"] = F(spec.display)
        rows = (
            queryset.order_by()
            .values(**fields)
            .annotate(facet_count=Count("pk", distinct=True))
            .order_by("-facet_count", "facet_value")
        )
        values = []
        for row in rows:
            value = row["facet_value"]
            if value in (None, ""):
                continue
            if isinstance(spec.display, dict):
                label = str(spec.display.get(value, value))
            else:
                label = row.get("facet_label") or value
            chosen = str(selected.get(spec.param, "")) == str(value)
            values.append(FacetValue(str(value), label, row["facet_count"], chosen))
        facets.append(Facet(name, spec.label, spec.param, values))
    return facets

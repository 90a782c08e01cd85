"""``?facets=metric,kind`` on API lists: counts per value beside the page, as the pages show them."""

from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError as APIValidationError

from claims.facets import FacetSpec, UnknownFacet, facet_counts, facet_names


def facets_parameter(specs: dict[str, FacetSpec]) -> OpenApiParameter:
    """The OpenAPI description of a list's ``facets`` parameter."""
    return OpenApiParameter(
        "facets",
        str,
        description=f"Comma-separated; counts per value of each: {', '.join(specs)}.",
    )


class FacetsMixin:
    """A list answering ``?facets=a,b`` with ``"facets": {a: [{value, label, count}]}``.

    The counts are over the filtered list (every page of it), one grouped query per facet.
    """

    facet_specs: dict[str, FacetSpec] = {}

    def allowed_query_params(self):
        allowed = super().allowed_query_params()
        return allowed | {"facets"} if self.action == "list" else allowed

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.facet_names = []
        if self.action == "list" and "facets" in request.query_params:
            try:
                self.facet_names = facet_names(request.query_params["facets"], self.facet_specs)
            except UnknownFacet as exc:
                raise APIValidationError({"facets": [str(exc)]}) from exc

    def filter_queryset(self, queryset):
        # Kept for the counts: filtering again would resolve the filters' values again.
        self.filtered = super().filter_queryset(queryset)
        return self.filtered

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        if getattr(self, "facet_names", None):
            queryset = self.filtered
            facets = facet_counts(
                queryset, self.facet_specs, self.facet_names, selected=self.request.query_params
            )
            response.data["facets"] = {
                facet.name: [
                    {"value": v.value, "label": v.label, "count": v.count} for v in facet.values
                ]
                for facet in facets
            }
        return response

"""The API's filter backend: a request's FilterSet holds only the filters it names.

django-filter deep-copies every declared filter, and builds a form field for each, on every
request; a claims list names two or three of its sixteen. A filter the request does not name
filters nothing, so leaving it out changes no result, only the cost. Pages that render the
whole filter form build their FilterSets as usual.
"""

from django_filters.rest_framework import DjangoFilterBackend


class NamedFiltersBackend(DjangoFilterBackend):
    """``DjangoFilterBackend`` whose FilterSets copy only the filters in the query string."""

    def get_filterset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return None
        named = request.query_params.keys()
        filterset = filterset_class.__new__(filterset_class)
        # FilterSet.__init__ copies ``self.base_filters``: an instance attribute holding the
        # named filters shadows the class's full set for this one request.
        filterset.base_filters = {
            name: spec for name, spec in filterset_class.base_filters.items() if name in named
        }
        filterset.__init__(**self.get_filterset_kwargs(request, queryset, view))
        return filterset

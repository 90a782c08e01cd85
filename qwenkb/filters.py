"""Filter pieces every app shares: a filter by slug, and the API's filter backend.

The backend: a request's FilterSet holds only the filters it names.

django-filter deep-copies every declared filter, and builds a form field for each, on every
request; a claims list names two or three of its sixteen. A filter the request does not name
filters nothing, so leaving it out changes no result, only the cost. Pages that render the
whole filter form build their FilterSets as usual.
"""

import django_filters as filters
from django import forms
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field


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


class SlugField(forms.CharField):
    """A form field that takes the slug of a model instance and gives the instance."""

    def __init__(self, *args, model=None, lookup="slug", **kwargs):
        self.model, self.lookup = model, lookup
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        found = self.model.objects.filter(**{self.lookup: value}).first()
        if found is None:
            name = self.model._meta.verbose_name
            raise forms.ValidationError(f"No {name} has the {self.lookup} \u201c{value}\u201d.")
        return found


@extend_schema_field(OpenApiTypes.STR)
class SlugFilter(filters.Filter):
    """Filter by a related object given by its slug."""

    field_class = SlugField

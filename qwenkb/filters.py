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
from rest_framework import exceptions

from qwenkb.prepared import Prepared, first_row, instance


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

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid() and self.raise_exception:
            # The form's own messages, formatted once. django-filter's translation formats
            # each message again with ``%``, so a value holding "%s" (quoted in the message)
            # raised TypeError: a 500 for "?subject=%25s".
            raise exceptions.ValidationError(
                {name: list(errors) for name, errors in filterset.errors.items()}
            )
        return filterset.qs


BOOLEAN_WORDS = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}


class StrictBooleanSelect(forms.NullBooleanSelect):
    """Reads true/false words; hands anything else to the field to refuse, not to ignore."""

    def value_from_datadict(self, data, files, name):
        raw = data.get(name)
        if raw in (None, "", "unknown"):  # "unknown": the empty choice of the pages' select
            return None
        if isinstance(raw, bool):
            return raw
        return BOOLEAN_WORDS.get(str(raw).strip().lower(), raw)


class StrictBooleanField(forms.NullBooleanField):
    """True, false or not given; "?disputed=maybe" is an error under the parameter's name."""

    widget = StrictBooleanSelect

    def to_python(self, value):
        if value is None or isinstance(value, bool):
            return value
        raise forms.ValidationError(
            "Must be true or false (1/0, yes/no); got \u201c%(value)s\u201d.",
            code="invalid",
            params={"value": value},
        )


class StrictBooleanFilter(filters.BooleanFilter):
    """A boolean filter that refuses values it cannot read."""

    field_class = StrictBooleanField


class SlugField(forms.CharField):
    """A form field that takes the slug of a model instance and gives the instance."""

    def __init__(self, *args, model=None, lookup="slug", **kwargs):
        self.model, self.lookup = model, lookup
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        found = first_by(self.model, self.lookup, value)
        if found is None:
            name = self.model._meta.verbose_name
            raise forms.ValidationError(f"No {name} has the {self.lookup} \u201c{value}\u201d.")
        return found


_first_by: dict[tuple, Prepared] = {}


def first_by(model, lookup: str, value: str):
    """``model.objects.filter(lookup=value).first()``; by slug, its statement compiled once."""
    if lookup != "slug":
        return model.objects.filter(**{lookup: value}).first()
    prepared = _first_by.get((model, lookup))
    if prepared is None:
        prepared = _first_by[(model, lookup)] = Prepared(
            model,
            lambda text: first_row(model.objects.filter(**{lookup: text})),
            str,
        )
    found = prepared.rows(value)
    return instance(model, found[0]) if found else None


@extend_schema_field(OpenApiTypes.STR)
class SlugFilter(filters.Filter):
    """Filter by a related object given by its slug."""

    field_class = SlugField

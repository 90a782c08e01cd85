"""Filter pieces every app shares: a filter by slug, and the API's filter backend.

The backend: a request's FilterSet holds only the filters it names, built without copying
them deeply.

django-filter deep-copies every declared filter, builds a form field for each and a form
class for them all, on every request; a claims list names two or three of its sixteen. A
filter the request does not name filters nothing, so leaving it out changes no result, only
the cost. The filters a set of names selects, and their form class, are built once
(``_named_filters``); each request gets its own shallow copy of each filter, pointing at its
own FilterSet, and its own form (a form deep-copies its fields whenever it is made). Pages
that render the whole filter form build their FilterSets as usual.

The objects a request's filters name (``?subject=…&metric=…``: an entity and a metric) are
looked up in one statement, not one each (``qwenkb.prepared.fetched_together``): a field that
looks its value up says which statement it will run (``lookups``), and the backend fetches
those together before the form is cleaned. The fields still clean as before; they only find
their rows already read.
"""

import copy
import functools

import django_filters as filters
from django import forms
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions

from qwenkb.prepared import Prepared, fetched_together, first_row, instance


def _bare(filterset_class, **kwargs):
    """A FilterSet of ``filterset_class`` as its ``__init__`` makes it, but with no filters:
    ``__init__`` deep-copies ``self.base_filters``, which an empty instance attribute shadows."""
    filterset = filterset_class.__new__(filterset_class)
    filterset.base_filters = {}
    filterset.__init__(**kwargs)
    return filterset


@functools.lru_cache(maxsize=1024)
def _named_filters(filterset_class, named: frozenset[str]) -> tuple[dict, type]:
    """The filters of ``filterset_class`` that ``named`` names, as its ``__init__`` copies
    them, and the form class ``get_form_class`` makes of them: built once per set of names
    (each a subset of the declared filters, so the sets are bounded). Their form fields are
    made without a request, so a filter whose field depends on one (a ``queryset`` given as
    a callable of the request) does not belong in a FilterSet the API filters with."""
    queryset = filterset_class._meta.model._default_manager.none()
    filterset = _bare(filterset_class, queryset=queryset)
    for name, declared in filterset_class.base_filters.items():  # in the declared order
        if name in named:
            filterset.filters[name] = built = copy.deepcopy(declared)
            built.model, built.parent = queryset.model, filterset
    return filterset.filters, filterset.get_form_class()


class NamedFiltersBackend(DjangoFilterBackend):
    """``DjangoFilterBackend`` whose FilterSets copy only the filters in the query string."""

    def get_filterset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return None
        named = frozenset(request.query_params.keys() & filterset_class.base_filters.keys())
        built, form_class = _named_filters(filterset_class, named)
        kwargs = self.get_filterset_kwargs(request, queryset, view)
        filterset = _bare(filterset_class, **kwargs)
        for name, prototype in built.items():
            copied = copy.copy(prototype)
            copied.model, copied.parent = kwargs["queryset"].model, filterset
            if copied.method is not None:
                copied.method = copied.method  # its FilterMethod calls this copy's parent
            filterset.filters[name] = copied
        filterset.get_form_class = lambda: form_class  # made once for these names
        return filterset

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        # The objects the filters name (an entity, a metric) are looked up in one statement.
        lookups = [
            call
            for name, named in filterset.filters.items()
            if hasattr(named.field, "lookups") and name in request.query_params
            for call in named.field.lookups(request.query_params[name])
        ]
        with fetched_together(lookups):
            valid = filterset.is_valid()
        if not valid and self.raise_exception:
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


# Text to look for, in characters. Matching a quote costs the database in proportion to the
# text's length, a row at a time: at 1,000,000 claims 10,000 characters took 165 s.
SEARCH_MAX_LENGTH = 200


class SearchField(forms.CharField):
    """Text to look for (``?q=``): at most ``SEARCH_MAX_LENGTH`` characters, a longer one an
    error under the parameter's name."""

    default_error_messages = {
        "max_length": "Must be at most %(limit_value)d characters; got %(show_value)d."
    }

    def __init__(self, **kwargs):
        super().__init__(max_length=SEARCH_MAX_LENGTH, **kwargs)


class SearchFilter(filters.CharFilter):
    """``?q=``: text to look for, bounded (``SearchField``)."""

    field_class = SearchField


class StrictBooleanFilter(filters.BooleanFilter):
    """A boolean filter that refuses values it cannot read."""

    field_class = StrictBooleanField


class SlugField(forms.CharField):
    """A form field that takes the slug of a model instance and gives the instance."""

    def __init__(self, *args, model=None, lookup="slug", **kwargs):
        self.model, self.lookup = model, lookup
        super().__init__(*args, **kwargs)

    def lookups(self, raw) -> list:
        """The statement ``clean`` will run for ``raw``, to be fetched with the others
        (``NamedFiltersBackend``)."""
        value = raw.strip() if isinstance(raw, str) else None
        if not value or self.lookup != "slug":
            return []
        return [(_first_by_slug(self.model), (value,))]

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        found = first_by(self.model, self.lookup, value)
        if found is None:
            name = self.model._meta.verbose_name
            raise forms.ValidationError(f"No {name} has the {self.lookup} \u201c{value}\u201d.")
        return found


_first_by: dict[type, Prepared] = {}  # model -> its look-up by slug


def _first_by_slug(model) -> Prepared:
    prepared = _first_by.get(model)
    if prepared is None:
        prepared = _first_by[model] = Prepared(
            model, lambda text: first_row(model.objects.filter(slug=text)), str
        )
    return prepared


def first_by(model, lookup: str, value: str):
    """``model.objects.filter(lookup=value).first()``; by slug, its statement compiled once."""
    if lookup != "slug":
        return model.objects.filter(**{lookup: value}).first()
    found = _first_by_slug(model).rows(value)
    return instance(model, found[0]) if found else None


@extend_schema_field(OpenApiTypes.STR)
class SlugFilter(filters.Filter):
    """Filter by a related object given by its slug."""

    field_class = SlugField

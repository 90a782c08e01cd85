"""One JSON contract per resource: a serializer's field list, compiled to a function over rows.

A serializer declares a resource's fields once. Details and writes render model instances
through DRF as usual; list pages and exports read plain ``values()`` rows and render them
with ``compile_rows(serializer)``, a function built once from the same field list: no model
instances and no per-field DRF dispatch per row, and no second hand-written shape to keep
equal. Computed fields are ``ColumnsField`` (a function of named columns, the same function
for an instance and a row) or ``RelatedRowsField`` (a function of records read in one more
query). Brief mode is a subset of the fields (NetBox's ``brief_fields``), in which a nested
reference may be written as one of its fields (``Meta.brief_field``: a slug). A nested object
reads its columns from the same row (``source__title``); a nested list (``many=True``) or a
nested object that may be missing (``allow_null``) reads rows of its own, a list of them or
one or None, under its name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from django.db import models
from django.utils import timezone
from drf_spectacular.drainage import set_override
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings


class Timestamp(serializers.DateTimeField):
    """DRF's ISO 8601 timestamp (UTC written with Z), in the site's time zone.

    The zone is resolved once, not looked up per value: the site never activates another.
    An aware datetime, what the database gives, is written directly: DRF's own path looks
    up the format and the zone and checks awareness for each of a page's hundred values.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default_timezone", timezone.get_default_timezone())
        super().__init__(*args, **kwargs)
        self._zone = self.timezone
        self._iso = getattr(self, "format", api_settings.DATETIME_FORMAT) == ISO_8601

    def to_representation(self, value):
        if self._iso and type(value) is datetime and value.tzinfo is not None:
            try:
                text = value.astimezone(self._zone).isoformat()
            except OverflowError:  # DRF's own path names the error
                return super().to_representation(value)
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return super().to_representation(value)


_TIMESTAMP = Timestamp()


def instant(moment) -> str | None:
    """A timestamp as the contract writes it everywhere (``Timestamp``)."""
    return None if moment is None else _TIMESTAMP.to_representation(moment)


def iso_date(day) -> str | None:
    """A date as the contract writes it, or None."""
    return day.isoformat() if day else None


def walk(instance, path: str):
    """The value at an ORM path (``metric__unit``) of an instance; None past a missing relation."""
    value = instance
    for part in path.split("__"):
        if value is None:
            return None
        value = getattr(value, part)
    return value


class ColumnsField(serializers.Field):
    """A read-only field computed by ``build(*values)`` from columns (ORM paths, in order).

    ``columns`` maps ``build``'s parameter names to paths; values are passed by position
    (a list page calls it once per row, and keywords cost twice as much).
    """

    def __init__(
        self, columns: Mapping[str, str], build: Callable[..., object], *, schema=None, **kwargs
    ):
        self.columns = dict(columns)
        self.build = build
        super().__init__(source="*", read_only=True, **kwargs)
        if schema is not None:  # here, so that DRF's copy of a declared field keeps it
            set_override(self, "field", schema)

    def to_representation(self, instance):
        return self.build(*(walk(instance, path) for path in self.columns.values()))


class RelatedRowsField(serializers.Field):
    """A read-only field computed from records related to the object, read apart.

    ``of_instance(instance)`` gives the related values of a model instance (from its
    prefetched relations); a list page reads every row's at once and passes, under ``key``,
    a function of a row (of at least ``columns``) that gives them.
    """

    def __init__(
        self,
        key: str,
        of_instance: Callable,
        build: Callable,
        *,
        columns: tuple[str, ...] = ("id",),
        schema=None,
        **kwargs,
    ):
        self.key, self.of_instance, self.build = key, of_instance, build
        self.row_columns = columns
        super().__init__(source="*", read_only=True, **kwargs)
        if schema is not None:
            set_override(self, "field", schema)

    def to_representation(self, instance):
        return self.build(self.of_instance(instance))

    def row_function(self, prefix: str):
        if prefix:
            raise TypeError("related rows are read for top-level rows only")
        key, build = self.key, self.build
        return self.row_columns, lambda row, related: build(related[key](row))


class ContractSerializer(serializers.ModelSerializer):
    """A model serializer that can render brief (``Meta.brief_fields``) and compile to rows."""

    brief_default = False
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: Timestamp,
    }

    def __init__(self, *args, brief: bool | None = None, **kwargs):
        self.brief = self.brief_default if brief is None else brief
        super().__init__(*args, **kwargs)

    def get_fields(self):
        fields = super().get_fields()
        if not self.brief:
            return fields
        brief = {}
        for name in self.Meta.brief_fields:
            field = fields[name]
            key = getattr(getattr(field, "Meta", None), "brief_field", None)
            if isinstance(field, serializers.BaseSerializer) and key:
                field = serializers.ReadOnlyField(source=f"{field.source or name}.{key}")
            brief[name] = field
        return brief


@dataclass(frozen=True)
class RowShape:
    """A serializer compiled: the ``values()`` columns it reads and its function of one row."""

    columns: tuple[str, ...]
    render: Callable[[dict, Mapping], dict]

    def __call__(self, row: dict, related: Mapping | None = None) -> dict:
        return self.render(row, {} if related is None else related)


_IDENTITY = (
    serializers.CharField,
    serializers.IntegerField,
    serializers.FloatField,
    serializers.BooleanField,
    serializers.ChoiceField,
    serializers.ReadOnlyField,
)


def compile_rows(serializer: serializers.BaseSerializer) -> RowShape:
    """The serializer's fields as one function of a ``values()`` row (see the module's text).

    The function is generated as one dict display, nested references inline, so that a
    page renders at the speed of a hand-written builder: plain fields read ``row[path]``,
    timestamps and dates go through the field's own ``to_representation``, and computed
    fields call their one function.
    """
    helpers: dict[str, Callable] = {}
    columns: list[str] = []
    body = _compile(serializer, "", columns, helpers)
    source = f"def render(row, related):\n    return {body}\n"
    namespace = dict(helpers)
    exec(compile(source, f"<rows of {type(serializer).__name__}>", "exec"), namespace)
    return RowShape(tuple(dict.fromkeys(columns)), namespace["render"])


def _compile(serializer, prefix: str, columns: list[str], helpers: dict) -> str:
    """Python source of a dict display of the serializer's fields over ``row``."""
    items = []
    for name, field in serializer.fields.items():
        if field.write_only:
            continue
        if isinstance(field, ColumnsField):
            arguments = []
            for path in field.columns.values():
                columns.append(prefix + path)
                arguments.append(f"row[{prefix + path!r}]")
            value = f"{_helper(helpers, field.build)}({', '.join(arguments)})"
        elif hasattr(field, "row_function"):
            needed, function = field.row_function(prefix)
            columns.extend(needed)
            value = _helper(helpers, function) + "(row, related)"
        elif field.source == "*":
            raise TypeError(f"{name}: declare it as a ColumnsField or RelatedRowsField")
        elif isinstance(field, serializers.ListSerializer) or (
            isinstance(field, serializers.BaseSerializer) and field.allow_null
        ):
            # A list of objects, or one that may be missing: rows of its own under its path.
            path = prefix + "__".join(field.source_attrs)
            columns.append(path)
            child = getattr(field, "child", field)
            render = _helper(helpers, compile_rows(child).render)
            if isinstance(field, serializers.ListSerializer):
                value = f"[{render}(item, related) for item in row[{path!r}]]"
            else:
                value = f"(None if row[{path!r}] is None else {render}(row[{path!r}], related))"
        elif isinstance(field, serializers.BaseSerializer):
            path = prefix + "__".join(field.source_attrs) + "__"
            value = _compile(field, path, columns, helpers)
        else:
            value = _plain(name, field, prefix + "__".join(field.source_attrs), columns, helpers)
        items.append(f"{name!r}: {value}")
    return "{" + ", ".join(items) + "}"


def _helper(helpers: dict, function: Callable) -> str:
    name = f"_f{len(helpers)}"
    helpers[name] = function
    return name


def _plain(name: str, field: serializers.Field, path: str, columns: list, helpers: dict) -> str:
    if isinstance(field, serializers.SlugRelatedField):
        path = f"{path}__{field.slug_field}"
    columns.append(path)
    read = f"row[{path!r}]"
    if isinstance(field, serializers.DateTimeField | serializers.DateField):
        # DRF skips to_representation for None; so does the row.
        convert = _helper(helpers, field.to_representation)
        return f"(None if {read} is None else {convert}({read}))"
    if isinstance(field, (*_IDENTITY, serializers.SlugRelatedField)):
        # values() gives these as the JSON types already (str, int, float, bool, None).
        return read
    raise TypeError(f"{name}: the row compiler does not know {type(field).__name__}")

"""Streaming exports of claims and contradictions as CSV and JSON Lines.

Rows are read with ``iterator()`` and written as they come, so an export of every matching
row uses constant memory. CSV cells that a spreadsheet would run as a formula (those
starting with =, +, -, @, tab or carriage return) are prefixed with an apostrophe.
"""

import csv
import io
import json
from collections.abc import Iterable, Iterator

from rest_framework import serializers

from claims.api.serializers.contract import ColumnsField, compile_rows
from claims.display import value_words
from claims.values import ClaimValue
from claims.values.claim_value import COLUMNS as VALUE_COLUMNS

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _value_read(value_type, dimension, unit, entity_name, *columns) -> str:
    return value_words(
        ClaimValue._make(columns),
        value_type=value_type,
        dimension=dimension,
        unit=unit,
        entity_name=entity_name,
    )


def _unit(bound, currency, dimension, unit) -> str:
    return ClaimValue(currency=currency).unit(dimension, unit) if bound else ""


class ClaimExportSerializer(serializers.Serializer):
    """One claim as a flat export row (the queryset annotates ``disputed``)."""

    id = serializers.ReadOnlyField()
    subject = serializers.ReadOnlyField(source="subject.slug")
    subject_name = serializers.ReadOnlyField(source="subject.name")
    metric = serializers.ReadOnlyField(source="metric.slug")
    value_text = serializers.ReadOnlyField()
    value_read = ColumnsField(
        {
            "value_type": "metric__value_type",
            "dimension": "metric__dimension",
            "unit": "metric__unit",
            "entity_name": "entity_value__name",
            **{column: column for column in VALUE_COLUMNS},
        },
        _value_read,
    )
    bound = serializers.ReadOnlyField()
    low = serializers.ReadOnlyField()
    high = serializers.ReadOnlyField()
    point = serializers.ReadOnlyField()
    unit = ColumnsField(
        {
            "bound": "bound",
            "currency": "currency",
            "dimension": "metric__dimension",
            "unit": "metric__unit",
        },
        _unit,
    )
    date_start = serializers.ReadOnlyField()
    date_end = serializers.ReadOnlyField()
    as_of_start = serializers.ReadOnlyField()
    as_of_end = serializers.ReadOnlyField()
    source_id = serializers.ReadOnlyField()
    source_title = serializers.ReadOnlyField(source="source.title")
    publisher = serializers.ReadOnlyField(source="source.publisher.name")
    reliability = serializers.ReadOnlyField(source="source.reliability")
    attributed_to = ColumnsField({"name": "attributed_to__name"}, lambda name: name or "")
    quote = serializers.ReadOnlyField()
    status = serializers.ReadOnlyField()
    rank = serializers.ReadOnlyField()
    disputed = ColumnsField({"disputed": "disputed"}, lambda disputed: bool(disputed))


class ContradictionExportSerializer(serializers.Serializer):
    """One contradiction as a flat export row."""

    id = serializers.ReadOnlyField()
    kind = serializers.ReadOnlyField()
    severity = serializers.ReadOnlyField()
    status = serializers.ReadOnlyField()
    subject = serializers.ReadOnlyField(source="subject.slug")
    metric = serializers.ReadOnlyField(source="metric.slug")
    claim_a = serializers.ReadOnlyField(source="claim_a_id")
    value_a = serializers.ReadOnlyField(source="claim_a.value_text")
    claim_b = serializers.ReadOnlyField(source="claim_b_id")
    value_b = serializers.ReadOnlyField(source="claim_b.value_text")
    explanation = serializers.ReadOnlyField()
    resolution_note = serializers.ReadOnlyField()


# The export shapes, compiled once; their field names are the CSV columns.
CLAIMS = compile_rows(ClaimExportSerializer())
CONTRADICTIONS = compile_rows(ContradictionExportSerializer())
CLAIM_COLUMNS = list(ClaimExportSerializer().fields)
CONTRADICTION_COLUMNS = list(ContradictionExportSerializer().fields)


def export_rows(queryset, shape) -> Iterator[dict]:
    """The queryset's rows in ``shape``, read a chunk at a time (constant memory)."""
    return (shape(row) for row in queryset.values(*shape.columns).iterator(chunk_size=2000))


def spreadsheet_safe(value):
    """A cell value that a spreadsheet shows as text, never runs."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_stream(rows: Iterable[dict], columns: list[str]) -> Iterator[str]:
    """CSV text, a line at a time, with a byte-order mark so spreadsheets read it as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    yield "\ufeff" + buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(["" if row[c] is None else spreadsheet_safe(row[c]) for c in columns])
        yield buffer.getvalue()


def jsonl_stream(rows: Iterable[dict]) -> Iterator[str]:
    """JSON Lines: one object per line."""
    for row in rows:
        yield json.dumps(row, default=str, ensure_ascii=False) + "\n"

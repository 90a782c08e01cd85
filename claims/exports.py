"""Streaming exports of claims and contradictions as CSV and JSON Lines.

Rows are read with ``iterator()`` and written as they come, so an export of every matching
row uses constant memory. CSV cells that a spreadsheet would run as a formula (those
starting with =, +, -, @, tab or carriage return) are prefixed with an apostrophe.
"""

import csv
import io
import json
from collections.abc import Iterable, Iterator

from claims.display import quantity_unit, value_display

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

CLAIM_COLUMNS = [
    "id",
    "subject",
    "subject_name",
    "metric",
    "value_text",
    "value_read",
    "bound",
    "low",
    "high",
    "point",
    "unit",
    "date_start",
    "date_end",
    "as_of_start",
    "as_of_end",
    "source_id",
    "source_title",
    "publisher",
    "reliability",
    "attributed_to",
    "quote",
    "status",
    "rank",
    "disputed",
]

CONTRADICTION_COLUMNS = [
    "id",
    "kind",
    "severity",
    "status",
    "subject",
    "metric",
    "claim_a",
    "value_a",
    "claim_b",
    "value_b",
    "explanation",
    "resolution_note",
]


def spreadsheet_safe(value):
    """A cell value that a spreadsheet shows as text, never runs."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def claim_row(claim) -> dict:
    """One claim as a flat export row (``disputed`` must be annotated)."""
    return {
        "id": claim.pk,
        "subject": claim.subject.slug,
        "subject_name": claim.subject.name,
        "metric": claim.metric.slug,
        "value_text": claim.value_text,
        "value_read": value_display(claim),
        "bound": claim.bound,
        "low": claim.low,
        "high": claim.high,
        "point": claim.point,
        "unit": quantity_unit(claim.metric, claim.currency) if claim.bound else "",
        "date_start": claim.date_start,
        "date_end": claim.date_end,
        "as_of_start": claim.as_of_start,
        "as_of_end": claim.as_of_end,
        "source_id": claim.source_id,
        "source_title": claim.source.title,
        "publisher": claim.source.publisher.name,
        "reliability": claim.source.reliability,
        "attributed_to": claim.attributed_to.name if claim.attributed_to_id else "",
        "quote": claim.quote,
        "status": claim.status,
        "rank": claim.rank,
        "disputed": bool(claim.disputed),
    }


def contradiction_row(record) -> dict:
    """One contradiction as a flat export row."""
    return {
        "id": record.pk,
        "kind": record.kind,
        "severity": record.severity,
        "status": record.status,
        "subject": record.subject.slug,
        "metric": record.metric.slug,
        "claim_a": record.claim_a_id,
        "value_a": record.claim_a.value_text,
        "claim_b": record.claim_b_id,
        "value_b": record.claim_b.value_text,
        "explanation": record.explanation,
        "resolution_note": record.resolution_note,
    }


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

"""COPY of any model's new rows with their creation records (django-simple-history), on
PostgreSQL: the one place that knows how a copied row and its history row are filled.

Detection stores contradictions with ``copy_with_history``; the claims import
(``claims.bulk.store.CopyStore``) encodes its own rows for speed but draws ids and fills
defaults with the helpers here.
"""

import datetime
from typing import Any

from django.db import connection
from django.db.models import Model
from django.utils import timezone


def column_defaults(model: type[Model], skip: set[str], now: datetime.datetime) -> dict[str, Any]:
    """The columns a copy does not fill: their defaults, or ``now`` for auto_now fields."""
    return {
        f.attname: now
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        else f.get_default()
        for f in model._meta.concrete_fields
        if not f.generated and f.attname not in skip
    }


def next_ids(cursor: Any, table: str, count: int) -> list[int]:
    """``count`` ids drawn from ``table``'s sequence, so history rows can name them."""
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
        [table, count],
    )
    return [pk for (pk,) in cursor.fetchall()]


def history_stamp(now: datetime.datetime, user: Any = None) -> dict[str, Any]:
    """The columns that make a history row a creation record by ``user`` at ``now``."""
    return {"history_date": now, "history_type": "+", "history_user_id": getattr(user, "pk", None)}


def copy_with_history(
    model: type[Model], rows: list[dict[str, Any]], *, reasons: list[str | None], user: Any = None
) -> list[int]:
    """Insert ``rows`` (attname: value) of ``model`` with COPY, and their creation records.

    PostgreSQL only. Ids are drawn from the table's sequence first, so the history rows,
    the same ones ``bulk_create_with_history`` writes, can be copied too. Fields a row
    leaves out take their defaults; auto_now fields take the time of the call.
    """
    now = timezone.now()
    defaults = column_defaults(model, {"id"}, now)
    # Stamped after the row's own values: unsaved instances carry None there until saved.
    stamps = {k: v for k, v in defaults.items() if v is now}
    history = model.history.model  # type: ignore[attr-defined]
    history_fields = [f.attname for f in history._meta.concrete_fields if f.attname != "history_id"]
    table, history_table = model._meta.db_table, history._meta.db_table
    columns = ["id", *defaults]
    with connection.cursor() as cursor:
        ids = next_ids(cursor, table, len(rows))
        records = [defaults | row | stamps | {"id": pk} for pk, row in zip(ids, rows, strict=True)]
        raw = cursor.cursor  # psycopg's own cursor: Django's wrapper has no copy()
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for record in records:
                copy.write_row([record[name] for name in columns])
        stamp = history_stamp(now, user)
        with raw.copy(f"COPY {history_table} ({', '.join(history_fields)}) FROM STDIN") as copy:
            for record, reason in zip(records, reasons, strict=True):
                record |= stamp
                record["history_change_reason"] = reason
                copy.write_row([record[name] for name in history_fields])
    return ids

"""COPY of any model's new rows with their creation records, for callers outside the import
(detection stores contradictions with it); the import's own path is ``store.CopyStore``."""

from django.db import connection
from django.utils import timezone


def copy_with_history(
    model, rows: list[dict], *, reasons: list[str | None], user=None
) -> list[int]:
    """Insert ``rows`` (attname: value) of ``model`` with COPY, and their creation records.

    PostgreSQL only. Ids are drawn from the table's sequence first, so the history rows,
    the same ones ``bulk_create_with_history`` writes, can be copied too. Fields a row
    leaves out take their defaults; auto_now fields take the time of the call.
    """
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not f.generated]
    history = model.history.model
    history_fields = [f.attname for f in history._meta.concrete_fields if f.attname != "history_id"]
    filled = {f.attname: f.get_default() for f in fields if f.attname != "id"}
    # Stamped after the row's own values: unsaved instances carry None there until saved.
    stamps = {
        f.attname: now
        for f in fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    }
    table, history_table = model._meta.db_table, history._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, len(rows)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
        records = [filled | row | stamps | {"id": pk} for pk, row in zip(ids, rows, strict=True)]
        raw = cursor.cursor  # psycopg's own cursor: Django's wrapper has no copy()
        columns = [f.attname for f in fields]
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for record in records:
                copy.write_row([record[name] for name in columns])
        stamp = {
            "history_date": now,
            "history_type": "+",
            "history_user_id": getattr(user, "pk", None),
        }
        with raw.copy(f"COPY {history_table} ({', '.join(history_fields)}) FROM STDIN") as copy:
            for record, reason in zip(records, reasons, strict=True):
                record |= stamp
                record["history_change_reason"] = reason
                copy.write_row([record[name] for name in history_fields])
    return ids

"""Trigram indexes for finding claims by a piece of their text, on PostgreSQL; nothing on SQLite.

``claims.search.claim_text_contains`` (the API's ``q=``, the search page) matches a claim's
quote, value as written and notes with ``icontains``, which PostgreSQL runs as
``UPPER(column::text) LIKE UPPER(pattern)``. Without an index that reads every claim (about a
second at a million claims); a GIN index of trigrams (pg_trgm, migration 0010) on each of
those very expressions finds the matches directly, and the three combine for the ``OR``.
Written as SQL like 0010's, because SQLite cannot build them and has no need to.
"""

from django.db import migrations

COLUMNS = {
    "claims_claim_quote_trgm": "quote",
    "claims_claim_value_text_trgm": "value_text",
    "claims_claim_notes_trgm": "notes",
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in COLUMNS.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON claims_claim "
            f"USING gin ((UPPER(({column})::text)) gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0015_rescan_written_groups"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes),
    ]

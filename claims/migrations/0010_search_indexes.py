"""Full-text and trigram search on PostgreSQL (claims/search.py); nothing to do on SQLite.

The GIN indexes are on the very expressions ``claims.search`` queries (``SearchVector`` of a
claim's quote, of a source's title and text), so PostgreSQL can use them for ``@@``. They are
written as SQL, not ``Meta.indexes``, because SQLite cannot build them and has no need to.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = {
    "claims_claim_quote_fts": (
        "claims_claim",
        "to_tsvector('english'::regconfig, COALESCE(quote, ''))",
    ),
    "sources_source_title_text_fts": (
        "sources_source",
        "to_tsvector('english'::regconfig, COALESCE(title, '') || ' ' || COALESCE(text, ''))",
    ),
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (table, expression) in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (({expression}))"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0009_metric_cues_claim_origin"),
        ("sources", "0001_initial"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]

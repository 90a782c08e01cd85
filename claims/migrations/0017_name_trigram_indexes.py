"""Trigram indexes for the search of entities and sources by name, on PostgreSQL; nothing on
SQLite.

``claims.search.entity_matches`` finds an entity whose compact name or slug holds the words
looked for, or whose name is near them (pg_trgm's ``%``), or one of whose aliases does the same;
``sources.search.source_matches`` a source whose title or author holds them. Without indexes
each search computed those expressions for every entity and source (0.1–0.2 s each at 40,000
entities and 50,000 sources, even for a word found nowhere). These GIN indexes of trigrams are
on the very expressions Django writes for them (``compact_expression``, ``icontains``, the
column itself for ``%``). Written as SQL like 0016's, because SQLite cannot build them.
"""

from django.db import migrations

COMPACT = "LOWER(REPLACE(REPLACE(REPLACE((name)::text, ' ', ''), '-', ''), '.', ''))"
INDEXES = {
    "claims_entity_name_trgm": ("claims_entity", "(name)::text"),
    "claims_entity_compact_name_trgm": ("claims_entity", COMPACT),
    "claims_entity_slug_trgm": ("claims_entity", "UPPER((slug)::text)"),
    "claims_entityalias_name_trgm": ("claims_entityalias", "(name)::text"),
    "claims_entityalias_compact_name_trgm": ("claims_entityalias", COMPACT),
    "sources_source_title_trgm": ("sources_source", "UPPER((title)::text)"),
    "sources_source_author_trgm": ("sources_source", "UPPER((author)::text)"),
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (table, expression) in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (({expression}) gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0016_claim_text_trigram_indexes"),
        ("sources", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes),
    ]

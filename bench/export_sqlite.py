"""Copy the benchmark's claims from PostgreSQL into SQLite, for Datasette to serve.

The same rows QwenKB serves: entities, metrics, sources (with publisher and reliability),
claims and contradictions, with the indexes QwenKB's queries use (subject+metric,
metric+point, contradiction status+severity). Also writes Datasette's metadata with the
canned queries that answer the benchmark's four questions. Run with the app's Python:
    DATABASE_URL=… python bench/export_sqlite.py OUT.db METADATA.json
"""

import json
import os
import sqlite3
import sys
from pathlib import Path

import psycopg

TABLES = {
    "entities": (
        "SELECT id, slug, name, kind, parent_id FROM claims_entity",
        "id INTEGER PRIMARY KEY, slug TEXT UNIQUE, name TEXT, kind TEXT, parent_id INTEGER",
    ),
    "metrics": (
        "SELECT id, slug, name, value_type, unit FROM claims_metric",
        "id INTEGER PRIMARY KEY, slug TEXT UNIQUE, name TEXT, value_type TEXT, unit TEXT",
    ),
    "sources": (
        "SELECT s.id, s.key, s.title, p.name, s.published, s.reliability "
        "FROM sources_source s JOIN sources_publisher p ON p.id = s.publisher_id",
        "id INTEGER PRIMARY KEY, key TEXT, title TEXT, publisher TEXT, published TEXT, "
        "reliability TEXT",
    ),
    "claims": (
        "SELECT id, subject_id, metric_id, source_id, value_text, bound, low, high, point, "
        "currency, date_start, date_end, text_value, entity_value_id, bool_value, quote, "
        "as_of_start, as_of_end, status, rank FROM claims_claim",
        "id INTEGER PRIMARY KEY, subject_id INTEGER, metric_id INTEGER, source_id INTEGER, "
        "value_text TEXT, bound TEXT, low REAL, high REAL, point REAL, currency TEXT, "
        "date_start TEXT, date_end TEXT, text_value TEXT, entity_value_id INTEGER, "
        "bool_value INTEGER, quote TEXT, as_of_start TEXT, as_of_end TEXT, status TEXT, "
        "rank TEXT",
    ),
    "contradictions": (
        "SELECT id, claim_a_id, claim_b_id, subject_id, metric_id, kind, severity, status, "
        "explanation FROM claims_contradiction",
        "id INTEGER PRIMARY KEY, claim_a_id INTEGER, claim_b_id INTEGER, subject_id INTEGER, "
        "metric_id INTEGER, kind TEXT, severity REAL, status TEXT, explanation TEXT",
    ),
}
INDEXES = [
    "CREATE INDEX claims_subject_metric ON claims (subject_id, metric_id)",
    "CREATE INDEX claims_metric_point ON claims (metric_id, point)",
    "CREATE INDEX contradictions_status_severity ON contradictions (status, severity)",
    "CREATE INDEX contradictions_metric ON contradictions (metric_id, status, severity)",
    "CREATE INDEX contradictions_claim_a ON contradictions (claim_a_id)",
    "CREATE INDEX contradictions_claim_b ON contradictions (claim_b_id)",
]
CLAIM_COLUMNS = (
    "c.id, e.slug AS subject, m.slug AS metric, c.value_text, c.bound, c.low, c.high, c.point, "
    "m.unit, c.as_of_start, c.as_of_end, s.title AS source, s.publisher, s.reliability, c.quote, "
    "c.status, c.rank, EXISTS (SELECT 1 FROM contradictions x WHERE x.status = 'open' AND "
    "(x.claim_a_id = c.id OR x.claim_b_id = c.id)) AS disputed"
)
CLAIM_JOINS = (
    "claims c JOIN entities e ON e.id = c.subject_id JOIN metrics m ON m.id = c.metric_id "
    "JOIN sources s ON s.id = c.source_id"
)
# Datasette's canned queries: the same four questions QwenKB's API answers.
QUERIES = {
    "group_claims": (
        f"SELECT {CLAIM_COLUMNS} FROM {CLAIM_JOINS} WHERE c.subject_id = "
        "(SELECT id FROM entities WHERE slug = :subject) AND c.metric_id = "
        "(SELECT id FROM metrics WHERE slug = :metric) ORDER BY c.id"
    ),
    "metric_range": (
        f"SELECT {CLAIM_COLUMNS} FROM {CLAIM_JOINS} WHERE c.metric_id = "
        "(SELECT id FROM metrics WHERE slug = :metric) AND c.point >= CAST(:min AS REAL) "
        "AND c.point <= CAST(:max AS REAL) ORDER BY c.point LIMIT 50"
    ),
    "fact_sheet": (
        "SELECT m.slug AS metric, m.name, COUNT(*) AS claim_count, "
        "COUNT(DISTINCT c.source_id) AS source_count, "
        "(SELECT b.value_text FROM claims b JOIN sources bs ON bs.id = b.source_id "
        "WHERE b.subject_id = c.subject_id AND b.metric_id = c.metric_id "
        "AND b.status = 'accepted' ORDER BY b.rank = 'preferred' DESC, bs.reliability, "
        "b.as_of_end DESC, b.id DESC LIMIT 1) AS current_value, "
        "EXISTS (SELECT 1 FROM contradictions x WHERE x.subject_id = c.subject_id "
        "AND x.metric_id = c.metric_id AND x.status = 'open') AS disputed "
        "FROM claims c JOIN metrics m ON m.id = c.metric_id WHERE c.subject_id = "
        "(SELECT id FROM entities WHERE slug = :slug) AND c.status != 'rejected' "
        "GROUP BY c.subject_id, c.metric_id ORDER BY m.name"
    ),
    "open_contradictions": (
        "SELECT x.id, x.kind, x.severity, x.status, e.slug AS subject, m.slug AS metric, "
        "x.claim_a_id, a.value_text AS value_a, x.claim_b_id, b.value_text AS value_b, "
        "x.explanation FROM contradictions x JOIN entities e ON e.id = x.subject_id "
        "JOIN metrics m ON m.id = x.metric_id JOIN claims a ON a.id = x.claim_a_id "
        "JOIN claims b ON b.id = x.claim_b_id WHERE x.status = 'open' AND x.metric_id = "
        "(SELECT id FROM metrics WHERE slug = :metric) AND x.severity >= CAST(:min AS REAL) "
        "ORDER BY x.severity DESC, x.id LIMIT 50"
    ),
}


def export(database_url: str, out: Path) -> dict[str, int]:
    """Copy every table; returns the row counts."""
    out.unlink(missing_ok=True)
    target = sqlite3.connect(out)
    target.execute("PRAGMA journal_mode = OFF")
    target.execute("PRAGMA synchronous = OFF")
    counts = {}
    with psycopg.connect(database_url) as source:
        for table, (select, columns) in TABLES.items():
            target.execute(f"CREATE TABLE {table} ({columns})")
            marks = ", ".join("?" * len(columns.split(", ")))
            with source.cursor(name=f"export_{table}") as cursor:
                cursor.execute(select)
                counts[table] = 0
                while rows := cursor.fetchmany(20000):
                    target.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
                    counts[table] += len(rows)
    for statement in INDEXES:
        target.execute(statement)
    target.execute("ANALYZE")
    target.commit()
    target.close()
    return counts


def metadata(name: str) -> dict:
    """Datasette metadata: the canned queries, under the database's name."""
    return {"databases": {name: {"queries": {k: {"sql": v} for k, v in QUERIES.items()}}}}


if __name__ == "__main__":
    out, meta = Path(sys.argv[1]), Path(sys.argv[2])
    url = os.environ["DATABASE_URL"]
    print(json.dumps(export(url, out)))
    meta.write_text(json.dumps(metadata(out.stem), indent=2))

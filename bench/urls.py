"""Varied request paths for the load test: the same questions asked of QwenKB and Datasette.

Deterministic (a seeded sample of the database's groups, entities, value ranges and
severities), so every round and both systems get the same requests in the same order.
    DATABASE_URL=… python bench/urls.py OUT_DIR DATASETTE_DB_NAME [COUNT]
writes OUT_DIR/<system>_<scenario>.txt, one path a line.
"""

import os
import random
import sys
from pathlib import Path
from urllib.parse import urlencode

import psycopg

SCENARIOS = ("group", "range", "facts", "disputes")


def sample(url: str, count: int, seed: int = 7) -> dict[str, list[dict]]:
    """Parameters of ``count`` requests per scenario, drawn from the database."""
    rng = random.Random(seed)
    with psycopg.connect(url) as conn:
        groups = conn.execute(
            "SELECT DISTINCT c.subject_id, c.metric_id, e.slug, m.slug FROM claims_claim c "
            "JOIN claims_entity e ON e.id = c.subject_id JOIN claims_metric m ON m.id = c.metric_id"
        ).fetchall()
        groups.sort()
        low, high = conn.execute("SELECT min(id), max(id) FROM claims_claim").fetchone()
        ids = [rng.randint(low, high) for _ in range(count * 3)]
        points = conn.execute(
            "SELECT c.metric_id, m.slug, c.point FROM claims_claim c JOIN claims_metric m "
            "ON m.id = c.metric_id WHERE c.id = ANY(%s) AND c.point IS NOT NULL ORDER BY c.id",
            [ids],
        ).fetchall()
        entities = conn.execute(
            "SELECT e.id, e.slug FROM claims_entity e WHERE EXISTS "
            "(SELECT 1 FROM claims_claim c WHERE c.subject_id = e.id) ORDER BY e.id"
        ).fetchall()
        disputed = conn.execute(
            "SELECT DISTINCT x.metric_id, m.slug FROM claims_contradiction x "
            "JOIN claims_metric m ON m.id = x.metric_id WHERE x.status = 'open' ORDER BY 1"
        ).fetchall()
    picked_groups = rng.sample(groups, min(count, len(groups)))
    ranges = []
    for metric_id, slug, point in points[:count]:
        ranges.append({"metric_id": metric_id, "metric": slug, "min": point, "max": point * 4})
    return {
        "group": [
            {"subject_id": s, "metric_id": m, "subject": es, "metric": ms}
            for s, m, es, ms in picked_groups
        ],
        "range": ranges,
        "facts": [{"id": i, "slug": s} for i, s in rng.sample(entities, min(count, len(entities)))],
        "disputes": [
            {"metric_id": m, "metric": s, "min": round(rng.uniform(1, 4), 2)}
            for m, s in (rng.choice(disputed) for _ in range(count))
        ]
        if disputed
        else [],
    }


def qwenkb(scenario: str, p: dict) -> str:
    """QwenKB's REST API path for one request."""
    if scenario == "group":
        return "/api/claims/?" + urlencode({"subject": p["subject"], "metric": p["metric"]})
    if scenario == "range":
        query = {"metric": p["metric"], "value_min": p["min"], "value_max": p["max"]}
        return "/api/claims/?" + urlencode(query | {"ordering": "value", "page_size": 50})
    if scenario == "facts":
        return f"/api/entities/{p['slug']}/facts/"
    query = {"status": "open", "metric": p["metric"], "severity_min": p["min"]}
    return "/api/contradictions/?" + urlencode(query)


def canned(db: str, scenario: str, p: dict) -> str:
    """Datasette's canned-query JSON path for one request."""
    if scenario == "group":
        query = {"subject": p["subject"], "metric": p["metric"]}
        return f"/{db}/group_claims.json?" + urlencode(query | {"_shape": "objects"})
    if scenario == "range":
        query = {"metric": p["metric"], "min": p["min"], "max": p["max"], "_shape": "objects"}
        return f"/{db}/metric_range.json?" + urlencode(query)
    if scenario == "facts":
        return f"/{db}/fact_sheet.json?" + urlencode({"slug": p["slug"], "_shape": "objects"})
    query = {"metric": p["metric"], "min": p["min"], "_shape": "objects"}
    return f"/{db}/open_contradictions.json?" + urlencode(query)


def table(db: str, scenario: str, p: dict) -> str:
    """Datasette's table JSON API path for one request."""
    if scenario == "group":
        query = {"subject_id": p["subject_id"], "metric_id": p["metric_id"], "_shape": "objects"}
        return f"/{db}/claims.json?" + urlencode(query)
    if scenario == "range":
        query = {"metric_id": p["metric_id"], "point__gte": p["min"], "point__lte": p["max"]}
        query |= {"_sort": "point", "_size": 50, "_shape": "objects"}
        return f"/{db}/claims.json?" + urlencode(query)
    if scenario == "facts":
        query = {"subject_id": p["id"], "_size": "max", "_shape": "objects"}
        return f"/{db}/claims.json?" + urlencode(query)
    query = {"status": "open", "metric_id": p["metric_id"], "severity__gte": p["min"]}
    query |= {"_sort_desc": "severity", "_size": 50, "_shape": "objects"}
    return f"/{db}/contradictions.json?" + urlencode(query)


def write(out: Path, db: str, count: int) -> None:
    """One file of paths per system and scenario."""
    out.mkdir(parents=True, exist_ok=True)
    params = sample(os.environ["DATABASE_URL"], count)
    systems = {
        "qwenkb": qwenkb,
        "canned": lambda s, p: canned(db, s, p),
        "table": lambda s, p: table(db, s, p),
    }
    for system, path in systems.items():
        for scenario in SCENARIOS:
            lines = [path(scenario, p) for p in params[scenario]]
            (out / f"{system}_{scenario}.txt").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    write(Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 2000)

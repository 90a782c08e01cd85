"""How long proposals take: a ~30 KB article against a catalogue of 10,000 entities.

Run from the project folder: `.venv/bin/python bench/extraction.py [--entities N] [--runs N]`.
Not a test (timings depend on the machine); the target is at most 1 s per article. The
article is the longest seed text (SEED_TEXTS_DIR, default ../shared/seeds); the catalogue is
the fixtures' entities, metrics and publishers plus synthetic entities with an alias each, so
the name matcher holds the size of a real catalogue. Prints the catalogue build time and the
median and worst extraction time, with how many proposals, candidates and skips it made.
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from claims.extraction import Catalogue, EntityRef, extract  # noqa: E402
from claims.extraction.evaluation import fixture_catalogue  # noqa: E402

KINDS = ["model", "model_family", "product", "organisation", "person", "hardware", "platform"]
WORDS = [
    "Nova",
    "Apex",
    "Lumen",
    "Orion",
    "Vega",
    "Atlas",
    "Zephyr",
    "Helix",
    "Quanta",
    "Nimbus",
    "Pulse",
    "Sigma",
    "Terra",
    "Vertex",
]


def synthetic(count: int, seed: int = 7) -> list[EntityRef]:
    """Entities with names like "Orion Helix-472 Pro" and an alias like "OrionHelix 472"."""
    rng = random.Random(seed)
    made = []
    for n in range(count):
        a, b = rng.choice(WORDS), rng.choice(WORDS)
        name = f"{a} {b}-{n} {rng.choice(['Pro', 'Max', 'Lite', 'Edge'])}"
        made.append(EntityRef(f"synthetic-{n}", name, rng.choice(KINDS), (f"{a}{b} {n}",)))
    return made


def measure(entities: int, runs: int) -> dict:
    """Build a catalogue of ``entities`` entities, then time ``runs`` extractions of the
    longest seed text (FileNotFoundError when there is none)."""
    texts = Path(os.environ.get("SEED_TEXTS_DIR", ROOT.parent / "shared" / "seeds"))
    found = sorted(texts.glob("*.txt"), key=lambda p: p.stat().st_size)
    if not found:
        raise FileNotFoundError(f"no seed texts (*.txt) in {texts}")
    article = found[-1]
    text = article.read_text(encoding="utf-8")
    base = fixture_catalogue(ROOT / "fixtures")
    refs = base.entities + synthetic(entities - len(base.entities))
    started = time.perf_counter()
    catalogue = Catalogue.build(entities=refs, metrics=base.metrics, publishers=base.publishers)
    built = time.perf_counter() - started
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        result = extract(text, catalogue)
        timings.append(time.perf_counter() - started)
    return {
        "article": article.name,
        "bytes": len(text.encode()),
        "entities": len(refs),
        "metrics": len(base.metrics),
        "catalogue_s": built,
        "runs": runs,
        "median_s": statistics.median(timings),
        "worst_s": max(timings),
        "proposals": len(result.proposals),
        "candidates": len(result.candidates),
        "skipped": len(result.skipped),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON line")
    args = parser.parse_args()
    figures = measure(args.entities, args.runs)
    if args.json:
        print(json.dumps(figures))
        return
    print(f"article: {figures['article']}, {figures['bytes']:,} bytes")
    print(
        f"catalogue: {figures['entities']:,} entities, {figures['metrics']} metrics, "
        f"built in {figures['catalogue_s']:.3f} s"
    )
    print(
        f"extraction: median {figures['median_s']:.3f} s, worst {figures['worst_s']:.3f} s "
        f"over {figures['runs']} runs; {figures['proposals']} proposals, "
        f"{figures['candidates']} candidates, {figures['skipped']} skipped"
    )


if __name__ == "__main__":
    main()

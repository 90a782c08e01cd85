"""How long proposals take: a ~30 KB article against a catalogue of 10,000 entities.

Run from the project folder: `.venv/bin/python bench/extraction.py [--entities N] [--runs N]`.
Not a test (timings depend on the machine); the target is at most 1 s per article. The
article is the longest seed text (SEED_TEXTS_DIR, default ../shared/seeds); the catalogue is
the fixtures' entities, metrics and publishers plus synthetic entities with an alias each, so
the name matcher holds the size of a real catalogue. Prints the catalogue build time and the
median and worst extraction time, with how many proposals, candidates and skips it made.
"""

import argparse
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    texts = Path(os.environ.get("SEED_TEXTS_DIR", ROOT.parent / "shared" / "seeds"))
    article = max(texts.glob("*.txt"), key=lambda p: p.stat().st_size)
    text = article.read_text(encoding="utf-8")
    base = fixture_catalogue(ROOT / "fixtures")
    entities = base.entities + synthetic(args.entities - len(base.entities))
    started = time.perf_counter()
    catalogue = Catalogue.build(entities=entities, metrics=base.metrics, publishers=base.publishers)
    built = time.perf_counter() - started
    timings = []
    for _ in range(args.runs):
        started = time.perf_counter()
        result = extract(text, catalogue)
        timings.append(time.perf_counter() - started)
    print(f"article: {article.name}, {len(text.encode()):,} bytes")
    print(
        f"catalogue: {len(entities):,} entities, {len(base.metrics)} metrics, built in {built:.3f} s"
    )
    print(
        f"extraction: median {statistics.median(timings):.3f} s, worst {max(timings):.3f} s "
        f"over {args.runs} runs; {len(result.proposals)} proposals, "
        f"{len(result.candidates)} candidates, {len(result.skipped)} skipped"
    )


if __name__ == "__main__":
    main()

"""How well the extractor does on the seed: recall and precision against the curated fixtures.

Gold: every quantity and date claim of ``fixtures/sources/*.yaml``. A gold claim is *found*
when a proposal from the same source has its subject and metric, a value within 1% (dates:
the same first and last day) and a quote containing the gold quote. A proposal is *right*
when it finds a gold claim or when the committed review file lists it as judged right.
Everything is read from the fixtures and the seed texts; no database is needed.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from claims.extraction.catalogue import Catalogue, EntityRef, MetricRef, PublisherRef
from claims.extraction.extractor import Proposal, extract
from claims.values import UnreadableValue, read_date, read_quantity

REVIEW_FILE = "extraction_review.yaml"
GOLD_TYPES = ("quantity", "date")


@dataclass
class SourceScore:
    """One seed source's counts."""

    key: str
    gold: int = 0
    found: int = 0
    proposed: int = 0
    right: int = 0
    missed: list[dict] = field(default_factory=list)
    wrong: list[Proposal] = field(default_factory=list)


@dataclass
class Evaluation:
    """Counts over the seed, per source and in total."""

    sources: list[SourceScore]

    @property
    def gold(self) -> int:
        return sum(s.gold for s in self.sources)

    @property
    def found(self) -> int:
        return sum(s.found for s in self.sources)

    @property
    def proposed(self) -> int:
        return sum(s.proposed for s in self.sources)

    @property
    def right(self) -> int:
        return sum(s.right for s in self.sources)

    @property
    def recall(self) -> float:
        return self.found / self.gold if self.gold else 0.0

    @property
    def precision(self) -> float:
        return self.right / self.proposed if self.proposed else 0.0


def fixture_catalogue(fixtures: Path) -> Catalogue:
    """The fixtures' entities, metrics and publishers, without any claim."""
    entities = yaml.safe_load((fixtures / "entities.yaml").read_text(encoding="utf-8"))
    metrics = yaml.safe_load((fixtures / "metrics.yaml").read_text(encoding="utf-8"))
    publishers = yaml.safe_load((fixtures / "publishers.yaml").read_text(encoding="utf-8"))
    return Catalogue.build(
        entities=(
            EntityRef(
                e["slug"],
                e["name"],
                e["kind"],
                tuple(map(str, e.get("aliases") or ())),
                e.get("parent") or "",
            )
            for e in entities
        ),
        metrics=(
            MetricRef(
                m["slug"],
                m["name"],
                m["value_type"],
                m.get("dimension") or "",
                m.get("unit") or "",
                tuple(m.get("cues") or ()),
            )
            for m in metrics
        ),
        publishers=(PublisherRef(p["slug"], p["name"]) for p in publishers),
    )


def _published(value) -> tuple[datetime.date | None, str]:
    if value in (None, ""):
        return None, "unknown"
    text = str(value)
    for fmt, precision in (("%Y-%m-%d", "day"), ("%Y-%m", "month"), ("%Y", "year")):
        try:
            return datetime.datetime.strptime(text, fmt).date(), precision
        except ValueError:
            continue
    raise ValueError(f"published {text!r} is not YYYY-MM-DD, YYYY-MM or YYYY")


def _reading(text: str, value_type: str, context):
    try:
        if value_type == "date":
            value = read_date(text, context=context)
            return (value.start, value.end)
        quantity = read_quantity(text)
        return quantity.point if quantity.point is not None else (quantity.low, quantity.high)
    except UnreadableValue:
        return None


def _same_value(a, b) -> bool:
    if a is None or b is None:
        return False
    if isinstance(a, tuple):
        return a == b
    return abs(a - b) <= 0.01 * max(abs(a), abs(b))


def evaluate(fixtures: Path, texts: Path) -> Evaluation:
    """Extract from every seed text and score the proposals against the fixtures."""
    catalogue = fixture_catalogue(fixtures)
    types = {m.slug: m.value_type for m in catalogue.metrics}
    review_path = fixtures / REVIEW_FILE
    review = (
        yaml.safe_load(review_path.read_text(encoding="utf-8")) if review_path.is_file() else {}
    )
    scores = []
    for path in sorted((fixtures / "sources").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        meta = data["source"]
        text_path = texts / meta["seed_file"]
        text = text_path.read_text(encoding="utf-8")
        published, precision = _published(meta.get("published"))
        score = SourceScore(meta["key"])
        proposals = extract(text, catalogue, published=published, precision=precision)
        readings = [_reading(p.value_text, types[p.metric], published) for p in proposals.proposals]
        matched = set()
        for claim in data.get("claims") or []:
            value_type = types.get(claim["metric"])
            if value_type not in GOLD_TYPES:
                continue
            score.gold += 1
            gold_value = _reading(str(claim["value"]), value_type, published)
            hit = next(
                (
                    i
                    for i, p in enumerate(proposals.proposals)
                    if p.subject == claim["subject"]
                    and p.metric == claim["metric"]
                    and str(claim["quote"]) in p.quote
                    and _same_value(readings[i], gold_value)
                ),
                None,
            )
            if hit is None:
                score.missed.append(claim)
            else:
                score.found += 1
                matched.add(hit)
        judged = {
            (r["subject"], r["metric"], str(r["value"]))
            for r in (review or {}).get(meta["key"], []) or []
        }
        for i, proposal in enumerate(proposals.proposals):
            score.proposed += 1
            key = (proposal.subject, proposal.metric, proposal.value_text)
            if i in matched or key in judged:
                score.right += 1
            else:
                score.wrong.append(proposal)
        scores.append(score)
    return Evaluation(scores)

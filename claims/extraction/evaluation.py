"""How well the extractor does on the seed: recall and precision against the curated fixtures.

Gold: every quantity and date claim of ``fixtures/sources/*.yaml``. A gold claim is *found*
when a proposal from the same source has its subject and metric, a value within 1% (dates:
the same first and last day) and a quote containing the gold quote. A proposal is *right*
when it finds a gold claim or when the committed review file lists it as judged right.
Text, entity and yes/no claims are scored the same way but apart (``other``): their value
matches when it names the same entity (by name or alias), says the same yes or no, or, for
text, one value contains the other ignoring case, spaces and hyphens.
Everything is read from the fixtures and the seed texts; no database is needed.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from claims.extraction.catalogue import Catalogue, EntityRef, MetricRef, PublisherRef
from claims.extraction.extractor import Proposal, extract
from claims.extraction.names import fold
from claims.values import UnreadableValue, read_date, read_quantity

REVIEW_FILE = "extraction_review.yaml"
GOLD_TYPES = ("quantity", "date")
OTHER_TYPES = ("text", "entity", "boolean")


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
    other: SourceScore | None = None  # the same counts for text, entity and yes/no claims


@dataclass
class Evaluation:
    """Counts over the seed, per source and in total."""

    sources: list[SourceScore]

    @property
    def other(self) -> Evaluation:
        """The counts for text, entity and yes/no claims."""
        return Evaluation([s.other for s in self.sources if s.other is not None])

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


def _other_reading(text: str, value_type: str, catalogue: Catalogue):
    if value_type == "entity":
        entity = catalogue.by_name.get(fold(text))
        return None if entity is None else ("entity", entity.slug)
    if value_type == "boolean":
        word = text.strip().casefold()
        return ("yes", word in {"yes", "true"}) if word in {"yes", "true", "no", "false"} else None
    return ("text", fold(text).strip("()"))


def _contains(a, b) -> bool:
    return a[0] == b[0] == "text" and (a[1] in b[1] or b[1] in a[1])


def _score(key, gold, proposals, judged, read, same) -> SourceScore:
    """Which gold claims the proposals find, and which proposals are right."""
    score = SourceScore(key)
    readings = [read(p.value_text, p.metric) for p in proposals]
    matched = set()
    for claim in gold:
        score.gold += 1
        gold_value = read(str(claim["value"]), claim["metric"])
        hit = next(
            (
                i
                for i, p in enumerate(proposals)
                if p.subject == claim["subject"]
                and p.metric == claim["metric"]
                and str(claim["quote"]) in p.quote
                and same(readings[i], gold_value)
            ),
            None,
        )
        if hit is None:
            score.missed.append(claim)
        else:
            score.found += 1
            matched.add(hit)
    for i, proposal in enumerate(proposals):
        score.proposed += 1
        if i in matched or (proposal.subject, proposal.metric, proposal.value_text) in judged:
            score.right += 1
        else:
            score.wrong.append(proposal)
    return score


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
        extraction = extract(text, catalogue, published=published, precision=precision)
        judged = {
            (r["subject"], r["metric"], str(r["value"]))
            for r in (review or {}).get(meta["key"], []) or []
        }
        claims = data.get("claims") or []
        score = _score(
            meta["key"],
            [c for c in claims if types.get(c["metric"]) in GOLD_TYPES],
            [p for p in extraction.proposals if types[p.metric] in GOLD_TYPES],
            judged,
            lambda text, metric, published=published: _reading(text, types[metric], published),
            _same_value,
        )
        score.other = _score(
            meta["key"],
            [c for c in claims if types.get(c["metric"]) in OTHER_TYPES],
            [p for p in extraction.proposals if types[p.metric] in OTHER_TYPES],
            judged,
            lambda text, metric: _other_reading(text, types[metric], catalogue),
            lambda a, b: a is not None and b is not None and (a == b or _contains(a, b)),
        )
        scores.append(score)
    return Evaluation(scores)

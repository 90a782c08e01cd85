"""Proposals from a text: figures tied to a metric by its cues and to the nearest fitting entity.

The rules are general, never about one article: a figure belongs to the metric whose cue stands
nearest to it (a unit word the metric is measured in counts as a cue), and to the entity named
nearest before it (after it, or after a preposition such as "on Hugging Face", costs more).
Where a sentence names no entity, "it", "the model", "the company"… stand for the entity last
named, of a fitting kind, provided the sentence that named it named no other. A name that
looks like a model or product QwenKB does not know ("Qwen3-Max", "Zhenwu M890") is offered as a
new-entity candidate, and a figure nearest to such a name is skipped rather than given to
another subject.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from claims.extraction.catalogue import Catalogue, EntityRef, MetricRef
from claims.extraction.figures import Figure, find_dates, find_quantities
from claims.extraction.names import Match, fold
from claims.extraction.sentences import sentences

EXTRACTOR_VERSION = "extract-1"

WINDOW = 90  # characters between a figure and its metric's cue, at most
WEAK_WINDOW = 12  # the same for a bare number (no scale, sign, unit or qualifier): "No. 6"
SUBJECT_KINDS = frozenset(
    {"model", "model_family", "product", "organisation", "person", "hardware", "platform"}
)
_ANAPHORA = {
    "the model": {"model", "model_family"},
    "this model": {"model", "model_family"},
    "the series": {"model_family"},
    "the family": {"model_family"},
    "the company": {"organisation"},
    "the firm": {"organisation"},
    "the group": {"organisation"},
    "the app": {"product"},
    "the product": {"product", "hardware"},
    "the device": {"product", "hardware"},
    "the platform": {"platform", "product"},
    "it": SUBJECT_KINDS,
    "its": SUBJECT_KINDS,
}
_ANAPHORA_RE = re.compile(
    r"\b(" + "|".join(sorted(_ANAPHORA, key=len, reverse=True)) + r")\b", re.I
)
# A name after one of these words is what the sentence's subject acts on or is compared with.
_OBJECT_WORDS = re.compile(
    r"\b(?:on|in|via|than|over|against|from|with|to|at|by|including|like|as|into|versus|vs\.?)"
    r"(?:\s+(?:the|a|an|its|their))?\s*$",
    re.I,
)
_ATTRIBUTIONS = (
    re.compile(
        r"\b(?i:according to) (?P<who>[A-Z0-9][\w.&'’ -]{1,60}?)(?=[,.;:)]|$| (?:on|in|as|which|who|that|and)\b)"
    ),
    re.compile(r"[—–-] (?P<who>[A-Z][\w.&'’ -]{1,60}?) \((?:[A-Z][a-z]{2,8}\.? )?\d{4}\)\W*$"),
    re.compile(r"\((?P<who>[A-Z][\w.&'’ -]{1,60}?)\)\W*$"),
    re.compile(
        r"(?P<who>\b[A-Z][\w.&'’-]+(?: [A-Z][\w.&'’-]+)*) (?:reported|reports|said|says|noted|"
        r"announced|disclosed|confirmed|estimated|claimed)\b"
    ),
    re.compile(
        r"\b(?P<who>(?:the company|the firm|the group|it) (?:said|says|reported|announced|"
        r"disclosed|confirmed)|company disclosures|reportedly|sources said)\b",
        re.I,
    ),
)
# A name that looks like a model or product: a capitalised word with a version or model number
# joined to it ("Qwen3-Max", "GPT-5", "M890"), a decimal version ("Qwen 4.0") or a capitalised
# word after the number ("Gemini 3 Pro").
_CANDIDATE = re.compile(
    r"\b(?P<name>[A-Z][A-Za-z]+(?:[ \-‑][A-Z][A-Za-z]+)*"
    r"(?:(?:[-‑]?[A-Z]*\d+(?:\.\d+)*[A-Za-z]*)|(?: \d+\.\d+)|(?: [A-Z]+\d+[A-Za-z]*)|(?: \d+(?= [A-Z][a-z])))"
    r"(?:[-‑ ](?:[A-Z][A-Za-z]+|\d+(?:\.\d+)?[BMK]?)(?![\w]))*)"
)
_NOT_NAMES = frozenset(
    [
        *("rmb", "usd", "cny", "eur", "hkd", "gbp", "jpy"),
        "story",
        "week",
        "published",
        "posted",
        "section",
        "chapter",
        "part",
        "figure",
        "table",
        "step",
        "phase",
        "level",
        "version",
        "page",
        "vol",
        "tier",
        "top",
        "no",
        "number",
        "fy",
        "in",
        "on",
        "the",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "q",
        "h",
    ]
)


@dataclass(frozen=True)
class Reason:
    """Why a proposal was made: the cue, the entity mention and the figure, with their spans."""

    cue: str
    cue_span: tuple[int, int] | None
    mention: str
    mention_span: tuple[int, int] | None
    figure_span: tuple[int, int]
    resolved_from: str = ""  # "the model", "it"…: the words that stood for the subject

    def sentence(self) -> str:
        """The reason in one plain sentence."""
        cue = f"cue \u201c{self.cue}\u201d" if self.cue else "no cue"
        named = (
            f"\u201c{self.resolved_from}\u201d read as {self.mention}"
            if self.resolved_from
            else f"entity named \u201c{self.mention}\u201d"
        )
        return f"{cue}; {named}; figure at {self.figure_span[0]}\u2013{self.figure_span[1]}"


@dataclass(frozen=True)
class Proposal:
    """A claim the text makes: subject, metric, value as written, the sentence as its quote."""

    subject: str
    metric: str
    value_text: str
    quote: str
    quote_start: int
    as_of: tuple | None  # (start, end, precision), or None for the source's own date
    as_of_text: str
    attributed_to: str | None  # a publisher's slug
    attribution: str  # the words that attribute it ("according to 36Kr")
    confidence: float
    reason: Reason


@dataclass(frozen=True)
class Candidate:
    """A name that looks like a model or product the catalogue does not hold."""

    name: str
    start: int
    end: int
    sentence: str


@dataclass(frozen=True)
class Skipped:
    """A figure the extractor found but did not propose, and why."""

    text: str
    reason: str


@dataclass
class Extraction:
    """What one run over a text found."""

    proposals: list[Proposal] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


@dataclass
class _Sentence:
    start: int
    end: int
    text: str
    mentions: list[Match]
    candidates: list[tuple[int, int, str]]


def extract(
    text: str,
    catalogue: Catalogue,
    *,
    published: datetime.date | None = None,
    precision: str = "day",
) -> Extraction:
    """Propose claims from ``text``; ``published`` dates what the text says without a date."""
    result = Extraction()
    seen: set[tuple] = set()
    candidate_names: set[str] = set()
    last_named: list[EntityRef] = []  # the fitting entities the latest naming sentence named
    for start, end in sentences(text):
        sentence = _read_sentence(text, start, end, catalogue)
        for c_start, c_end, name in sentence.candidates:
            if fold(name) not in candidate_names:
                candidate_names.add(fold(name))
                result.candidates.append(
                    Candidate(name, start + c_start, start + c_end, sentence.text)
                )
        for proposal in _sentence_proposals(
            sentence, catalogue, last_named, published, precision, result.skipped
        ):
            key = (proposal.subject, proposal.metric, proposal.value_text, proposal.quote)
            if key not in seen:
                seen.add(key)
                result.proposals.append(proposal)
        named = {m.value.slug: m.value for m in sentence.mentions if m.value.kind in SUBJECT_KINDS}
        if named:
            last_named = list(named.values())
    return result


def _read_sentence(text: str, start: int, end: int, catalogue: Catalogue) -> _Sentence:
    body = text[start:end]
    mentions = list(catalogue.names.find(body))
    candidates = []
    for match in _CANDIDATE.finditer(body):
        name = match.group("name").rstrip(" -‑")
        c_start, c_end = match.start("name"), match.start("name") + len(name)
        first = re.split(r"[ \-‑]", name)[0].lower()
        if first in _NOT_NAMES or re.fullmatch(r"[A-Za-z]+[ \-‑]?(?:19|20)\d\d", name):
            continue
        if fold(name) in catalogue.known:
            continue
        covered = [m for m in mentions if m.start <= c_start and c_end <= m.end]
        if covered:
            continue
        # A known name inside a longer unknown one ("Qwen3" in "Qwen3-Max") is not a mention.
        mentions = [m for m in mentions if not (c_start <= m.start and m.end <= c_end)]
        candidates.append((c_start, c_end, name))
    return _Sentence(start, end, body, mentions, candidates)


def _sentence_proposals(sentence, catalogue, last_named, published, precision, skipped):
    body = sentence.text
    names = [(m.start, m.end) for m in sentence.mentions] + [
        (s, e) for s, e, _ in sentence.candidates
    ]
    dates = [d for d in find_dates(body, published=published) if not _inside(d, names)]
    quantities = find_quantities(body, taken=names + [(d.start, d.end) for d in dates])
    figures = sorted(dates + quantities, key=lambda f: f.start)
    if not figures:
        return []
    cues = list(catalogue.cues.find(body))
    attribution, attributed_to = _attribution(body, catalogue)
    proposals = []
    for figure in figures:
        choice = _metric(figure, catalogue.metrics, cues, body)
        if choice is None:
            if figure.date is None:
                skipped.append(Skipped(figure.text, f"no metric's cue near it in: {body}"))
            continue
        metric, cue, runner_up = choice
        if _weak(figure) and cue[0] > WEAK_WINDOW:
            skipped.append(Skipped(figure.text, f"a bare number far from any cue: {body}"))
            continue
        subject = _subject(figure, sentence, last_named, metric, cue[2])
        if isinstance(subject, str):
            skipped.append(Skipped(figure.text, f"{subject} (metric {metric.slug}): {body}"))
            continue
        entity, mention, resolved_from, close_second = subject
        value_text = figure.text
        if figure.unit and metric.unit and _singular(figure.unit) == _singular(metric.unit.lower()):
            unit_end = body.find(figure.unit, figure.end)
            if unit_end == figure.end + 1 and body[figure.end] == " ":
                value_text = body[figure.start : unit_end + len(figure.unit)]
        confidence = 0.95 - 0.3 * (cue[0] / WINDOW)
        confidence -= 0.25 if resolved_from else 0
        confidence -= 0.1 if mention is not None and mention.start > figure.start else 0
        confidence -= 0.15 if runner_up else 0
        confidence -= 0.1 if close_second else 0
        proposals.append(
            Proposal(
                subject=entity.slug,
                metric=metric.slug,
                value_text=value_text,
                quote=body,
                quote_start=sentence.start,
                as_of=None,
                as_of_text="",
                attributed_to=attributed_to,
                attribution=attribution,
                confidence=round(max(0.05, min(confidence, 0.99)), 2),
                reason=Reason(
                    cue=cue[1],
                    cue_span=cue[2],
                    mention=mention_text(body, mention, entity),
                    mention_span=None if mention is None else (mention.start, mention.end),
                    figure_span=(figure.start, figure.end),
                    resolved_from=resolved_from,
                ),
            )
        )
    return proposals


def mention_text(body: str, mention: Match | None, entity: EntityRef) -> str:
    """The words that named the subject, or its name when a pronoun stood for it."""
    return entity.name if mention is None else body[mention.start : mention.end]


def _inside(figure: Figure, spans) -> bool:
    return any(figure.start < end and start < figure.end for start, end in spans)


def _singular(word: str) -> str:
    return word[:-1] if word.endswith("s") else word


def _fits(figure: Figure, metric: MetricRef) -> bool:
    if figure.date is not None:
        return metric.value_type == "date"
    return metric.value_type == "quantity" and metric.dimension == figure.kind


def _gap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, max(a[0], b[0]) - min(a[1], b[1]))


def _metric(figure: Figure, metrics, cues: list[Match], body: str):
    """(metric, (distance, cue, span), runner-up close?) for the figure, or None."""
    best: dict[str, tuple] = {}
    for cue in cues:
        metric = cue.value
        if not _fits(figure, metric):
            continue
        distance = _gap((figure.start, figure.end), (cue.start, cue.end))
        if distance > WINDOW:
            continue
        entry = (distance, -(cue.end - cue.start), metric.slug)
        if metric.slug not in best or entry < best[metric.slug][0]:
            best[metric.slug] = (
                entry,
                metric,
                (distance, body[cue.start : cue.end], (cue.start, cue.end)),
            )
    if figure.unit and figure.date is None:
        for metric in metrics:
            if (
                _fits(figure, metric)
                and metric.unit
                and _singular(figure.unit) == _singular(metric.unit.lower())
                and metric.slug not in best
                and sum(1 for m in metrics if m.unit == metric.unit) == 1
            ):
                best[metric.slug] = ((0, 0, metric.slug), metric, (0, figure.unit, None))
    if not best:
        return None
    ranked = sorted(best.values(), key=lambda item: item[0])
    entry, metric, cue = ranked[0]
    runner_up = len(ranked) > 1 and ranked[1][0][0] - entry[0] < 15
    return metric, cue, runner_up


def _weak(figure: Figure) -> bool:
    """A bare number: it may be a list number, a version or a heading's count."""
    q = figure.quantity
    return (
        q is not None
        and q.unit is None
        and q.bound.value == "exact"
        and figure.unit is None
        and re.fullmatch(r"[\d.,]+", figure.text) is not None
    )


def kind_fits(metric: MetricRef, kind: str) -> bool:
    """Whether an entity of ``kind`` can be the subject of the metric's figures.

    A person has dates (a departure) but no counts or amounts of their own; a count of
    parameters or tokens belongs to a model.
    """
    if kind not in SUBJECT_KINDS:
        return False
    if metric.value_type == "date":
        return True
    if kind == "person":
        return False
    if metric.unit in {"parameters", "tokens"}:
        return kind in {"model", "model_family", "product"}
    return True


def _subject(figure, sentence: _Sentence, last_named, metric: MetricRef, cue_span):
    """(entity, mention, words resolved, close second?) or a reason for skipping, as a str."""
    body = sentence.text
    scored = []
    for mention in sentence.mentions:
        if not kind_fits(metric, mention.value.kind):
            continue
        if cue_span is not None and cue_span[0] <= mention.start and mention.end <= cue_span[1]:
            continue  # the name is part of the cue ("Hugging Face downloads")
        score = _score(figure, mention.start, mention.end, body, sentence)
        if (
            figure.date is not None
            and cue_span is not None
            and mention.value.kind in {"model", "model_family", "product", "hardware"}
            and 0 <= mention.start - cue_span[1] <= 25
        ):
            score = min(score, 5)  # "Alibaba released Qwen3.5 on …": what was released
        scored.append((score, mention))
    unknown = [(_score(figure, s, e, body, sentence), name) for s, e, name in sentence.candidates]
    scored.sort(key=lambda item: (item[0], item[1].start))
    if scored:
        best_score, best = scored[0]
        if unknown and min(unknown)[0] < best_score:
            return f"nearest name \u201c{min(unknown)[1]}\u201d is not a known entity"
        second = next((s for s, m in scored[1:] if m.value.slug != best.value.slug), None)
        close = second is not None and second < best_score * 1.3 + 5
        return best.value, best, "", close
    if unknown:
        return f"nearest name \u201c{min(unknown)[1]}\u201d is not a known entity"
    words = _ANAPHORA_RE.search(body)
    if words is None:
        return "no entity named in the sentence"
    kinds = _ANAPHORA[words.group(1).lower()]
    fitting = [e for e in last_named if e.kind in kinds and kind_fits(metric, e.kind)]
    if len(fitting) != 1:
        return f"\u201c{words.group(1)}\u201d could stand for {len(fitting)} entities"
    return fitting[0], None, words.group(1), False


def _score(figure: Figure, start: int, end: int, body: str, sentence: _Sentence) -> float:
    if end <= figure.start:
        distance = figure.start - end
        score = distance * 0.6 if _first_named(start, sentence) else distance
    else:
        score = 10 + 1.5 * max(0, start - figure.end)
    if _OBJECT_WORDS.search(body[max(0, start - 20) : start]):
        score = score * 2 + 20
    return score


def _first_named(start: int, sentence: _Sentence) -> bool:
    first = min(
        [m.start for m in sentence.mentions] + [s for s, _, _ in sentence.candidates],
        default=None,
    )
    return first == start


def _attribution(body: str, catalogue: Catalogue) -> tuple[str, str | None]:
    for pattern in _ATTRIBUTIONS:
        match = pattern.search(body)
        if match is None:
            continue
        who = match.group("who").strip()
        publisher = next(iter(catalogue.publisher_names.find(who)), None)
        return match.group(0).strip(" —–-"), None if publisher is None else publisher.value.slug
    return "", None

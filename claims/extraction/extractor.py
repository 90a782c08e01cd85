"""Proposals from a text: each sentence's figures with their metric, subject and attribution.

The sentence is the quote, so every proposal is verbatim in the text. A name that looks like
a model or product QwenKB does not know ("Qwen3-Max", "Zhenwu M890") is offered as a
new-entity candidate, and a figure nearest to such a name is skipped rather than given to
another subject. How figures are tied to metrics and subjects is ``binding``.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from dataclasses import dataclass, field

from claims.extraction import binding, relations
from claims.extraction.catalogue import Catalogue, EntityRef
from claims.extraction.figures import Figure, find_dates, find_quantities
from claims.extraction.names import Match, fold
from claims.extraction.sentences import sentences
from claims.values.asof import ProjectedPeriod, find_as_of

EXTRACTOR_VERSION = "extract-1"

# "Headline — Publisher (Feb 26/27, 2026)": a digest's citation of another article.
_CITATION = re.compile(
    r"[—–-] (?P<who>[A-Z][\w.&'’ -]{1,60}?) \((?:[A-Z][a-z]{2,8}\.? )?[\d/, ]*\d{4}\)(?: ?\([^()]*\))?\W*$"
)
_ATTRIBUTIONS = (
    re.compile(
        r"\b(?i:according to) (?P<who>[A-Z0-9][\w.&'’ -]{1,60}?)"
        r"(?=[,.;:)]|$| (?:on|in|as|which|who|that|and)\b)"
    ),
    _CITATION,
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
# joined to it ("Qwen3-Max", "GPT-5"), a model number of its own ("Zhenwu M890") or a decimal
# version ("Qwen 4.0"), and the capitalised words or sizes that follow ("-Max", " Pro", "-7B").
_CANDIDATE = re.compile(
    r"\b(?P<name>[A-Z][A-Za-z]+(?:[ \-‑][A-Z][A-Za-z]+)*"
    r"(?:[-‑]?[A-Z]*\d+(?:\.\d+)*[A-Za-z]*|[ ]\d+\.\d+|[ ][A-Z]+\d+[A-Za-z]*)"
    r"(?:[-‑ ](?:[A-Z][A-Za-z]+|\d+(?:\.\d+)?[BMK]?)(?!\w))*)"
)
# Capitalised words that start sentences, periods and headings, not names.
_NOT_NAMES = frozenset(
    [
        "rmb",
        "usd",
        "cny",
        "eur",
        "hkd",
        "gbp",
        "jpy",
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
        "a",
        "an",
        "and",
        "or",
        "but",
        "nearly",
        "about",
        "over",
        "around",
        "approximately",
        "roughly",
        "almost",
        "some",
        "up",
        "more",
        "less",
        "under",
        "above",
        "below",
        "exceeding",
        "just",
        "only",
        "since",
        "by",
        "from",
        "with",
        "at",
        "after",
        "before",
        "until",
        "for",
        "of",
        "as",
        "its",
        "their",
        "our",
        "this",
        "that",
        "these",
        "those",
        "all",
        "each",
        "every",
        "total",
        "model",
        "models",
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
# A model's size in its name: "Qwen3.5-27B", "Qwen 7B".
_SIZE_IN_NAME = re.compile(r"[-‑ ](?P<size>\d+(?:\.\d+)?[BM])$")


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
    note: str = ""  # a projection's as-of phrase, for the editor


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
    text: str
    mentions: list[Match[EntityRef]]
    candidates: list[tuple[int, int, str]]
    item: bool


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
    sized: set[str] = set()  # entities whose size in the name was proposed already
    last_named: list[EntityRef] = []  # the fitting entities the latest naming sentence named
    topic: list[EntityRef] = []  # the same, before the list the text is in
    main: dict[str, int] = {}  # how often the text names each entity
    for mention in catalogue.names.find(text):
        main[mention.value.slug] = main.get(mention.value.slug, 0) + 1
    for span in sentences(text):
        start = span.start
        sentence = _read_sentence(text, span.start, span.end, catalogue, span.item)
        for c_start, c_end, name in sentence.candidates:
            if fold(name) not in candidate_names:
                candidate_names.add(fold(name))
                result.candidates.append(
                    Candidate(name, start + c_start, start + c_end, sentence.text)
                )
        if not sentence.item:
            topic = last_named
        found = _sentence_proposals(
            sentence, catalogue, (last_named, topic, main), (published, precision), result.skipped
        )
        found += _sizes_in_names(sentence, catalogue, sized)
        found += _relations(sentence, catalogue, last_named)
        for proposal in found:
            key = (proposal.subject, proposal.metric, proposal.value_text, proposal.quote)
            if key not in seen:
                seen.add(key)
                result.proposals.append(proposal)
        named = binding.sentence_named(sentence.text, sentence.mentions, last_named)
        if named:
            last_named = named
    return result


def _read_sentence(text: str, start: int, end: int, catalogue: Catalogue, item: bool) -> _Sentence:
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
        if any(m.start <= c_start and c_end <= m.end for m in mentions):
            continue
        # A known name inside a longer unknown one ("Qwen3" in "Qwen3-Max") is not a mention.
        mentions = [m for m in mentions if not (c_start <= m.start and m.end <= c_end)]
        candidates.append((c_start, c_end, name))
    return _Sentence(start, body, mentions, candidates, item)


def _sentence_proposals(sentence, catalogue, context, dated, skipped) -> list[Proposal]:
    body = sentence.text
    published, precision = dated
    names = [(m.start, m.end) for m in sentence.mentions] + [
        (s, e) for s, e, _ in sentence.candidates
    ]
    dates = [d for d in find_dates(body, published=published) if not _inside(d, names)]
    quantities = find_quantities(body, taken=names + [(d.start, d.end) for d in dates])
    figures = sorted(dates + quantities, key=lambda f: f.start)
    if not figures:
        return []
    cues = binding.find_cues(body, names, catalogue)
    attribution, attributed_to = _attribution(body, catalogue)
    citation = _CITATION.search(body)
    proposals = []
    for found in figures:
        # The date in "Headline — Publisher (Feb 2026)" is the headline's: read it at its end.
        figure = found
        if citation is not None and found.start >= citation.start():
            figure = dataclasses.replace(found, start=citation.start(), end=citation.start())
        future = found.date is not None and published is not None and found.date.start > published
        choices = binding.choose_metrics(figure, figures, cues, catalogue, body, future=future)
        if not choices:
            if figure.date is None:
                skipped.append(Skipped(figure.text, f"no metric's cue near it in: {body}"))
            continue
        if binding.weak(figure, catalogue) and choices[0].distance > binding.WEAK_WINDOW:
            skipped.append(Skipped(figure.text, f"a bare number far from any cue: {body}"))
            continue
        for rank, choice in enumerate(choices):
            choice, subject = _subject(figure, rank, choices, sentence, catalogue, context)
            if isinstance(subject, str):
                skipped.append(
                    Skipped(figure.text, f"{subject} (metric {choice.metric.slug}): {body}")
                )
                continue
            proposal = _proposal(found, choice, subject, sentence, attribution, attributed_to)
            proposals.append(_dated(proposal, found, published, precision))
    return proposals


def _subject(figure, rank, choices, sentence, catalogue, context):
    """The metric (maybe a family's instead) and the subject of one of the figure's choices."""
    body = sentence.text
    last_named, topic, main = context

    def subject_for(choice):
        return binding.sized_model(
            figure, choice, sentence.mentions, last_named, catalogue
        ) or binding.choose_subject(
            figure,
            body,
            sentence.mentions,
            sentence.candidates,
            last_named,
            choice,
            item=sentence.item,
            topic=topic,
            catalogue=catalogue,
            main=main,
        )

    choice = choices[rank]
    subject = subject_for(choice)
    family = binding.family_metric(choice.metric, catalogue)
    if (
        family is not None
        and family not in {c.metric for c in choices}
        and (isinstance(subject, str) or subject.entity.kind == "model_family")
    ):
        # a family's parameter count is its largest model's (a company's is not said by a
        # count without "largest")
        choice = dataclasses.replace(choice, metric=family)
        subject = subject_for(choice)
        if not isinstance(subject, str) and subject.entity.kind != "model_family":
            subject = f"{subject.entity.name} is not a model family"
    if (
        rank > 0  # listed beside the metric whose cue is nearest
        and not isinstance(subject, str)
        and binding.superlative(choice.metric)
        and not binding.owns_superlative(body, subject.mention, choice.span)
    ):
        subject = "the largest of what is not named beside the cue"
    return choice, subject


def _proposal(figure, choice, subject, sentence, attribution, attributed_to) -> Proposal:
    body = sentence.text
    confidence = 0.95 - 0.3 * (choice.distance / binding.WINDOW)
    confidence -= 0.25 if subject.resolved_from else 0
    mention = subject.mention
    confidence -= 0.1 if mention is not None and mention.start > figure.start else 0
    confidence -= 0.15 if choice.runner_up else 0
    confidence -= 0.1 if subject.close_second else 0
    return Proposal(
        subject=subject.entity.slug,
        metric=choice.metric.slug,
        value_text=_value_text(figure, choice.metric.unit, body),
        quote=body,
        quote_start=sentence.start,
        as_of=None,
        as_of_text="",
        attributed_to=attributed_to,
        attribution=attribution,
        confidence=round(max(0.05, min(confidence, 0.99)), 2),
        reason=Reason(
            cue=choice.cue,
            cue_span=choice.span,
            mention=subject.entity.name if mention is None else body[mention.start : mention.end],
            mention_span=None if mention is None else (mention.start, mention.end),
            figure_span=(figure.start, figure.end),
            resolved_from=subject.resolved_from,
        ),
    )


def _dated(proposal: Proposal, figure: Figure, published, precision: str) -> Proposal:
    """The proposal with the as-of phrase its sentence gives ("as of February 2026").

    A date that is the proposal's own value is not its as-of. A phrase that lies after the
    source ("by 2027") is a projection: the figure keeps the source's date and says so in a note.
    """
    if published is None or precision not in {"day", "month", "quarter", "year"}:
        return proposal
    body = proposal.quote
    if figure.date is not None:  # mask the value itself, keeping every offset
        body = body[: figure.start] + " " * (figure.end - figure.start) + body[figure.end :]
    try:
        found = find_as_of(body, published=published, precision=precision)
    except ProjectedPeriod as exc:
        start, end = exc.span or (0, 0)
        return dataclasses.replace(
            proposal, note=f"A projection (\u201c{body[start:end]}\u201d): {exc.reason}."
        )
    if found is None:
        return proposal
    period, (start, end) = found
    return dataclasses.replace(
        proposal,
        as_of=(period.start, period.end, period.precision.value),
        as_of_text=body[start:end],
    )


def _relations(sentence: _Sentence, catalogue: Catalogue, last_named) -> list[Proposal]:
    """The sentence's text, entity and yes/no claims (``relations``) as proposals."""
    body = sentence.text
    names = [(m.start, m.end) for m in sentence.mentions] + [
        (s, e) for s, e, _ in sentence.candidates
    ]
    cues = [
        c
        for c in binding.find_cues(body, names, catalogue)
        if c.value.value_type in {"entity", "boolean", "text"}
    ]
    if not cues and len(sentence.mentions) < 2:
        return []
    found = []
    for relation in relations.relations(body, sentence.mentions, cues, catalogue, last_named):
        confidence = {"entity": 0.7, "boolean": 0.6, "text": 0.55}[relation.metric.value_type]
        mention = relation.mention_span
        found.append(
            Proposal(
                subject=relation.subject.slug,
                metric=relation.metric.slug,
                value_text=relation.value_text,
                quote=body,
                quote_start=sentence.start,
                as_of=None,
                as_of_text="",
                attributed_to=None,
                attribution="",
                confidence=round(confidence - (0.25 if relation.resolved_from else 0), 2),
                reason=Reason(
                    cue=relation.cue,
                    cue_span=relation.cue_span,
                    mention=relation.subject.name if mention is None else body[slice(*mention)],
                    mention_span=mention,
                    figure_span=relation.value_span,
                    resolved_from=relation.resolved_from,
                ),
            )
        )
    return found


def _sizes_in_names(sentence: _Sentence, catalogue: Catalogue, sized: set[str]) -> list[Proposal]:
    """A model named with its size ("Qwen3.5-27B") states its parameter count, once a text.

    The count goes to the metric measured in parameters that has "parameters" itself as a cue.
    """
    metric = next(
        (
            m
            for m in catalogue.metrics
            if m.unit == "parameters" and any(c.lower() == "parameters" for c in m.cues)
        ),
        None,
    )
    if metric is None:
        return []
    found = []
    for mention in sentence.mentions:
        entity = mention.value
        words = sentence.text[mention.start : mention.end]
        size = _SIZE_IN_NAME.search(words)
        if size is None or entity.kind != "model" or entity.slug in sized:
            continue
        sized.add(entity.slug)
        start = mention.start + size.start("size")
        found.append(
            Proposal(
                subject=entity.slug,
                metric=metric.slug,
                value_text=size.group("size"),
                quote=sentence.text,
                quote_start=sentence.start,
                as_of=None,
                as_of_text="",
                attributed_to=None,
                attribution="",
                confidence=0.6,
                reason=Reason(
                    cue="size in the model's name",
                    cue_span=None,
                    mention=words,
                    mention_span=(mention.start, mention.end),
                    figure_span=(start, mention.end),
                ),
            )
        )
    return found


def _value_text(figure: Figure, unit: str, body: str) -> str:
    """The figure as written, with its unit word when the metric is measured in it."""
    if figure.unit and unit and binding.singular(figure.unit) == binding.singular(unit.lower()):
        after = figure.end + 1
        if body[figure.end : after] == " " and body.startswith(figure.unit, after):
            return body[figure.start : after + len(figure.unit)]
    return figure.text


def _inside(figure: Figure, spans) -> bool:
    return any(figure.start < end and start < figure.end for start, end in spans)


def _attribution(body: str, catalogue: Catalogue) -> tuple[str, str | None]:
    for pattern in _ATTRIBUTIONS:
        match = pattern.search(body)
        if match is None:
            continue
        who = match.group("who").strip()
        publisher = next(iter(catalogue.publisher_names.find(who)), None)
        return match.group(0).strip(" —–-"), None if publisher is None else publisher.value.slug
    return "", None

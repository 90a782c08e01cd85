"""Tying a figure to a metric (by the nearest cue) and to a subject (by the nearest name).

General rules only, never about one article:
- a figure belongs to the metric of a fitting kind whose cue stands nearest to it; a unit word
  that only one metric is measured in counts as that metric's cue; a cue belongs to the figure
  nearest to it (figures listed together, "7B, 14B and 72B parameter models", share it);
- a date cue after "to", "will" or "plans to" speaks of the future, so only a metric whose cue
  says so ("plans to launch") takes it;
- the subject is the entity named nearest before the figure; one named after it, after a
  preposition ("on Hugging Face", "than GPT-5") or inside the cue itself ("Hugging Face
  downloads") is a weaker choice, a possessor ("Lin Junyang's March 4 resignation") a strong
  one; what a release verb names right after it is what was released;
- a person has dates but no counts or amounts; parameters and tokens belong to models;
- "it", "the model", "the company"… stand for the entity last named, of a fitting kind, when
  the sentence that named it named no other; they win over a name after a preposition.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from claims.extraction.catalogue import Catalogue, EntityRef, MetricRef
from claims.extraction.figures import Figure
from claims.extraction.names import Match, fold

WINDOW = 90  # characters between a figure and its metric's cue, at most
WEAK_WINDOW = 12  # the same for a bare number (no scale, sign, unit or qualifier): "No. 6"
AFTER_WINDOW = 60  # a name further than this after the figure is not its subject
SUBJECT_KINDS = frozenset(
    {"model", "model_family", "product", "organisation", "person", "hardware", "platform"}
)
# What people do with a service: counted for a product, a platform or a company, not a model.
USED_UNITS = frozenset({"users", "orders"})
RELEASED_KINDS = frozenset({"model", "model_family", "product", "hardware"})
ANAPHORA = {
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
    r"\b(" + "|".join(sorted(ANAPHORA, key=len, reverse=True)) + r")\b(?!-)", re.I
)
_OBJECT_WORDS = re.compile(
    r"\b(?:on|in|via|than|over|against|from|with|to|at|by|including|like|as|into|versus|vs\.?)"
    r"(?:\s+(?:the|a|an|its|their))?\s*$",
    re.I,
)
_MODIFIER = re.compile(r"[-‑][a-z]")
# A name listed after one that follows a preposition: "via DingTalk and Alibaba Cloud".
_OBJECT_LIST = re.compile(
    r"\b(?:on|in|via|than|over|against|from|with|to|at|by|including|like|versus)\s+"
    r"(?:the\s+)?(?:[A-Z][\w.‑-]*\s*){1,4}(?:,|,?\s*and|,?\s*or)\s+$"
)
_COMPANY_WORDS = frozenset({"the company", "the firm"})
# A verb of saying after a pronoun: "The company added that …" reports; the pronoun is the
# speaker (read as the attribution), not the subject of the figure in what it reports.
_SAYS = re.compile(
    r"\s+(?:said|says|added|adds|noted|notes|stated|states|announced|announces|told|tells|"
    r"wrote|writes|reported|reports|claimed|claims|estimated|estimates)\b",
    re.I,
)
_FUTURE = re.compile(r"\b(?:to|will|would|plans? to|expected to|set to|aims? to)\s+$", re.I)
_FUTURE_CUE = re.compile(r"\b(?:to|will|plans?|expected|scheduled|slated)\b", re.I)
_POSSESSIVE = re.compile(r"^['’]s?\b")
_FEW_WORDS = re.compile(r"^\s*(?:[\w.‑-]+\s+){0,2}$")
_CLAUSE_MARKS = re.compile(r"[()—;|]")
_SUPERLATIVE = re.compile(r"\b(?:largest|biggest|flagship)\b", re.I)
_OWNER_BEFORE = re.compile(r"['’]s\s+(?:[\w‑-]+\s+)?", re.I)
_OWNER_AFTER = re.compile(r"\s+(?:[\w‑-]+\s+){0,2}(?:in|of|from)\s+(?:the\s+)?", re.I)
_PARENTHESES = re.compile(r"\([^()]*\)")
_LIST_GAP = re.compile(r"^\s*(?:,|,?\s*and|,?\s*or|/)\s*$")


@dataclass(frozen=True)
class CueChoice:
    """The metric a figure is tied to, through which cue, at what distance."""

    metric: MetricRef
    cue: str
    span: tuple[int, int] | None  # None: the figure's own unit word
    distance: int
    runner_up: bool  # another metric's cue stood almost as near


@dataclass(frozen=True)
class SubjectChoice:
    """The entity a figure is about, the words that named it, and how sure that is."""

    entity: EntityRef
    mention: Match[EntityRef] | None
    resolved_from: str  # the pronoun or phrase that stood for it, if any
    close_second: bool


def fits(figure: Figure, metric: MetricRef) -> bool:
    """Whether the figure can be a value of the metric (a date, a percentage, money…)."""
    if figure.date is not None:
        return metric.value_type == "date"
    return metric.value_type == "quantity" and metric.dimension == figure.kind


def superlative(metric: MetricRef) -> bool:
    """Whether the metric measures the largest of many ("largest model", "flagship")."""
    return any(_SUPERLATIVE.search(cue) for cue in metric.cues)


def kind_fits(metric: MetricRef, kind: str) -> bool:
    """Whether an entity of ``kind`` can be the subject of the metric's figures.

    Parameters and tokens belong to a model or a family; a metric that measures the largest
    ("largest model") belongs to a family or a company.
    """
    if kind not in SUBJECT_KINDS:
        return False
    if metric.value_type == "date":
        return True
    if kind == "person":
        return False
    if metric.unit in USED_UNITS:
        return kind in {"product", "platform", "organisation"}
    if metric.unit in {"parameters", "tokens"}:
        if superlative(metric):
            return kind in {"model_family", "organisation"}
        return kind in {"model", "model_family", "product"}
    return True


def family_metric(metric: MetricRef, catalogue: Catalogue) -> MetricRef | None:
    """The metric a family's figure goes to instead of ``metric``, if the catalogue has one: a
    parameter count said of a family is the count of its largest model."""
    if metric.unit not in {"parameters", "tokens"} or superlative(metric):
        return None
    return next(
        (
            m
            for m in catalogue.metrics
            if superlative(m) and m.unit == metric.unit and m.dimension == metric.dimension
        ),
        None,
    )


def owns_superlative(
    body: str, mention: Match[EntityRef] | None, cue: tuple[int, int] | None
) -> bool:
    """Whether the name is what a superlative cue ranks within: "Alibaba's largest model",
    "the largest non-thinking model in the Qwen series" (not "Alibaba's X, the largest model
    of the family", where the family is not named)."""
    if mention is None or cue is None:
        return False
    if mention.end <= cue[0]:
        return _OWNER_BEFORE.fullmatch(body[mention.end : cue[0]]) is not None
    return _OWNER_AFTER.fullmatch(body[cue[1] : mention.start]) is not None


def in_other_parentheses(body: str, a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Whether span ``a`` stands inside parentheses that span ``b`` is outside of."""
    for match in _PARENTHESES.finditer(body):
        inside_a = match.start() <= a[0] and a[1] <= match.end()
        inside_b = match.start() <= b[0] and b[1] <= match.end()
        if inside_a and not inside_b:
            return True
    return False


def singular(word: str) -> str:
    """The word without a plural s."""
    return word[:-1] if word.endswith("s") else word


def gap(a: tuple[int, int], b: tuple[int, int]) -> int:
    """Characters between two spans (0 when they touch or overlap)."""
    return max(0, max(a[0], b[0]) - min(a[1], b[1]))


def distance(body: str, a: tuple[int, int], b: tuple[int, int]) -> int:
    """Characters between two spans, and 20 more for each clause mark between them."""
    between = body[min(a[1], b[1]) : max(a[0], b[0])]
    return gap(a, b) + 20 * len(_CLAUSE_MARKS.findall(between))


def choose_metrics(
    figure: Figure,
    figures: list[Figure],
    cues: list[Match[MetricRef]],
    catalogue: Catalogue,
    body: str,
    *,
    future: bool = False,
) -> list[CueChoice]:
    """The metric whose cue stands nearest to the figure, and those whose cues are listed with
    it ("HumanEval+ and MBPP+ … 92%"); none when no cue is near. A ``future`` date (after the
    source's) only goes to a metric whose cue speaks of a plan."""
    best: dict[str, tuple] = {}
    span = (figure.start, figure.end)
    for cue in cues:
        metric = cue.value
        if not fits(figure, metric):
            continue
        far = distance(body, span, (cue.start, cue.end))
        if far > WINDOW or not _owns(figure, figures, cue, body):
            continue
        words = body[cue.start : cue.end]
        planned = _FUTURE_CUE.search(words) is not None
        if (
            figure.date is not None
            and not planned
            and (future or _FUTURE.search(body[: cue.start]))
        ):
            continue  # "to launch", or a date after the source: a plan, not a release
        rank = (far, -(cue.end - cue.start), metric.slug)
        if metric.slug not in best or rank < best[metric.slug][0]:
            best[metric.slug] = (
                rank,
                CueChoice(metric, words, (cue.start, cue.end), far, False),
            )
    if figure.unit and figure.date is None:
        unit = singular(figure.unit.lower())
        measured = [
            m
            for m in catalogue.metrics
            if m.unit and singular(m.unit.lower()) == unit and fits(figure, m)
        ]
        if len(measured) == 1 and measured[0].slug not in best:
            best[measured[0].slug] = (
                (0, 0, ""),
                CueChoice(measured[0], figure.unit, None, 0, False),
            )
    if not best:
        return []
    ranked = [choice for _, choice in sorted(best.values(), key=lambda item: item[0])]
    first = ranked[0]
    listed = [
        other
        for other in ranked[1:]
        if first.span is not None
        and other.span is not None
        and (
            _LIST_GAP.match(
                body[min(first.span[1], other.span[1]) : max(first.span[0], other.span[0])]
            )
            # "the largest model in the Qwen series, with 1 trillion parameters": the model's
            # count and the family's largest, each for its own subject
            or (
                superlative(other.metric) and family_metric(first.metric, catalogue) is other.metric
            )
        )
    ]
    runner_up = (
        len(ranked) > len(listed) + 1 and ranked[len(listed) + 1].distance - first.distance < 15
    )
    return [
        CueChoice(c.metric, c.cue, c.span, c.distance, runner_up and c is first)
        for c in [first, *listed]
    ]


def _owns(figure: Figure, figures: list[Figure], cue: Match[MetricRef], body: str) -> bool:
    """A cue belongs to the nearest figure of a fitting kind, or to a list of figures."""
    mine = distance(body, (figure.start, figure.end), (cue.start, cue.end))
    for other in figures:
        if other is figure or not fits(other, cue.value):
            continue
        if distance(body, (other.start, other.end), (cue.start, cue.end)) < mine:
            lo, hi = sorted([figure, other], key=lambda f: f.start)
            listed = all(
                _LIST_GAP.match(body[a.end : b.start])
                for a, b in itertools.pairwise(figures)
                if lo.start <= a.start and b.end <= hi.end
            )
            if not listed:
                return False
    return True


def find_cues(body: str, names: list[tuple[int, int]], catalogue: Catalogue) -> list[Match]:
    """The metrics' cues in a sentence, also those a name stands inside ("annual T-Head
    revenue" says "annual revenue"): names are read as if they were not there."""
    found = list(catalogue.cues.find(body))
    if not names:
        return found
    masked = list(body)
    for start, end in names:
        masked[start:end] = "\u2011" * (end - start)  # a dash: dropped when matching
    seen = {(c.start, c.end, c.value.slug) for c in found}
    for cue in catalogue.cues.find("".join(masked)):
        inside = any(cue.start < start and end < cue.end for start, end in names)
        if inside and (cue.start, cue.end, cue.value.slug) not in seen:
            found.append(cue)
    return sorted(found, key=lambda c: (c.start, c.end))


def weak(figure: Figure, catalogue: Catalogue) -> bool:
    """A bare number: it may be a list number, a version or a heading's count."""
    q = figure.quantity
    if q is None or q.bound.value != "exact" or re.fullmatch(r"[\d.,]+", figure.text) is None:
        return False
    units = {singular(m.unit.lower()) for m in catalogue.metrics if m.unit}
    return figure.unit is None or singular(figure.unit.lower()) not in units


def choose_subject(
    figure: Figure,
    body: str,
    mentions: list[Match[EntityRef]],
    unknown: list[tuple[int, int, str]],
    last_named: list[EntityRef],
    choice: CueChoice,
    *,
    item: bool = False,
    topic: tuple[EntityRef, ...] | list[EntityRef] = (),
    catalogue: Catalogue | None = None,
    main: dict[str, int] | None = None,
) -> SubjectChoice | str:
    """The figure's subject, or why none is given (a str).

    A list item that names nothing ("• Ranked No. 6 in Text Arena") is about the ``topic``:
    what the text named before the list, when that was one entity of a fitting kind. A
    sentence that names nothing and refers to nothing ("Consolidated revenue was …") is about
    what the whole text is about: the entity of a fitting kind it names most, far more than
    any other (``main``: how often the text names each entity).
    """
    metric = choice.metric
    first = min([m.start for m in mentions] + [s for s, _, _ in unknown], default=None)
    scored = _scored_mentions(
        figure, body, _as_products(mentions, choice, catalogue), choice, first
    )
    unknown_scores = [
        (s, name)
        for s, name in ((_score(figure, a, b, body, first), n) for a, b, n in unknown)
        if s is not None
    ]
    scored.sort(key=lambda item: (item[0], item[1].start))
    nearest_unknown = min(unknown_scores, default=None)
    if scored and (nearest_unknown is None or scored[0][0] <= nearest_unknown[0]):
        best_score, best = scored[0]
        before = body[: figure.start]
        if _after_preposition(body, best.start) and not _only_says(before):
            # A pronoun before the figure may say more, unless it only reports what follows.
            resolved = _resolve(before, last_named, metric, catalogue)
            if isinstance(resolved, SubjectChoice):
                return resolved
        second = next((s for s, m in scored[1:] if m.value.slug != best.value.slug), None)
        close = second is not None and second < best_score * 1.3 + 5
        return SubjectChoice(best.value, best, "", close)
    if nearest_unknown is not None:
        return f"nearest name \u201c{nearest_unknown[1]}\u201d is not a known entity"
    resolved = _resolve(body[: figure.start], last_named, metric, catalogue)
    if isinstance(resolved, str) and item and _ANAPHORA_RE.search(body[: figure.start]) is None:
        fitting = [e for e in topic if kind_fits(metric, e.kind)]
        if len(fitting) == 1:
            return SubjectChoice(fitting[0], None, "the list's subject", False)
    if isinstance(resolved, str) and not scored and _ANAPHORA_RE.search(body) is None:
        subject = main_subject(metric, main or {}, catalogue)
        if subject is not None:
            return SubjectChoice(subject, None, "the text's main subject", False)
    return resolved


MAIN_AT_LEAST = 3  # times the text names its main subject, at least
MAIN_MARGIN = 2.0  # and how many times more often than any other entity of a fitting kind


def main_subject(
    metric: MetricRef, counts: dict[str, int], catalogue: Catalogue | None
) -> EntityRef | None:
    """The entity the text names most, by a clear margin, if it fits the metric.

    An amount of money or a change in percent that names no one is the main company's.
    """
    if catalogue is None:
        return None
    kinds = {"organisation"} if metric.dimension in {"money", "percent"} else SUBJECT_KINDS
    ranked = sorted(
        (n, slug)
        for slug, n in counts.items()
        if slug in catalogue.by_slug and catalogue.by_slug[slug].kind in kinds
    )[::-1]
    if not ranked or ranked[0][0] < MAIN_AT_LEAST:
        return None
    if len(ranked) > 1 and ranked[0][0] < MAIN_MARGIN * ranked[1][0]:
        return None
    if not kind_fits(metric, catalogue.by_slug[ranked[0][1]].kind):
        return None  # the text is about something else
    return catalogue.by_slug[ranked[0][1]]


def _as_products(
    mentions: list[Match[EntityRef]], choice: CueChoice, catalogue: Catalogue | None
) -> list[Match[EntityRef]]:
    """A family named for what only its app has ("Qwen processed 200 million orders") stands
    for the product named after it ("Qwen app"), when the catalogue holds one."""
    if choice.metric.unit not in USED_UNITS or catalogue is None:
        return mentions
    found = []
    for mention in mentions:
        app = None
        if mention.value.kind == "model_family":
            app = catalogue.by_name.get(fold(mention.value.name + "app"))
        if app is not None and app.kind == "product":
            found.append(Match(mention.start, mention.end, app))
        else:
            found.append(mention)
    return found


def _scored_mentions(
    figure: Figure,
    body: str,
    mentions: list[Match[EntityRef]],
    choice: CueChoice,
    first: int | None,
) -> list[tuple[float, Match[EntityRef]]]:
    """The mentions that may be the figure's subject, each with its score (lower is nearer)."""
    metric, cue_span = choice.metric, choice.span
    scored = []
    for mention in mentions:
        if not kind_fits(metric, mention.value.kind):
            continue
        if (
            cue_span is not None
            and cue_span[0] <= mention.start
            and mention.end <= cue_span[1]
            and any(fold(body[mention.start : mention.end]) in fold(c) for c in metric.cues)
        ):
            continue  # the name is part of the cue ("Hugging Face downloads")
        if _MODIFIER.match(body, mention.end):
            continue  # "DeepMind-pedigreed", "Qwen-powered": a name made an adjective
        if in_other_parentheses(body, (mention.start, mention.end), (figure.start, figure.end)):
            continue  # "revenue was X (Quick Commerce revenue up 56%)": an aside's own subject
        score = _score(figure, mention.start, mention.end, body, first)
        if score is None:
            continue
        if (
            figure.date is not None
            and cue_span is not None
            and mention.value.kind in RELEASED_KINDS
            and mention.start >= cue_span[1]
            and _FEW_WORDS.match(body[cue_span[1] : mention.start])
        ):
            score = min(score, 5.0)  # "Alibaba released Qwen3.5 on …": what was released
        scored.append((score, mention))
    return scored


def sized_model(
    figure: Figure,
    choice: CueChoice,
    mentions: list[Match[EntityRef]],
    last_named,
    catalogue: Catalogue,
) -> SubjectChoice | None:
    """The model a size names within its family: "the 7B … parameter models" of Qwen is Qwen 7B."""
    if choice.metric.unit != "parameters" or not re.fullmatch(r"\d+(?:\.\d+)?[BM]", figure.text):
        return None
    families = [m.value for m in mentions if m.value.kind == "model_family"]
    families += [e for e in last_named if e.kind == "model_family"]
    for family in families:
        for name in (family.name, *family.names):
            model = catalogue.by_name.get(fold(name + figure.text))
            if model is not None and model.kind == "model":
                return SubjectChoice(model, None, f"{figure.text} of {family.name}", False)
    return None


def sentence_named(
    body: str, mentions: list[Match[EntityRef]], last_named: list[EntityRef]
) -> list[EntityRef]:
    """What a sentence speaks of, for the sentences after it to refer back to.

    A sentence that opens with "It" or "The model" speaks of what that stands for; otherwise
    of every entity it names, and of what a phrase like "the company's" stands for in it.
    """
    opening = _ANAPHORA_RE.match(body)
    if opening is not None:
        resolved = _stands_for(opening.group(1), last_named)
        if resolved is not None:
            return [resolved]
    named = {m.value.slug: m.value for m in mentions if m.value.kind in SUBJECT_KINDS}
    for words in _ANAPHORA_RE.finditer(body):
        if words.group(1).lower() in {"it", "its"}:
            continue  # mid-sentence, a pronoun may stand for the sentence's own subject
        resolved = _stands_for(words.group(1), last_named)
        if resolved is not None:
            named.setdefault(resolved.slug, resolved)
    return list(named.values())


def _stands_for(words: str, last_named: list[EntityRef]) -> EntityRef | None:
    kinds = ANAPHORA[words.lower()]
    fitting = [e for e in last_named if e.kind in kinds]
    return fitting[0] if len(fitting) == 1 else None


def _resolve(
    text: str, last_named: list[EntityRef], metric: MetricRef, catalogue: Catalogue | None = None
) -> SubjectChoice | str:
    words = _ANAPHORA_RE.search(text)
    if words is None:
        return "no entity named in the sentence"
    kinds = ANAPHORA[words.group(1).lower()]
    fitting = [e for e in last_named if e.kind in kinds and kind_fits(metric, e.kind)]
    if len(fitting) != 1:
        return f"\u201c{words.group(1)}\u201d could stand for {len(fitting)} entities"
    entity = fitting[0]
    if words.group(1).lower() in _COMPANY_WORDS and catalogue is not None:
        entity = top_company(entity, catalogue)
    return SubjectChoice(entity, None, words.group(1), False)


def top_company(entity: EntityRef, catalogue: Catalogue) -> EntityRef:
    """The company a unit belongs to: "the company", said after "Alibaba Cloud", is Alibaba."""
    seen = {entity.slug}
    while entity.parent and entity.parent not in seen:
        parent = catalogue.by_slug.get(entity.parent)
        if parent is None or parent.kind != "organisation":
            break
        seen.add(parent.slug)
        entity = parent
    return entity


def _score(figure: Figure, start: int, end: int, body: str, first: int | None) -> float | None:
    if end <= figure.start:
        before = figure.start - end
        score = before * 0.6 if start == first else float(before)
        if _POSSESSIVE.match(body[end:]) and before <= 30:
            return min(score, 3.0)  # "Lin Junyang's March 4 resignation"
    else:
        if start - figure.end > AFTER_WINDOW or _CLAUSE_MARKS.search(body[figure.end : start]):
            return None  # too far after the figure, or in another clause
        score = 10 + 1.5 * max(0, start - figure.end)
    if _after_preposition(body, start):
        score = score * 2 + 20
    return score


def _only_says(text: str) -> bool:
    """Whether the pronoun in ``text`` (before a figure) is followed by a verb of saying."""
    words = _ANAPHORA_RE.search(text)
    return words is not None and _SAYS.match(text, words.end()) is not None


def _after_preposition(body: str, start: int) -> bool:
    before = body[max(0, start - 60) : start]
    return _OBJECT_WORDS.search(before[-20:]) is not None or _OBJECT_LIST.search(before) is not None

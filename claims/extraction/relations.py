"""Text, entity and yes/no claims, where a metric's cues allow them.

Only sentence shapes that leave no doubt are read; anything else is left out:
- an entity-valued metric ("developed by", "available on", "led by") takes the entity named
  right after its cue as the value ("available on Hugging Face and ModelScope": both) and the
  entity named nearest before the cue as the subject; a cue that is a bare preposition ("from")
  is too loose to use;
- an organisation's possessive before a model or product ("Meta's Llama") names its developer,
  for the metric whose cues say "developed by";
- a yes/no metric ("open-source", "open-weight") is true of the model or product its cue
  stands right before ("the open-weight Qwen3.5") or names as its object ("open-sourced a new
  model, Qwen 3.5 Plus"), or right after ("Qwen is open-source"); a negation near the cue
  ("not open-source", "no longer open-weight") is never read as yes;
- a text metric's cue that is itself a value ("mixture-of-experts", "MoE", not the metric's own
  word "architecture") is the value, with an abbreviation in parentheses after it.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from claims.extraction.binding import ANAPHORA, SUBJECT_KINDS
from claims.extraction.catalogue import Catalogue, EntityRef, MetricRef
from claims.extraction.names import Match, fold

# Words between a cue and its object: "available on platforms like", "open-sourced a new model,".
# Words between a cue and its object, at most a few and none that starts a clause of its own.
_STOP = r"(?!(?:that|which|who|made|makes|is|are|was|were|has|have|and|but)\b)"
_OBJECT_GAP = re.compile(rf"^\s*(?:{_STOP}[\w‑-]+,?\s+){{0,4}}$", re.I)
_ENTITY_GAP = re.compile(rf"^\s*(?:(?:the|a|an|its|their)\s+)?(?:{_STOP}[\w‑-]+\s+){{0,2}}$", re.I)
_LIST_GAP = re.compile(r"^\s*(?:,|,?\s*and|,?\s*or|/)\s*(?:the\s+)?$")
_COPULA_GAP = re.compile(r"^\s*(?:is|are|was|were|remains|remain|stays|,)?\s*(?:an?|fully)?\s*$")
_NEGATION = re.compile(r"\b(?:not|no longer|never|non|closed|isn['’]t|aren['’]t)\b[\s-]*$", re.I)
# A cue that is itself a value is a term: an abbreviation ("MoE") or a compound of three or
# more words joined by hyphens ("mixture-of-experts").
_TERM = re.compile(r"[A-Z].*[A-Z]|\w+[‑-]\w+[‑-]\w+")
_CLAUSE = re.compile(r"[.;:()—|]")
_PREPOSITIONS = frozenset({"from", "by", "on", "in", "via", "against", "with", "of", "to"})
_POSSESSIVE = re.compile(r"^['’]s\s+$")
_ABBREVIATION = re.compile(r"\s*\([A-Z][A-Za-z0-9-]{1,9}\)")
_OWNED_KINDS = frozenset({"model", "model_family", "product", "hardware", "platform"})
_RELEASED_KINDS = frozenset({"model", "model_family", "product", "hardware"})


@dataclass(frozen=True)
class Relation:
    """A text, entity or yes/no claim a sentence makes, with the spans that show why."""

    subject: EntityRef
    metric: MetricRef
    value_text: str
    cue: str
    cue_span: tuple[int, int] | None
    mention_span: tuple[int, int] | None
    value_span: tuple[int, int]  # the words the value is read from
    resolved_from: str = ""


def relations(
    body: str,
    mentions: list[Match[EntityRef]],
    cues: list[Match[MetricRef]],
    catalogue: Catalogue,
    last_named: list[EntityRef],
) -> list[Relation]:
    """The text, entity and yes/no claims one sentence makes."""
    mentions = [m for m in mentions if m.value.kind in SUBJECT_KINDS]
    if body.rstrip().endswith("?"):
        return []  # a question states nothing
    found: list[Relation] = []
    for cue in cues:
        metric = cue.value
        words = body[cue.start : cue.end]
        if metric.value_type == "entity":
            found += _entity_claims(body, mentions, cue, words, last_named)
        elif metric.value_type == "boolean":
            relation = _yes_claim(body, mentions, cue, words)
            if relation is not None:
                found.append(relation)
        elif metric.value_type == "text":
            relation = _text_claim(body, mentions, cue, words, last_named)
            inside = any(
                r.metric == metric and r.value_span[0] <= cue.start and cue.end <= r.value_span[1]
                for r in found
            )
            if relation is not None and not inside:  # "(MoE)" after "Mixture-of-Experts"
                found.append(relation)
    developer = _developer_metric(catalogue)
    if developer is not None:
        found += _possessive_developers(body, mentions, developer)
    return found


def _entity_claims(body, mentions, cue, words, last_named) -> list[Relation]:
    last = re.split(r"[\s‑-]+", words.strip())[-1].lower()
    if fold(words) in _PREPOSITIONS or last not in _PREPOSITIONS:
        return []  # only a cue that ends in a preposition ("developed by") introduces its value
    values = _objects(body, mentions, cue.end)
    if not values:
        return []
    subject, mention, resolved = _subject_before(body, mentions, cue.start, last_named)
    if subject is None:
        return []
    return [
        Relation(
            subject,
            cue.value,
            body[value.start : value.end],
            words,
            (cue.start, cue.end),
            mention,
            (value.start, value.end),
            resolved,
        )
        for value in values
        if value.value.slug != subject.slug
    ]


def _objects(body: str, mentions, end: int) -> list[Match[EntityRef]]:
    """The entity named right after ``end``, and those listed with it."""
    after = sorted((m for m in mentions if m.start >= end), key=lambda m: m.start)
    if not after or not _ENTITY_GAP.match(body[end : after[0].start]):
        return []
    if _CLAUSE.search(body[end : after[0].start]):
        return []
    found = [after[0]]
    for mention in after[1:]:
        gap = body[found[-1].end : mention.start]
        if not _LIST_GAP.match(re.sub(r"^['’]s\b.*$", "", gap)) and not _LIST_GAP.match(gap):
            break
        found.append(mention)
    return found


def _subject_before(body, mentions, start, last_named):
    before = [m for m in mentions if m.end <= start and not _CLAUSE.search(body[m.end : start])]
    if before:
        nearest = max(before, key=lambda m: m.end)
        return nearest.value, (nearest.start, nearest.end), ""
    opening = re.match(r"\s*(" + "|".join(map(re.escape, ANAPHORA)) + r")\b", body, re.I)
    if opening is not None:
        kinds = ANAPHORA[opening.group(1).lower()]
        fitting = [e for e in last_named if e.kind in kinds]
        if len(fitting) == 1:
            return fitting[0], None, opening.group(1)
    return None, None, ""


def _yes_claim(body, mentions, cue, words) -> Relation | None:
    if _NEGATION.search(body[max(0, cue.start - 20) : cue.start]):
        return None  # "not open-source": never read as yes
    released = [m for m in mentions if m.value.kind in _RELEASED_KINDS]
    after = sorted((m for m in released if m.start >= cue.end), key=lambda m: m.start)
    chosen = None
    gap = body[cue.end : after[0].start] if after else ""
    if after and _OBJECT_GAP.match(gap) and not _CLAUSE.search(gap):
        chosen = after[0]  # "the open-weight Qwen3.5", "open-sourced a new model, Qwen3.5"
    if chosen is None:
        before = [m for m in released if m.end <= cue.start]
        if before:
            nearest = max(before, key=lambda m: m.end)
            if _COPULA_GAP.match(body[nearest.end : cue.start]):
                chosen = nearest  # "Qwen is open-source"
    if chosen is None:
        return None
    return Relation(
        chosen.value,
        cue.value,
        "yes",
        words,
        (cue.start, cue.end),
        (chosen.start, chosen.end),
        (cue.start, cue.end),
    )


def _text_claim(body, mentions, cue, words, last_named) -> Relation | None:
    metric = cue.value
    if not _TERM.search(words):
        return None  # a plain word ("architecture", "supports") says nothing of the value
    end = cue.end
    abbreviation = _ABBREVIATION.match(body, end)
    if abbreviation is not None:
        end = abbreviation.end()
    fitting = [m for m in mentions if m.value.kind in {"model", "model_family"}]
    subject, mention, resolved = _subject_before(body, fitting, cue.start, last_named)
    if subject is None:
        its = re.search(r"\b(its|it)\b", body[: cue.start], re.I)
        candidates = [e for e in last_named if e.kind in {"model", "model_family"}]
        if its is None or len(candidates) != 1:
            return None
        subject, mention, resolved = candidates[0], None, its.group(1)
    return Relation(
        subject,
        metric,
        body[cue.start : end],
        words,
        (cue.start, cue.end),
        mention,
        (cue.start, end),
        resolved,
    )


def _developer_metric(catalogue: Catalogue) -> MetricRef | None:
    return next(
        (
            m
            for m in catalogue.metrics
            if m.value_type == "entity" and any(fold(c) == fold("developed by") for c in m.cues)
        ),
        None,
    )


def _possessive_developers(body, mentions, developer: MetricRef) -> list[Relation]:
    """ "Meta's Llama": the organisation made what it owns."""
    found = []
    ordered = sorted(mentions, key=lambda m: m.start)
    for owner, owned in itertools.pairwise(ordered):
        if owner.value.kind != "organisation" or owned.value.kind not in _OWNED_KINDS:
            continue
        if not _POSSESSIVE.match(body[owner.end : owned.start]):
            continue
        found.append(
            Relation(
                owned.value,
                developer,
                body[owner.start : owner.end],
                "\u2019s",
                None,
                (owned.start, owned.end),
                (owner.start, owner.end),
            )
        )
    return found

"""Sentences of a text with their spans, split by syntok (a rule-based segmenter)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from syntok import segmenter

# A line is never part of two sentences: headings, list items and bylines end at the line.
_LINE = re.compile(r"[^\n]+")
# What goes before a sentence's first word: spacing, bullets, list numbers ("2. ").
_LEADING = re.compile(r"[\s\W_]*?(?:\d{1,2}[.)]\s+)?(?=[\w$¥€£\"“(~≈]|$)")
_ITEM_MARK = re.compile(r"[•·▪◦*\-–]|\d{1,2}[.)]")


@dataclass(frozen=True)
class Span:
    """A sentence's place in the text, and whether it opens a list item ("• Ranked No. 6")."""

    start: int
    end: int
    item: bool


def sentences(text: str) -> Iterator[Span]:
    """Each sentence, trimmed of spacing and of the list mark before it."""
    for line in _LINE.finditer(text):
        offset = line.start()
        first = True
        for paragraph in segmenter.analyze(line.group(0)):
            for sentence in paragraph:
                head, last = sentence[0], sentence[-1]
                start = offset + head.offset
                end = offset + last.offset + len(last.value)
                lead = _LEADING.match(text, start, end)
                lead_end = start if lead is None else lead.end()  # it always matches, maybe ""
                item = first and _ITEM_MARK.search(text[line.start() : lead_end]) is not None
                start = lead_end
                first = False
                if end > start:
                    yield Span(start, end, item)

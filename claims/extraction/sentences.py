"""Sentences of a text with their spans, split by syntok (a rule-based segmenter)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from syntok import segmenter

# A line is never part of two sentences: headings, list items and bylines end at the line.
_LINE = re.compile(r"[^\n]+")
_LEADING = re.compile(r"^[\s\W_]*?(?:\d{1,2}\.\s+)?(?=[\w$¥€£\"“(~≈]|$)")


def sentences(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each sentence, trimmed of spacing and of list marks before it."""
    for line in _LINE.finditer(text):
        offset = line.start()
        for paragraph in segmenter.analyze(line.group(0)):
            for sentence in paragraph:
                first, last = sentence[0], sentence[-1]
                start = offset + first.offset
                end = offset + last.offset + len(last.value)
                lead = _LEADING.match(text, start, end)
                if lead is not None:
                    start = lead.end()
                if end > start:
                    yield start, end

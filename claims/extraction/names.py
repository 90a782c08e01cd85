"""Finding names and phrases in text, ignoring case, spaces, hyphens and typographic variants.

Names are matched on a folded copy of the text (lower case, no spaces or dashes, typographic
quotes and dots made plain) with one Aho-Corasick automaton, so a catalogue of ten thousand
names costs one pass over the text. Each folded character remembers where it came from, so a
match maps back to a span of the original text, and it counts only where the original has a
word boundary on both sides ("Qwen" is not found inside "Qwen3.5").
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

import ahocorasick

# Characters dropped when folding: spaces of every width (Unicode's Zs and the controls) and
# every hyphen or dash.
_SPACES = " \t\n\r\f\v\u00a0\u1680\u202f\u205f\u3000" + "".join(map(chr, range(0x2000, 0x200B)))
_DROPPED = frozenset(_SPACES + "-_\u2010\u2011\u2012\u2013\u2014\u2015\u2212")
_PLAIN = {"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\uff0e": "."}
_FOLD = str.maketrans(
    {**dict.fromkeys(map(ord, _DROPPED)), **{ord(k): v for k, v in _PLAIN.items()}}
)
_PLAIN_TABLE = str.maketrans(_PLAIN)


def fold(text: str) -> str:
    """A name's folded key: what look-ups compare."""
    return text.translate(_FOLD).casefold()


def _fold_chars(text: str) -> tuple[list[str], list[int]]:
    chars, origins = [], []
    for index, char in enumerate(text):
        if char in _DROPPED:
            continue
        for folded in char.translate(_PLAIN_TABLE).casefold():
            chars.append(folded)
            origins.append(index)
    return chars, origins


T = TypeVar("T")


@dataclass(frozen=True)
class Match(Generic[T]):
    """A phrase found in a text: its span there and the value it was registered with."""

    start: int
    end: int
    value: T


class PhraseMatcher(Generic[T]):
    """Many phrases at once; each phrase carries a value (an entity, a metric, a publisher)."""

    def __init__(
        self,
        phrases: Iterable[tuple[str, T]],
        *,
        plurals: bool = False,
        overlapping: bool = False,
    ) -> None:
        self._automaton = ahocorasick.Automaton()
        table: dict[str, list[T]] = {}
        for phrase, value in phrases:
            key = fold(phrase)
            if key:
                table.setdefault(key, []).append(value)
        self.table = {key: tuple(values) for key, values in table.items()}
        for key, values in self.table.items():
            self._automaton.add_word(key, (len(key), values))
        self._plurals = plurals
        self._overlapping = overlapping
        self._empty = not table
        if not self._empty:
            self._automaton.make_automaton()

    def find(self, text: str) -> Iterator[Match[T]]:
        """Matches at word boundaries, left to right: the longest of overlapping ones, or all of
        them for a matcher made ``overlapping`` ("revenue up" and "revenue" both)."""
        if self._empty:
            return
        chars, origins = _fold_chars(text)
        folded = "".join(chars)
        found: list[tuple[int, int, tuple[T, ...]]] = []
        for end_index, (length, values) in self._automaton.iter(folded):
            start = origins[end_index - length + 1]
            end = origins[end_index] + 1
            if self._plurals:
                end += _plural_ending(text, end)
            if _boundary(text, start, end):
                found.append((start, -end, values))
        found.sort(key=lambda item: (item[0], item[1]))
        last_end = -1
        for start, negative_end, values in found:
            if start < last_end and not self._overlapping:
                continue
            last_end = -negative_end
            for value in values:
                yield Match(start, last_end, value)


def _plural_ending(text: str, end: int) -> int:
    """How many characters of a plural ending ("s", "es") follow a phrase."""
    if text.startswith("es", end) and not text[end + 2 : end + 3].isalnum():
        return 2
    return 1 if text.startswith("s", end) else 0


def _boundary(text: str, start: int, end: int) -> bool:
    if start > 0 and text[start - 1].isalnum():
        return False
    if end < len(text):
        after = text[end]
        if after.isalnum():
            return False
        # "Qwen3" is not found in "Qwen3.5": a dot or comma between digits continues a name.
        if after in ".," and end + 1 < len(text) and text[end + 1].isdigit():
            return False
    return True

"""Finding the figures and dates a sentence states, read by the value reader.

Candidate spans are found with patterns for how figures are written (a qualifier, a currency,
digits or number words, a scale, a sign or unit); each candidate is then read by
``claims.values``, which decides what it means. A candidate the reader refuses is dropped, so
the extractor never holds a figure the rest of QwenKB could not read.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from claims.values import DateValue, Quantity, UnreadableValue, read_date, read_quantity

_QUALIFIER = (
    r"(?:just |well )?(?:over|exceeding|more than|nearly|about|around|approximately|roughly|"
    r"almost|close to|an estimated|up to|at least|at most|as many as|as much as|as little as|"
    r"under|less than|fewer than|below|above|upwards of|in excess of|no more than|north of|"
    r"exceeds?|exceeded|surpass(?:es|ed|ing)?|cross(?:es|ed|ing)?|tops|topped|passed|~|≈|"
    # a change ("fell 57%", "up 56%"): the reader reads it only before a percentage
    r"(?:fell|dropped|declined|decreased|slid|slumped|plunged|shrank|down|rose|grew|"
    r"increased|climbed|jumped|soared|up)(?: by)?)"
)
_CURRENCY = r"(?:US\$|HK\$|RMB|USD|CNY|EUR|HKD|GBP|JPY|[$¥€£])"
_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SMALL = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
    r"eighty|ninety|a|half a"
)
_SCALE_WORD = r"(?:hundred|thousand|million|billion|trillion)"
_NUMBER = (
    rf"(?:(?:{_DIGITS})(?:[ -]?{_SCALE_WORD}|(?:bn|mn|tn|[KMBT])\b)?"
    rf"|(?:{_SMALL})[ -]{_SCALE_WORD})"
)
_SUFFIX = r"(?:\+|%| ?percent\b|×|x\b| times\b|-fold\b)?"
_EQUIVALENT = rf"(?: ?\({_CURRENCY} ?(?:{_DIGITS})(?:[ -]?{_SCALE_WORD}|(?:bn|mn|tn|[KMBT])\b)?\))?"
_AMOUNT = rf"(?:{_CURRENCY} ?)?{_NUMBER}"
_QUANTITY = re.compile(
    rf"(?<![\w.])(?:(?P<qual>{_QUALIFIER}) )?(?P<fig>{_AMOUNT}(?: ?[–—-] ?{_AMOUNT})?{_SUFFIX}{_EQUIVALENT})"
    rf"(?-i:[ -](?P<unit>[a-z]+))?",
    re.IGNORECASE,
)
_VAGUE = re.compile(
    r"\b(?P<fig>(?:(?:tens|hundreds) of )?(?:hundreds|thousands|millions|billions)"
    r"(?: of thousands| of millions)?)(?-i: of (?P<unit>[a-z]+))?\b",
    re.IGNORECASE,
)
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_YEAR = r"(?:19|20)\d{2}"
_DATE = re.compile(
    "|".join(
        (
            rf"\b{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?(?: ?[–-] ?\d{{1,2}})?(?:,? {_YEAR})?(?!\d)",
            rf"\b\d{{1,2}}(?:st|nd|rd|th)? {_MONTH}(?:,? {_YEAR})?",
            rf"\b(?:(?:early|mid|late|end of|start of|beginning of)[ -])?{_MONTH}(?:,? {_YEAR})?\b",
            rf"\bQ[1-4](?:,? {_YEAR})?\b",
            rf"\bH[12] {_YEAR}\b",
            rf"\b(?:(?:early|mid|late|end of|start of|beginning of)[ -])?{_YEAR}\b(?![.,]\d)",
        )
    )
)
# Words after a figure that are not its unit.
_NOT_UNIT = frozenset(
    [
        "and",
        "or",
        "to",
        "of",
        "in",
        "on",
        "at",
        "by",
        "for",
        "from",
        "with",
        "as",
        "than",
        "the",
        "a",
        "an",
        "its",
        "their",
        "per",
        "over",
    ]
)
_YEAR_ONLY = re.compile(rf"{_YEAR}")
_HAS_YEAR = re.compile(rf"\b{_YEAR}\b")


@dataclass(frozen=True)
class Figure:
    """A figure found in a sentence: the span of its value as written, and how it reads."""

    start: int
    end: int
    text: str
    quantity: Quantity | None = None
    date: DateValue | None = None
    unit: str | None = None  # the word after the figure, which may be its unit

    @property
    def kind(self) -> str:
        """'date', 'money', 'percent', 'multiplier' or 'number'."""
        quantity = self.quantity
        if self.date is not None or quantity is None:
            return "date"
        unit = quantity.unit or ""
        if quantity.equivalent is not None or unit in {
            "USD",
            "CNY",
            "EUR",
            "HKD",
            "GBP",
            "JPY",
        }:
            return "money"
        return {"%": "percent", "×": "multiplier"}.get(unit, "number")


def find_dates(sentence: str, *, published: datetime.date | None) -> list[Figure]:
    """Every date the sentence writes that the reader reads.

    A date written without its year takes the source's year; one that would then fall after
    the source ("its November launch" in a March article) is left out, since its value as
    written would read wrong. A bare quarter ("Q3") is left out: fiscal quarters differ from
    calendar ones.
    """
    found = []
    for match in _DATE.finditer(sentence):
        text = match.group(0).rstrip(".")
        lowered = text.lower()
        if lowered in {"may", "mar", "jan", "dec", "june", "july"} or re.fullmatch(
            r"q[1-4]", lowered
        ):
            continue  # "may" and short month words are ordinary words without a day or a year
        try:
            value = read_date(text, context=published)
        except UnreadableValue:
            continue
        if published is not None and value.start > published and not _HAS_YEAR.search(text):
            continue
        found.append(Figure(match.start(), match.start() + len(text), text, date=value))
    return found


def find_quantities(sentence: str, *, taken: list[tuple[int, int]]) -> list[Figure]:
    """Every quantity the sentence writes, outside the spans already ``taken`` (names, dates)."""
    found = []
    for pattern in (_QUANTITY, _VAGUE):
        for match in pattern.finditer(sentence):
            start, end = match.start(), match.end()
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            figure = _read(sentence, match)
            if figure is not None:
                found.append(figure)
                taken = [*taken, (figure.start, figure.end)]
    return sorted(found, key=lambda f: f.start)


def _read(sentence: str, match: re.Match) -> Figure | None:
    unit = (match.group("unit") or "").lower() or None
    if unit in _NOT_UNIT:
        unit = None
    starts = (
        [match.start(), match.start("fig")]
        if match.groupdict().get("qual")
        else [match.start("fig")]
    )
    end = match.end("fig")
    if _YEAR_ONLY.fullmatch(sentence[starts[-1] : end]):
        return None  # a bare year is a date, not a count
    for start in starts:
        text = sentence[start:end]
        try:
            quantity = read_quantity(text)
            break
        except UnreadableValue:
            continue
    else:
        return None  # a qualifier the reader does not know is left out, the figure kept
    if unit and quantity.unit is None:
        try:
            with_unit = read_quantity(f"{text} {unit}")
        except UnreadableValue:
            with_unit = None
        unit = with_unit.unit if with_unit is not None else unit
    return Figure(start, end, text, quantity=quantity, unit=unit or quantity.unit)

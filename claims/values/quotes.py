"""Does a quote hold the figure of the value it carries? (DESIGN.md, "Quotes hold their figures").

Pure Python: the same rule for every write (services, admin, API, fixtures, bulk import).
A figure is a run of digits with its separators ("1.8", "180,000", "2026"); each figure of
the value as written must appear in the quote as a whole number, not inside a longer one
("1" is not in "1.8" nor in "18"), or as its word ("18" in "one-eighteenth"). Case, spacing
and the typographic variants of dashes, quotes and spaces are ignored.

A date's year may be left to context, as sources write dates ("since its November launch"
in a 2026 report): a year figure need not appear when the quote names no year at all.
"""

import re
import unicodedata

_FIGURE = re.compile(r"\d+(?:[.,]\d+)*")
_DASHES = dict.fromkeys(
    map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), "-"
)
_QUOTES = dict.fromkeys(map(ord, "\u2018\u2019\u201a\u201b\u2032\uff07"), "'") | dict.fromkeys(
    map(ord, "\u201c\u201d\u201e\u201f\u2033\uff02"), '"'
)


_UNITS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
]
_ORDINALS = [
    "zeroth",
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
]
_TENS = {30: "thirty", 40: "forty", 50: "fifty", 60: "sixty", 70: "seventy", 80: "eighty"}
_TENS |= {90: "ninety"}
# A small figure a quote may write in words, as a cardinal or an ordinal ("one-eighteenth").
NUMBER_WORDS = {str(n): {_UNITS[n], _ORDINALS[n]} for n in range(21)}
NUMBER_WORDS |= {str(n): {word, word[:-1] + "ieth"} for n, word in _TENS.items()}
_YEAR = re.compile(r"(?<!\d)(1[89]|2\d)\d\d(?!\d)")


def fold(text: str) -> str:
    """Text as compared: compatibility forms folded, casefolded, one dash and quote of each
    kind, and every run of spacing one plain space.

    ASCII text, what most quotes and values are, only needs lowering: NFKC leaves every ASCII
    character as it is, casefolding one is lowering it, and the dashes and quotes replaced
    are all beyond ASCII (a test checks the two ways agree). Seven times faster, on every
    claim written and every row imported."""
    if text.isascii():
        return " ".join(text.lower().split())
    text = unicodedata.normalize("NFKC", text).casefold().translate(_DASHES).translate(_QUOTES)
    return " ".join(text.split())


def figures(value_text: str) -> list[str]:
    """The figures of a value as written, folded, in order."""
    return _FIGURE.findall(fold(value_text))


# Each figure's number words as whole words, compiled once.
_NUMBER_WORD_PATTERNS = {
    figure: [re.compile(rf"\b{word}\b") for word in words] for figure, words in NUMBER_WORDS.items()
}


def figures_missing(value_text: str, quote: str, *, is_date: bool = False) -> list[str]:
    """The figures of ``value_text`` that ``quote`` does not hold, in order (none: it holds all).

    A quote holds a figure where it stands whole, not inside a longer number: "1.8" is not
    in "21.85" nor in "1.8.2". The quote's numbers are the longest runs ``_FIGURE`` matches,
    so a figure is held when it is one of them (one pass over the quote, where a pattern per
    figure was compiled for every claim; a test checks the two readings agree)."""
    held = fold(quote)
    numbers = set(_FIGURE.findall(held))
    names_a_year = _YEAR.search(held) is not None
    missing = []
    for figure in figures(value_text):
        if figure in numbers or figure in missing:
            continue
        words = _NUMBER_WORD_PATTERNS.get(figure, ())
        if any(pattern.search(held) for pattern in words):
            continue
        if is_date and not names_a_year and _YEAR.fullmatch(figure):
            continue
        missing.append(figure)
    return missing


def quote_problem(value_text: str, quote: str, value_type: str) -> str | None:
    """Why a quantity or date claim's quote does not hold its value's figures, or None."""
    if value_type not in ("quantity", "date"):
        return None
    missing = figures_missing(value_text, quote, is_date=value_type == "date")
    if not missing:
        return None
    listed = ", ".join(f"\u201c{figure}\u201d" for figure in missing)
    return (
        f"The quote does not contain the figure {listed} of the value \u201c{value_text}\u201d; "
        "quote the words of the source that state it."
    )

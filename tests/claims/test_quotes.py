"""Tests of the quote rule (claims/values/quotes.py): a quote holds its value's figures."""

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from claims.values.quotes import _DASHES, _QUOTES, figures, figures_missing, fold, quote_problem


def test_figures_as_written_must_be_in_the_quote():
    assert figures_missing("49 billion", "it has 48 billion parameters") == ["49"]
    assert figures_missing("about 400 billion", "Qwen3.5") == ["400"]
    assert figures_missing("over 1 trillion", "boasting over 1 trillion parameters") == []
    assert figures_missing("1", "1.8 trillion") == ["1"]  # a figure is a whole number


def test_case_spacing_dashes_and_quotes_are_ignored():
    assert figures_missing("120–130 million", "between 120-130 million") == []
    assert figures_missing("180,000+", "now 180,000\u00a0+ models") == []
    assert figures_missing("about 18×", "about one-eighteenth the cost") == []


def test_a_dates_year_may_come_from_context_when_the_quote_names_none():
    assert figures_missing("November 2025", "since its November launch", is_date=True) == []
    assert figures_missing("November 2025", "launched November 2024", is_date=True) == ["2025"]
    assert figures_missing("February 16, 2026", "on February 17", is_date=True) == ["16"]


def test_only_quantities_and_dates_are_checked_and_the_sentence_names_the_figure():
    assert quote_problem("Apache 2.0", "licensed openly", "text") is None
    problem = quote_problem("49 billion", "48 billion", "quantity")
    assert "\u201c49\u201d" in problem and "\u201c49 billion\u201d" in problem


@given(st.integers(0, 10**12), st.text(alphabet="abc ,.", max_size=20))
def test_a_figure_is_found_in_any_quote_that_writes_it(n, around):
    assert figures_missing(f"{n:,}", f"{around} {n:,} {around}") == []


@given(st.integers(10, 10**9), st.integers(1, 9))
def test_a_figure_is_not_found_inside_a_longer_number(n, digit):
    assert figures_missing(str(n), f"{n}{digit} units") == [str(n)]


def _held_by_pattern(figure: str, held: str) -> bool:
    """The reading the rule is stated in: the figure where no digit, and no digit with a
    separator, stands right before or after it."""
    pattern = rf"(?<!\d)(?<!\d[.,]){re.escape(figure)}(?!\d|[.,]\d)"
    return re.search(pattern, held) is not None


# Digits (one Arabic-Indic: \d reads it as a digit), separators, letters and spaces.
NUMBERY = st.text(alphabet="0123456789.,\u0663 ab-", max_size=24)


@settings(max_examples=600)
@given(NUMBERY, NUMBERY)
def test_a_figure_is_held_exactly_where_it_stands_whole(value_text, quote):
    """Held as one of the quote's whole numbers = held by the stated pattern, for any text."""
    held = fold(quote)
    for figure in figures(value_text):
        assert (figure in figures_missing(figure, quote)) is not _held_by_pattern(figure, held)


def _fold_in_full(text: str) -> str:
    """``fold`` without its shortcut for ASCII: every step, for any text."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_DASHES).translate(_QUOTES)
    return " ".join(text.split())


@settings(max_examples=600)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=40) | st.text(max_size=40))
def test_folding_ascii_by_lowering_it_is_folding_it_in_full(text):
    """The shortcut for ASCII gives what every step gives, and any other text takes them all."""
    assert fold(text) == _fold_in_full(text)


def test_folding_text_beyond_ascii_still_folds_its_dashes_quotes_and_forms():
    assert fold("Over\u00a01\u2013trillion \u201cＱwen\u201d STRASSE ß") == (
        'over 1-trillion "qwen" strasse ss'
    )

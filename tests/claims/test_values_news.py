"""Tests for the forms news writes figures in: verbs of passing, ages, compact units, compounds."""

import dataclasses
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claims.values import Bound, UnreadableValue, format_number, read_quantity

PASSING_VERBS = "exceed exceeds exceeded surpass surpasses surpassed surpassing cross crosses "
PASSING_VERBS += "crossed crossing tops topped topping passed"
SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
LETTERS = {"K": 10**3, "k": 10**3, "M": 10**6, "mn": 10**6, "Mn": 10**6, "B": 10**9}
LETTERS |= {"bn": 10**9, "BN": 10**9, "T": 10**12, "tn": 10**12}
UNKNOWN_SCALES = ["zillion", "quadrillion", "gazillion", "bazillion", "jillion", "lakh", "crore"]
UNKNOWN_SCALES += ["quintillion", "sextillion", "Quadrillion"]

# Figures as people write them: whole numbers with and without thousands commas, decimals.
figures = st.one_of(
    st.integers(1, 999).map(str),
    st.integers(1_000, 999_999).map(lambda n: f"{n:,}"),
    st.builds(lambda a, b: f"{a}.{b}", st.integers(0, 999), st.integers(1, 99)),
)


def value_of(figure: str) -> float:
    return float(figure.replace(",", ""))


def refused(text: str) -> None:
    with pytest.raises(UnreadableValue, match=f'^Cannot read "{re.escape(text)}" as a quantity: '):
        read_quantity(text)


@given(st.sampled_from(PASSING_VERBS.split()), figures, st.sampled_from(sorted(SCALES)))
def test_a_figure_passed_is_a_lower_bound(verb, figure, scale):
    quantity = read_quantity(f"{verb} {figure} {scale}")
    expected = value_of(figure) * SCALES[scale]
    assert quantity.bound is Bound.MORE_THAN
    assert quantity.point == pytest.approx(expected, rel=1e-12)
    assert quantity.low == quantity.point and quantity.high is None
    assert quantity.unit is None


@given(st.sampled_from(PASSING_VERBS.split()), figures, st.sampled_from(["", " downloads"]))
def test_passing_reads_like_over(verb, figure, unit):
    passed, over = read_quantity(f"{verb} {figure}{unit}"), read_quantity(f"over {figure}{unit}")
    assert dataclasses.replace(passed, text="") == dataclasses.replace(over, text="")


def test_passing_verbs_from_the_news():
    quantity = read_quantity("exceed ten trillion")
    assert (quantity.bound, quantity.point, quantity.high) == (Bound.MORE_THAN, 1e13, None)
    assert read_quantity("surpassed RMB 100 billion").unit == "CNY"
    assert read_quantity("topped 1 billion downloads").unit == "downloads"


@pytest.mark.parametrize("text", ["top 10", "cross-border", "topped"])
def test_a_verb_is_not_a_figure_or_a_ranking(text):
    refused(text)


@given(figures, st.sampled_from(sorted(LETTERS)), st.sampled_from(["", "over ", "about "]))
def test_letter_scales_glued_to_the_figure(figure, letter, prefix):
    quantity = read_quantity(f"{prefix}{figure}{letter}")
    assert quantity.point == pytest.approx(value_of(figure) * LETTERS[letter], rel=1e-12)
    assert quantity.unit is None


@given(st.integers(0, 130), st.sampled_from(["a ", "an ", ""]), st.sampled_from(["-", " "]))
def test_ages_in_years(age, article, joint):
    text = f"{article}{age}{joint}year{joint}old" if joint == "-" else f"{age} years old"
    quantity = read_quantity(text)
    assert (quantity.bound, quantity.point, quantity.unit) == (Bound.EXACT, age, "years")


@pytest.mark.parametrize(
    ("text", "point", "unit"),
    [
        ("a 32-year-old", 32, "years"),
        ("an 8-year-old", 8, "years"),
        ("a 6-month-old", 6, "months"),
        ("32 years old", 32, "years"),
        ("144GB", 144, "GB"),
        ("144 GB", 144, "GB"),
        ("144gb", 144, "GB"),
        ("128KB", 128, "KB"),
        ("1.5TB", 1.5, "TB"),
        ("3.2 GHz", 3.2, "GHz"),
        ("5nm", 5, "nm"),
        ("200ms", 200, "ms"),
        ("over 80GB", 80, "GB"),
        ("2-million-token", 2e6, "token"),
        ("a 2-million-token", 2e6, "token"),
        ("1-million-token", 1e6, "token"),
        ("128K-token", 128_000, "token"),
        ("70-billion-parameter", 70e9, "parameter"),
        ("100mn", 1e8, None),
        ("100bn", 1e11, None),
        ("2tn", 2e12, None),
    ],
)
def test_news_forms(text, point, unit):
    quantity = read_quantity(text)
    assert (quantity.point, quantity.unit) == (pytest.approx(point), unit)


@given(st.sampled_from(["KB", "MB", "GB", "TB", "GHz", "nm"]), figures, st.booleans())
def test_compact_units_with_or_without_a_space(unit, figure, spaced):
    quantity = read_quantity(f"{figure}{' ' if spaced else ''}{unit}")
    assert (quantity.point, quantity.unit) == (pytest.approx(value_of(figure)), unit)


def test_a_letter_scale_is_not_eaten_from_a_compact_unit():
    assert read_quantity("1M").point == 1e6 and read_quantity("1MB").point == 1
    assert read_quantity("5m").point == 5e6 and read_quantity("5ms").unit == "ms"


@given(
    figures,
    st.sampled_from(sorted(SCALES)),
    st.sampled_from(["token", "parameter", "user", "download"]),
)
def test_hyphenated_compounds_round_trip(figure, scale, noun):
    quantity = read_quantity(f"{figure}-{scale}-{noun}")
    assert quantity.bound is Bound.EXACT and quantity.unit == noun
    assert quantity.point == pytest.approx(value_of(figure) * SCALES[scale], rel=1e-12)
    # Written back as a figure, it reads the same number.
    assert read_quantity(format_number(quantity.point)).point == quantity.point


@given(st.sampled_from(UNKNOWN_SCALES), figures, st.sampled_from(["", " users", "-token"]))
def test_unknown_scale_words_are_refused_naming_the_word(scale, figure, tail):
    text = f"{figure} {scale}{tail}" if tail != "-token" else f"{figure}-{scale}{tail}"
    with pytest.raises(UnreadableValue) as info:
        read_quantity(text)
    assert info.value.text == text
    assert f'"{scale.lower()}" is not a scale this reader knows' in str(info.value)


@pytest.mark.parametrize("text", ["ten zillion", "100 quadrillion", "surpassed ten zillion"])
def test_garbage_scales_are_never_units(text):
    with pytest.raises(UnreadableValue, match="is not a scale this reader knows"):
        read_quantity(text)


@pytest.mark.parametrize("text", ["2 million", "2 millions of", "5 billion users"])
def test_known_scales_still_read_or_refuse_as_before(text):
    try:
        quantity = read_quantity(text)
    except UnreadableValue as exc:
        assert "is not a scale" not in str(exc)
    else:
        assert quantity.point >= 2e6


@pytest.mark.parametrize(
    ("text", "point", "bound"),
    [
        ("fell 57%", -57.0, "exact"),
        ("dropped 66%", -66.0, "exact"),
        ("down 3.5 percent", -3.5, "exact"),
        ("fell by 20%", -20.0, "exact"),
        ("fell over 60%", -60.0, "less_than"),
        ("declined nearly 10%", -10.0, "approximate"),
        ("up 56%", 56.0, "exact"),
        ("rose at least 5%", 5.0, "at_least"),
    ],
)
def test_a_change_written_as_a_verb_is_a_signed_percentage(text, point, bound):
    quantity = read_quantity(text)
    assert (quantity.point, quantity.bound.value, quantity.unit) == (point, bound, "%")
    assert quantity.low is None or quantity.high is None or quantity.low <= quantity.high


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("fell 5 million", "only a percentage can be a change"),
        ("rose 3x", "only a percentage can be a change"),
        ("fell -5%", "cannot also carry a sign"),
        ("fell to 5%", "no figure found"),
    ],
)
def test_a_change_verb_before_anything_but_a_percentage_is_refused(text, reason):
    with pytest.raises(UnreadableValue, match=reason):
        read_quantity(text)

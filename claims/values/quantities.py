"""Reading quantities as written: bounds, scales, number words, percentages, multipliers, money."""

from __future__ import annotations

import dataclasses
import decimal
import math
import re
from dataclasses import dataclass
from decimal import Decimal

from claims.values.kinds import CURRENCIES as _CURRENCIES
from claims.values.kinds import CURRENCY_ALIASES
from claims.values.types import Bound, Quantity, UnreadableValue

# --- vocabulary ------------------------------------------------------------------------------

# Exact decimal arithmetic: a written figure is converted to float once, so it rounds once.
_EXACT = decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)
_SCALES = {"hundred": 2, "thousand": 3, "million": 6, "billion": 9, "trillion": 12}
_LETTER_SCALES = {"k": 3, "m": 6, "mn": 6, "b": 9, "bn": 9, "t": 12, "tn": 12}
_CJK_SCALES = {"万亿": 12, "亿": 8, "万": 4}
_SMALL_NAMES = "zero one two three four five six seven eight nine ten eleven twelve thirteen"
_SMALL_NAMES += " fourteen fifteen sixteen seventeen eighteen nineteen"
_SMALL = {word: i for i, word in enumerate(_SMALL_NAMES.split())}
_TENS_NAMES = "twenty thirty forty fifty sixty seventy eighty ninety"
_TENS = {word: 10 * i for i, word in enumerate(_TENS_NAMES.split(), 2)}
_BIG = {word: 10**e for word, e in _SCALES.items() if e > 2}
_NUMBER_WORDS = {*_SMALL, *_TENS, *_SCALES, "dozen", "a", "an", "half", "and"}
_CURRENCY_SIGNS = {"US$": "USD", "HK$": "HKD", "CN¥": "CNY", "JP¥": "JPY"} | CURRENCY_ALIASES
_CURRENCY_SIGNS |= {"$": "USD", "¥": "CNY", "€": "EUR", "£": "GBP"} | {c: c for c in _CURRENCIES}
_CURRENCY_WORDS = {"us dollars": "USD", "hong kong dollars": "HKD", "hk dollars": "HKD"}
_CURRENCY_WORDS |= {"dollars": "USD", "dollar": "USD", "yuan": "CNY", "renminbi": "CNY"}
_CURRENCY_WORDS |= {"euros": "EUR", "euro": "EUR", "yen": "JPY", "美元": "USD", "元": "CNY"}
_CURRENCY_WORDS |= {a.lower(): c for a, c in CURRENCY_ALIASES.items()}
_CURRENCY_WORDS |= {c.lower(): c for c in _CURRENCIES}
_QUALIFIER_PHRASES = {
    Bound.APPROXIMATE: "nearly|about|around|approximately|approx.|approx|roughly|almost|"
    "close to|some|an estimated|circa|~|≈",
    Bound.MORE_THAN: "over|exceeding|more than|above|greater than|beyond|in excess of|"
    "just over|well over|upwards of|north of|"
    # News writes a figure passed as a verb: "surpassed 1 billion" is more than 1 billion.
    "exceed|exceeds|exceeded|surpass|surpasses|surpassed|surpassing|cross|crosses|crossed|"
    "crossing|tops|topped|topping|passed",
    Bound.AT_LEAST: "at least|no less than|no fewer than|not less than|a minimum of",
    Bound.AT_MOST: "up to|at most|no more than|not more than|a maximum of|as many as|as much as",
    Bound.LESS_THAN: "under|less than|below|fewer than|just under|lower than",
}
# Longest first, so that "more than" is not read as "more" and "approx." not as "approx".
_QUALIFIERS = sorted(
    ((phrase, bound) for bound, all_ in _QUALIFIER_PHRASES.items() for phrase in all_.split("|")),
    key=lambda pair: -len(pair[0]),
)
# Words that bound or join figures are never part of a unit: "5 more" is not 5 "more".
_NOT_UNITS = {w for phrases in _QUALIFIER_PHRASES.values() for w in re.split(r"[| ]", phrases)}
_NOT_UNITS |= _NUMBER_WORDS | {w + "s" for w in (*_SCALES, "dozen")}
_NOT_UNITS |= {"least", "most", "more", "less", "fewer", "odd", "so", "or", "and", "to", "from"}
_NOT_UNITS |= {"between", "than", "of", "per", "fold", "times", "percent", "cent"}
_SUFFIX_BOUNDS = {"more": Bound.AT_LEAST, "less": Bound.AT_MOST, "fewer": Bound.AT_MOST}
_SUFFIX_BOUNDS["so"] = Bound.APPROXIMATE
# A change written as a verb or adverb before a percentage: "fell 57%" is -57%, "up 56%" +56%.
_FALLING = "fell|fall|falls|dropped|drops|declined|declines|decreased|decreases|slid|slumped|"
_FALLING += "plunged|shrank|shrinks|down"
_RISING = "rose|rises|grew|grows|increased|increases|climbed|jumped|soared|up"
_DIRECTION = re.compile(
    rf"(?:(?P<down>{_FALLING})|(?P<up>{_RISING})) (?:by )?(?!to\b|from\b)(?P<rest>.+)", re.I
)
# Words shaped like a scale that this reader does not know: refused, never taken for a unit.
_SCALE_LIKE = re.compile(r"[a-z]*illions?|lakhs?|crores?", re.I)
# Units written glued to the figure or abbreviated ("144GB", "3 GHz"), by lower-case spelling.
_COMPACT_UNIT_NAMES = "KB MB GB TB PB KiB MiB GiB TiB Kbps Mbps Gbps Hz kHz MHz GHz nm ms kW MW GW"
_COMPACT_UNITS = {u.lower(): u for u in f"{_COMPACT_UNIT_NAMES} TFLOPS PFLOPS EFLOPS".split()}
# Ages as written: "a 32-year-old", "32 years old", "a 6-month-old".
_AGE = re.compile(r"[ -](year|month|week|day)s?[ -]old", re.I)
_VAGUE = re.compile(
    r"(?:(tens|hundreds) of )?(hundreds|thousands|millions|billions|trillions)(?: of (.+))?", re.I
)
_VAGUE_FLOORS = {"hundreds": 2, "thousands": 3, "millions": 6, "billions": 9, "trillions": 12}
_UNIT_WORDS = re.compile(r"[A-Z]?[a-z][a-z'’-]+(?: [A-Z]?[a-z][a-z'’-]+)*")
# A hyphen is a range dash only between figures: "-5%" is negative, "6-fold" a multiplier.
_RANGE_DASH = re.compile(
    r" ?[–—] ?|(?<=[\d%A-Za-z×]) ?- ?(?=(?:US\$|HK\$|[$€£¥]|[A-Z]{3} ?)?[\d.])"
)


@dataclass
class _Figure:
    """One figure with what was written around it, before bounds are applied."""

    value: Decimal
    scale: int  # the multiplier its scale word or letter gave, 0 without one
    unit: str | None = None
    money: bool = False
    plus: bool = False
    odd: bool = False
    words: bool = False  # unit comes from trailing words


class _Cursor:
    """Consumes a string from left to right with anchored regular expressions."""

    def __init__(self, s: str, text: str) -> None:
        self.s, self.i, self.text = s, 0, text

    def eat(self, pattern: str, flags: int = 0) -> re.Match[str] | None:
        m = re.compile(pattern, flags).match(self.s, self.i)
        if m:
            self.i = m.end()
        return m

    def refuse(self, reason: str) -> UnreadableValue:
        return UnreadableValue(self.text, reason)


# --- quantities ------------------------------------------------------------------------------


def read_quantity(text: str, *, tolerance: float = 0.05) -> Quantity:
    """Read a written quantity such as "over 1 trillion parameters" or "RMB 0.8 (USD 0.11)".

    Money may end in a "per …" phrase ("RMB 0.8 per million tokens"): the phrase is dropped and
    the unit stays the currency code. A shared scale applies to both ends of a range
    ("1–2 billion"), so "200,000–1 million" is refused as running from high to low.
    """
    if isinstance(tolerance, bool) or not 0 <= tolerance < 1:
        raise ValueError(f"The tolerance must be at least 0 and less than 1, not {tolerance!r}.")
    if not isinstance(text, str):
        raise TypeError(f"A quantity is read from text, not {type(text).__name__}.")
    written = text.strip()
    body = trim_text(written)
    if not body:
        raise UnreadableValue(written, "the text is empty" if not written else "no figure found")
    if "(" not in body and ")" not in body:
        return _read(body, written, tolerance)
    m = re.fullmatch(r"([^()]*)\(([^()]*)\)([^()]*)", body)
    if not m:
        raise UnreadableValue(written, "its parentheses are unbalanced or nested")
    main = _read(trim_text(f"{m[1]} {m[3]}"), written, tolerance)
    if main.unit not in _CURRENCIES:
        raise UnreadableValue(written, "only money can give an equivalent in parentheses")
    inner = trim_text(m[2])
    equivalent = _read(inner, written, tolerance) if inner else None
    if equivalent is None or equivalent.unit not in _CURRENCIES:
        raise UnreadableValue(written, "the equivalent in parentheses has no currency")
    if equivalent.unit == main.unit:
        raise UnreadableValue(written, "the equivalent in parentheses is in the same currency")
    return dataclasses.replace(main, equivalent=dataclasses.replace(equivalent, text=inner))


def trim_text(s: str) -> str:
    """Drop edge punctuation, unify minus signs and hyphens, collapse whitespace."""
    s = re.sub(r"\s+", " ", s.translate(str.maketrans("−‐‑", "---"))).strip()
    s = re.sub(r"^(?:[ \"'“”‘’«»,;:!?*…]|\.(?!\d))+", "", s)
    return re.sub(r"[ \"'“”‘’«».,;:!?*…]+$", "", s)


def _qualified(s: str) -> tuple[list[Bound], str]:
    """The bounds that words around the figure state ("over …", "… or more"), and the rest."""
    bounds: list[Bound] = []
    m = re.search(r" or (more|less|fewer|so)$", s, re.I)
    if m:
        bounds.append(_SUFFIX_BOUNDS[m[1].lower()])
        s = s[: m.start()]
    for phrase, bound in _QUALIFIERS:
        rest = s[len(phrase) :]
        if s.lower().startswith(phrase) and (not phrase[-1].isalpha() or rest[:1] == " "):
            bounds.append(bound)
            s = rest.strip()
            break
    return bounds, s


def _limits(point: float, bound: Bound, tol: float) -> tuple[float | None, float | None]:
    """The low and high ends a bound gives a figure."""
    if bound is Bound.APPROXIMATE:
        return point - abs(point) * tol, point + abs(point) * tol
    if bound in (Bound.MORE_THAN, Bound.AT_LEAST):
        return point, None
    if bound in (Bound.AT_MOST, Bound.LESS_THAN):
        return None, point
    return point, point


def _read(s: str, text: str, tol: float) -> Quantity:
    if direction := _DIRECTION.fullmatch(s):
        return _change(direction, text, tol)
    bounds, s = _qualified(s)
    s = re.sub(r"^an? (?=\d)", "", s, flags=re.I)  # "a 32-year-old", "a 2-million-token"
    if vague := _VAGUE.fullmatch(s):
        if bounds:
            raise UnreadableValue(text, "a vague amount cannot also carry a bound")
        return _vague(vague, text)
    between = re.fullmatch(r"between (.+?) and (.+)", s, re.I) or re.fullmatch(
        r"(?:from )?(.+?) to (.+)", s, re.I
    )
    pieces = list(between.groups()) if between else _RANGE_DASH.split(s)
    if len(pieces) > 2:
        raise UnreadableValue(text, "it holds more than two figures")
    if len(pieces) == 2:
        if bounds:
            raise UnreadableValue(text, "a range cannot also carry a bound")
        return _range(pieces[0], pieces[1], text)
    figure = _figure(s, text)
    bounds += [Bound.AT_LEAST] * figure.plus + [Bound.APPROXIMATE] * figure.odd
    if len(bounds) > 1:
        raise UnreadableValue(text, "it states more than one bound")
    point = _to_float(figure.value, text)
    bound = bounds[0] if bounds else Bound.EXACT
    low, high = _limits(point, bound, tol)
    return Quantity(text, bound, low, high, point, figure.unit)


def _change(m: re.Match[str], text: str, tol: float) -> Quantity:
    """A percentage change as news writes it: "fell 57%" is -57%, "rose 6%" is +6%."""
    rest = m["rest"].strip()
    if rest.startswith(("-", "+")):
        raise UnreadableValue(text, "a change written with a verb cannot also carry a sign")
    quantity = _read(rest, text, tol)
    if quantity.unit != "%" or quantity.bound is Bound.VAGUE:
        raise UnreadableValue(text, f'only a percentage can be a change "{m[0].split()[0]}"')
    if m["up"]:
        return dataclasses.replace(quantity, text=text)

    def negate(x: float | None) -> float | None:
        return None if x is None else -x

    flipped = {
        Bound.MORE_THAN: Bound.LESS_THAN,
        Bound.LESS_THAN: Bound.MORE_THAN,
        Bound.AT_LEAST: Bound.AT_MOST,
        Bound.AT_MOST: Bound.AT_LEAST,
    }
    return dataclasses.replace(
        quantity,
        text=text,
        bound=flipped.get(quantity.bound, quantity.bound),  # "fell over 60%": below -60%
        low=negate(quantity.high),
        high=negate(quantity.low),
        point=negate(quantity.point),
    )


def _vague(m: re.Match[str], text: str) -> Quantity:
    prefix, plural, tail = m[1], m[2].lower(), m[3]
    if prefix and plural == "hundreds":
        raise UnreadableValue(text, f'"{prefix} of hundreds" is not an amount')
    floor = _VAGUE_FLOORS[plural] + {None: 0, "tens": 1, "hundreds": 2}[prefix and prefix.lower()]
    # A bare plural spans up to the next named order (millions: 1e6 up to a billion).
    ceiling = floor + 1 if prefix else {2: 3, 3: 6}.get(floor, floor + 3)
    unit = None
    if tail is not None:
        unit = _CURRENCY_WORDS.get(tail.lower()) or _unit_words(tail, text)
    return Quantity(text, Bound.VAGUE, 10.0**floor, 10.0**ceiling, None, unit)


def _range(left_text: str, right_text: str, text: str) -> Quantity:
    left, right = _figure(left_text, text), _figure(right_text, text)
    if left.words:
        raise UnreadableValue(text, "only the second figure of a range may carry a unit")
    if left.plus or right.plus or left.odd or right.odd:
        raise UnreadableValue(text, "a range cannot also carry a bound")
    if left.unit and right.unit and left.unit != right.unit:
        raise UnreadableValue(text, f"its figures are in {left.unit} and {right.unit}")
    value = left.value
    if not left.scale and right.scale:
        value = _EXACT.multiply(value, Decimal(right.scale))
    low, high = _to_float(value, text), _to_float(right.value, text)
    if low > high:
        span = f"{format_number(low)} to {format_number(high)}"
        raise UnreadableValue(text, f"the range runs from high to low ({span})")
    return Quantity(text, Bound.RANGE, low, high, (low + high) / 2, left.unit or right.unit)


def _figure(s: str, text: str) -> _Figure:
    """Read one figure: sign, currency, number, scale, kind (% × money), '+', unit words."""
    c = _Cursor(s, text)
    negative = c.eat(r"-") is not None
    currency = None
    if m := c.eat(r"(US\$|HK\$|CN¥|JP¥|[$¥€£]|RMB|[A-Z]{3}(?= ?[\d.])|[A-Z]{1,3}\$) ?"):
        currency = _CURRENCY_SIGNS.get(m[1])
        if currency is None:
            raise c.refuse(f'the currency "{m[1]}" is unknown')
    value, scale = _number(c)
    figure = _Figure(-value if negative else value, scale)
    figure.plus = c.eat(r" ?\+") is not None
    figure.odd = c.eat(r"[ -]odd\b", re.I) is not None
    currency = _kind(c, figure, currency)
    if not figure.plus:
        figure.plus = c.eat(r"\+") is not None
    if currency:
        if figure.unit:
            raise c.refuse(f"it mixes the currency {currency} with {figure.unit}")
        figure.unit, figure.money = currency, True
    return _unit_after(c, figure, text)


def _kind(c: _Cursor, figure: _Figure, currency: str | None) -> str | None:
    """Read what the words after the number make it: an age, a percentage, a multiple, a
    currency word or a compact unit ("144GB"); returns the currency."""
    if m := c.eat(_AGE.pattern, re.I):
        figure.unit = f"{m[1].lower()}s"
    elif c.eat(r" ?(?:%|％|per ?cent\b|pp\b|percentage points?\b)", re.I):
        figure.unit = "%"
    elif c.eat(r" ?×|x(?![a-z])| times\b|[ -]?fold\b", re.I):
        figure.unit = "×"
    elif m := c.eat(r" ?(" + "|".join(map(re.escape, _CURRENCY_WORDS)) + r")\b", re.I):
        suffix = _CURRENCY_WORDS[m[1].lower()]
        if currency not in (None, suffix):
            raise c.refuse(f"it names two currencies, {currency} and {suffix}")
        currency = suffix
    elif m := c.eat(r" ?(" + "|".join(_COMPACT_UNITS) + r")(?![A-Za-z])", re.I):
        figure.unit = _COMPACT_UNITS[m[1].lower()]
    return currency


def _unit_after(c: _Cursor, figure: _Figure, text: str) -> _Figure:
    """Read what follows the figure: nothing, unit words, or something refused."""
    rest = c.s[c.i :]
    if not rest or (figure.money and re.fullmatch(r" per .+", rest, re.I)):
        return figure  # money drops a trailing "per …" phrase
    if re.match(r"e[-+]?\d", rest, re.I):
        raise c.refuse("scientific notation is not read; write the figure out")
    if re.match(r"[,.]\d", rest):
        raise c.refuse(f'"{c.s[: c.i]}{rest}" is not a well-formed number')
    if re.search(r"\d", rest):
        raise c.refuse("it holds more than one figure")
    if not figure.unit and re.fullmatch(r"-[A-Za-z]+(?:-[A-Za-z]+)*", rest):
        # A hyphenated compound names its unit in the singular: "2-million-token".
        figure.unit, figure.words = _unit_words(rest[1:], text), True
        return figure
    if figure.unit or not rest.startswith(" "):
        raise c.refuse(f'"{rest.strip()}" after the figure is not a unit')
    figure.unit, figure.words = _unit_words(rest, text), True
    return figure


def _number(c: _Cursor) -> tuple[Decimal, int]:
    """Read digits with an optional scale, or number words; return the value and its scale."""
    if m := c.eat(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"):
        value, exponent = Decimal(m[0].replace(",", "")), 0
        if s := c.eat(r"[ -]?(" + "|".join(_SCALES) + r")(?![a-z])", re.I):
            exponent = _SCALES[s[1].lower()]
        elif s := c.eat(r"(bn|tn|mn|[kmbt])(?![a-z])", re.I):
            exponent = _LETTER_SCALES[s[1].lower()]
        elif s := c.eat(r" ?(万亿|亿|万)"):
            exponent = _CJK_SCALES[s[1]]
        return value.scaleb(exponent, _EXACT), 10**exponent if exponent else 0
    words, ends, i = [], [], c.i
    while m := re.compile(r"[A-Za-z]+").match(c.s, i):
        word = m[0].lower()
        if word not in _NUMBER_WORDS:
            if word.endswith("fold") and word[:-4] in _NUMBER_WORDS:  # "tenfold"
                words.append(word[:-4])
                ends.append(m.end() - 4)
            break
        words.append(word)
        ends.append(m.end())
        i = m.end() + 1 if c.s[m.end() : m.end() + 1] in (" ", "-") else len(c.s) + 1
    while words and words[-1] in ("a", "an", "and", "half"):  # glue for what follows
        words.pop()
        ends.pop()
    if not words:
        raise c.refuse("no figure found")
    number = _words_value(words)
    if number is None:
        raise c.refuse(f'"{c.s[c.i : ends[-1]]}" is not a number')
    c.i = ends[-1]
    return Decimal(number), 10 ** _SCALES[words[-1]] if words[-1] in _SCALES else 0


def _words_value(words: list[str]) -> float | None:
    """Value of number words ("twenty-five", "half a million", "a dozen"), None if malformed."""
    if words[0] == "half":
        ok = len(words) == 3 and words[1] in ("a", "an") and words[2] in (*_SCALES, "dozen")
        return (12 if words[2] == "dozen" else 10 ** _SCALES[words[2]]) / 2 if ok else None
    if words[0] in ("a", "an"):
        if len(words) < 2 or words[1] not in (*_SCALES, "dozen"):
            return None
        words = ["one", *words[1:]]
    if words == ["zero"]:
        return 0
    return _words_total(words)


def _words_total(words: list[str]) -> float | None:
    """Value of number words that start with a number ("twenty-five thousand")."""
    total, group, last, previous_big = 0, 0, "", math.inf
    for index, word in enumerate(words):
        final = index == len(words) - 1
        if word == "and" and last in ("hundred", *_BIG) and not final:
            pass
        elif word in _SMALL and word != "zero" and (group % 100 == 0 or last in _TENS):
            if last in _TENS and _SMALL[word] >= 10:
                return None
            group += _SMALL[word]
        elif word in _TENS and group % 100 == 0:
            group += _TENS[word]
        elif word == "hundred" and 0 < group < 10:
            group *= 100
        elif word == "dozen" and 0 < group < 100 and final:
            group *= 12
        elif word in _BIG and group and _BIG[word] < previous_big:
            total, group, previous_big = total + group * _BIG[word], 0, _BIG[word]
        else:
            return None
        last = word
    return total + group


def _unit_words(words: str, text: str) -> str:
    words = words.strip()
    for word in re.split(r"[ -]", words.lower()):
        if _SCALE_LIKE.fullmatch(word) and word.removesuffix("s") not in _SCALES:
            known = ", ".join(name for name, e in _SCALES.items() if e > 2)
            raise UnreadableValue(text, f'"{word}" is not a scale this reader knows ({known})')
    split = words.lower().split()
    joining = {"per", "of"} - {*split[:1], *split[-1:]}  # inside only: "tokens per second"
    if not split or not _UNIT_WORDS.fullmatch(words) or {*split} & (_NOT_UNITS - joining):
        raise UnreadableValue(text, f'"{words}" after the figure is not a unit')
    return words.lower()


def _to_float(value: Decimal, text: str) -> float:
    number = float(value)
    if not math.isfinite(number) or (number == 0 and value != 0):
        raise UnreadableValue(text, "the figure is out of range")
    return number


def format_number(value: float) -> str:
    """Write a number so that read_quantity reads back exactly that float: "1.8 trillion"."""
    if isinstance(value, bool) or not math.isfinite(value):
        raise ValueError(f"Cannot format {value!r} as a figure.")
    exact = Decimal(repr(float(value)))  # the shortest decimal that reads back as this float
    sign, exact = ("-" if exact < 0 else ""), abs(exact)
    if exact == 0:
        return "0"
    for word in ("trillion", "billion", "million"):
        mantissa = exact.scaleb(-_SCALES[word], _EXACT).normalize(_EXACT)
        exponent = mantissa.as_tuple().exponent  # an int: the mantissa is finite
        if mantissa >= 1 and isinstance(exponent, int) and exponent >= -3:
            return f"{sign}{mantissa:,f} {word}"
    return f"{sign}{exact.normalize(_EXACT):,f}"


def short_number(value: float) -> str:
    """Write a number compactly for charts: "1.8T", "100M", "151.6K", "0.11"."""
    if isinstance(value, bool) or not math.isfinite(value):
        raise ValueError(f"Cannot format {value!r} as a figure.")
    magnitude = abs(value)
    if magnitude == 0:
        return "0"
    sign = "-" if value < 0 else ""
    if magnitude < 1:
        digits = f"{magnitude:.{1 - math.floor(math.log10(magnitude))}f}"
        return sign + (digits.rstrip("0").rstrip(".") if "." in digits else digits)
    suffixes = ["", "K", "M", "B", "T"]
    index = min(int(math.log10(magnitude)) // 3, 4)
    while True:
        digits = f"{magnitude / 1000**index:,.1f}".removesuffix(".0")
        if index == 4 or float(digits.replace(",", "")) < 1000:  # 999.96K shows as 1M
            return sign + digits + suffixes[index]
        index += 1

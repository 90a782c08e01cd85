"""Template helpers of the researcher pages: values as read, grades, severities, quoted text."""

from dataclasses import dataclass, field
from itertools import pairwise

from django import template

from claims.charts import grade_of
from claims.choices import ValueType
from claims.display import value_display
from claims.models import Claim
from qwenkb.filters import SEARCH_MAX_LENGTH
from sources.choices import Reliability
from sources.periods import format_period

register = template.Library()


@register.simple_tag
def search_max_length() -> int:
    """How many characters a search box takes (``qwenkb.filters.SEARCH_MAX_LENGTH``)."""
    return SEARCH_MAX_LENGTH


@register.filter
def value_read(claim) -> str:
    """A claim's value as read: "> 1 trillion parameters"."""
    return value_display(claim)


@register.filter
def grade(claim) -> str:
    """The reliability grade behind a claim (its source's, else the publisher's)."""
    return grade_of(claim)


@register.filter
def source_grade(source) -> str:
    """A source's reliability grade, the publisher's when the source has none."""
    return source.reliability or source.publisher.reliability or Reliability.F


@register.filter
def grade_label(letter: str) -> str:
    """ "C" → "C: fairly reliable"."""
    try:
        return Reliability(letter).label
    except ValueError:
        return letter


@register.filter
def published(source) -> str:
    """When a source was published, at the precision known."""
    return format_period(source.published, source.published_end, source.published_precision)


@register.filter
def severity(contradiction) -> str:
    """Severity in words: "1.8×" for figures, "45 days" for dates, nothing for other values."""
    value_type = contradiction.metric.value_type
    if value_type == ValueType.QUANTITY:
        return f"{contradiction.severity:.3g}×"
    if value_type == ValueType.DATE:
        days = round(contradiction.severity)
        return f"{days} day{'' if days == 1 else 's'} apart"
    return ""


@dataclass
class Segment:
    """A piece of a source's text: plain, or inside the quote of ``claim``."""

    text: str
    claim: Claim | None = None
    anchors: list[int] = field(default_factory=list)


@register.simple_tag
def text_segments(text: str, claims) -> list[Segment]:
    """Cut a text where the claims' quotes start and end; where quotes overlap the shortest wins."""
    spans = []
    for claim in claims:
        start = claim.quote_offset
        if start is None or text[start : start + len(claim.quote)] != claim.quote:
            start = text.find(claim.quote)
        if start >= 0 and claim.quote:
            spans.append((start, start + len(claim.quote), claim))
    cuts = sorted({0, len(text)} | {s for s, _, _ in spans} | {e for _, e, _ in spans})
    segments = []
    for a, b in pairwise(cuts):
        covering = [span for span in spans if span[0] <= a and b <= span[1]]
        inner = min(covering, key=lambda span: span[1] - span[0])[2] if covering else None
        anchors = [claim.pk for s, _, claim in spans if s == a]
        segments.append(Segment(text[a:b], inner, anchors))
    return segments

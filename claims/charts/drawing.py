"""Chart geometry: one ``Mark`` per claim, in pixels, for the templates in templates/web/charts/.

Every chart is a plain ``Chart`` value (frame, ticks, marks, and a table of the same claims as
its text alternative), so it renders without JavaScript and escapes like any template text.
A bound that stays open ("over 1 trillion") runs to the edge of the plot and ends in an arrow;
a figure is a dot; marks are coloured by the source's reliability grade.
"""

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from claims import conflicts
from claims.charts.axes import (
    Interval,
    Scale,
    Tick,
    date_interval,
    date_ticks,
    value_axis,
    value_scale,
    value_ticks,
)
from claims.choices import ValueType
from claims.display import value_display
from claims.values import Counting
from claims.values.claim_value import ClaimValue

WIDTH = 720
DISPUTE_WIDTH = 520
VALUE_KEY = (
    "Dots are figures, lines the range a value allows, arrows bounds left open (“over 1 trillion”)."
)
PERIOD_KEY = "Lines are the periods the claims speak of; a dot is a single day."
SERIES_KEY = (
    "Across: the period each claim speaks of; up: its value. Dots are figures, arrows "
    "bounds left open."
)
LABEL_CHAR_WIDTH = 9.5  # average advance of the 17px labels of compact charts
FALL_CHAR_WIDTH = 7.0  # average advance of the 12.5px labels that mark a fall
# Admiralty grades, colour-blind-safe and at least 3:1 against white; F is "cannot be judged".
PALETTE = {
    "A": "#0b5394",
    "B": "#117a8b",
    "C": "#6a3d9a",
    "D": "#b45f06",
    "E": "#a61c00",
    "F": "#666666",
}


@dataclass
class FallMark:
    """A running total that fell, marked on the later claim: a ring, a drop line and a label."""

    text: str  # "fell from over 1 billion to 600 million"
    sentence: str  # the same, with periods, for the caption and the tooltip
    ring: tuple[float, float]
    label: tuple[float, float, str] | None = None  # x, y, text-anchor
    drop: tuple[float, float, float, float] | None = None  # from the earlier point to this one


@dataclass
class Mark:
    """One claim as drawn: lines, arrowheads for open ends, dots for figures."""

    claim: Any  # a Claim, or a row with its columns
    title: str
    grade: str
    colour: str
    href: str = ""
    lines: list[tuple[float, float, float, float]] = field(default_factory=list)
    arrows: list[str] = field(default_factory=list)
    dots: list[tuple[float, float]] = field(default_factory=list)
    label: tuple[float, float, str] | None = None
    dashed: bool = False
    fall: FallMark | None = None


@dataclass
class Chart:
    """A whole chart: frame, axes, marks, and the same data as a table."""

    id: str
    title: str
    desc: str
    height: int
    left: float
    top: float
    right: float
    bottom: float
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    x_label: str = ""
    y_label: str = ""
    rows: list[tuple[float, str]] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    table: list[tuple[str, object]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    width: int = WIDTH
    compact: bool = False  # few marks, large type: fits a phone without scrolling
    key: str = VALUE_KEY

    @property
    def middle(self) -> tuple[float, float]:
        """Centre of the plot, where the axis titles go."""
        return (self.left + self.right) / 2, (self.top + self.bottom) / 2

    @property
    def x_tick_y(self) -> float:
        """Baseline of the x tick labels."""
        return self.bottom + (21 if self.compact else 18)

    @property
    def x_label_y(self) -> float:
        """Baseline of the x axis title."""
        return self.height - 8

    @property
    def falls(self) -> list[FallMark]:
        """The falls of a running total marked on the chart, for the caption."""
        return [mark.fall for mark in self.marks if mark.fall is not None]

    @property
    def grades(self) -> list[str]:
        """The grades drawn, for the legend."""
        return sorted({mark.grade for mark in self.marks})


def grade_of(claim) -> str:
    """The reliability grade of the claim's source (the publisher's when it has none)."""
    source = claim.source
    return source.reliability or source.publisher.reliability or "F"


def _arrow(x: float, y: float, direction: str, size: float = 7) -> str:
    h = size * 0.6
    points = {
        "left": [(x, y), (x + size, y - h), (x + size, y + h)],
        "right": [(x, y), (x - size, y - h), (x - size, y + h)],
        "up": [(x, y), (x - h, y + size), (x + h, y + size)],
        "down": [(x, y), (x - h, y - size), (x + h, y - size)],
    }[direction]
    return " ".join(f"{px:g},{py:g}" for px, py in points)


# --- drawing ----------------------------------------------------------------------------


def _mark(claim, link, title_prefix: str = "") -> Mark:
    grade = grade_of(claim)
    title = (
        f"{title_prefix}{claim.value_text} (read as {value_display(claim)}), "
        f"{claim.source.title}, reliability {grade}"
    )
    return Mark(
        claim=claim,
        title=title,
        grade=grade,
        colour=PALETTE.get(grade, PALETTE["F"]),
        href=link(claim) if link else "",
        dashed=getattr(claim, "bound", "") == "vague",
    )


def _draw_horizontal(mark: Mark, interval: Interval, scale: Scale, y: float) -> None:
    x1 = scale.start if interval.low is None else scale(interval.low)
    x2 = scale.end if interval.high is None else scale(interval.high)
    if x2 - x1 > 0.5:
        mark.lines.append((x1, y, x2, y))
    if interval.low is None:
        mark.arrows.append(_arrow(x1, y, "left"))
    if interval.high is None:
        mark.arrows.append(_arrow(x2, y, "right"))
    if interval.point is not None:
        mark.dots.append((scale(interval.point), y))
    elif x2 - x1 <= 0.5:
        mark.dots.append((x1, y))


def row_chart(
    *,
    chart_id: str,
    title: str,
    rows: list[tuple[str, list[tuple[Any, Interval]]]],
    dates: bool,
    x_label: str,
    fmt: Callable[[float], str],
    link=None,
    left: int = 180,
    row_height: int = 30,
    labels: bool = False,
    notes: list[str] | None = None,
    width: int = WIDTH,
    key: str = VALUE_KEY,
) -> Chart | None:
    """Rows of marks along one value axis: one row per entity, per claim or per value.

    With ``labels`` each mark is also labelled with its value as written and grade, in the
    larger type of a compact chart (for the two claims of a dispute).
    """
    intervals = [interval for _, members in rows for _, interval in members]
    if not intervals:
        return None
    top = 30 if labels else 12
    bottom = top + row_height * len(rows)
    scale = value_scale(intervals, left + 12, width - 24, dates=dates)
    chart = Chart(
        id=chart_id,
        title=title,
        desc="",
        height=bottom + (54 if labels else 46),
        left=left,
        top=top,
        right=width - 14,
        bottom=bottom,
        x_label=x_label + (" (log scale)" if scale.log else ""),
        notes=list(notes or []),
        width=width,
        compact=labels,
        key=key,
    )
    chart.x_ticks = date_ticks(scale) if dates else value_ticks(scale, fmt)
    for index, (row_label, members) in enumerate(rows):
        middle = top + row_height * index + row_height / 2
        chart.rows.append((middle, row_label))
        gap = min(8.0, (row_height - 10) / max(len(members) - 1, 1))
        for k, (claim, interval) in enumerate(members):
            y = round(middle + (k - (len(members) - 1) / 2) * gap, 1)
            mark = _mark(claim, link, f"{row_label}: ")
            _draw_horizontal(mark, interval, scale, y)
            if labels:
                text = f"{claim.value_text} ({mark.grade})"
                x = mark.dots[0][0] if mark.dots else (mark.lines[0][0] + mark.lines[0][2]) / 2
                half = len(text) * LABEL_CHAR_WIDTH / 2  # keep the label inside the plot
                x = round(min(max(x, left + half), chart.right - half), 1)
                mark.label = (x, y - 12, text)
            chart.marks.append(mark)
            chart.table.append((row_label, claim))
    chart.desc = _describe(chart, scale)
    return chart


def _describe(chart: Chart, scale: Scale) -> str:
    kind = "log" if scale.log else "linear"
    return (
        f"{len(chart.marks)} claims drawn on a {kind} axis of {chart.x_label or 'values'}, "
        "coloured by the source's reliability grade; open bounds end in arrows. "
        "The table below the chart lists the same claims."
    )


def _falls(metric, claims) -> dict[int, conflicts.Fall]:
    """For a running total, the largest fall onto each claim lying wholly below an earlier
    one: the rule of ``claims.conflicts.total_fell``, the one detection explains as "the
    total fell". Keyed by the later claim's id."""
    if metric.value_type != ValueType.QUANTITY or metric.counting != Counting.RUNNING_TOTAL:
        return {}
    facts = [
        ClaimValue.from_columns(c).facts(c.pk, c.value_text, "", c.as_of_start, c.as_of_end)
        for c in claims
    ]
    worst: dict[int, conflicts.Fall] = {}
    for x, y in itertools.combinations(facts, 2):
        fall = conflicts.total_fell(x, y)
        if fall is None:
            continue
        known = worst.get(fall.later.id)
        if known is None or (fall.severity, fall.earlier.id) > (known.severity, known.earlier.id):
            worst[fall.later.id] = fall
    return worst


def _mark_fall(mark: Mark, fall: conflicts.Fall, earlier, ring: tuple[float, float]) -> None:
    """Say on the later claim's mark that the total fell: tooltip, ring, caption sentence."""
    text = f"fell from {fall.earlier.value_text} to {fall.later.value_text}"
    sentence = (
        f"The total fell from {fall.earlier.value_text} ({earlier.as_of_display}) to "
        f"{fall.later.value_text} ({mark.claim.as_of_display}): a running total cannot fall, "
        "so one of the two claims is wrong."
    )
    mark.title += f"; the total {text}, but a running total cannot fall"
    mark.fall = FallMark(text=text, sentence=sentence, ring=ring)


def _fall_label(
    chart: Chart, x: float, y: float, text: str, *, beside: bool
) -> tuple[float, float, str]:
    """Where a fall's label goes, inside the plot: ``beside`` the ring (right of it, or left
    when the right has no room), else under it, centred."""
    width = (len(text) + 2) * (LABEL_CHAR_WIDTH if chart.compact else FALL_CHAR_WIDTH)
    if beside:
        if x + 15 + width <= chart.right:
            return round(x + 15, 1), round(y + 4, 1), "start"
        return round(max(x - 15, chart.left + width), 1), round(y + 4, 1), "end"
    x = round(min(max(x, chart.left + width / 2 + 4), chart.right - width / 2 - 4), 1)
    return x, round(y + (26 if chart.compact else 24), 1), "middle"


def series_chart(*, chart_id: str, title: str, metric, claims, link=None) -> Chart | None:
    """A quantity over time: x is each claim's as-of period, y its value (interval and figure)."""
    axis = value_axis(metric, claims)
    if axis is None:
        return None
    points = []
    for claim, interval in axis.intervals:
        period = date_interval(claim.as_of_start, claim.as_of_end)
        if period is not None:
            points.append((claim, interval, period))
    if len(points) < 2:
        return None
    left, top, right, bottom = 84, 14, WIDTH - 24, 206
    x = value_scale([p for _, _, p in points], left + 12, right - 12, dates=True)
    y = value_scale([i for _, i, _ in points], bottom - 10, top + 10)
    chart = Chart(
        id=chart_id,
        title=title,
        desc="",
        height=bottom + 46,
        left=left,
        top=top,
        right=right,
        bottom=bottom,
        x_ticks=date_ticks(x),
        y_ticks=value_ticks(y, axis.format),
        x_label="as of",
        y_label=axis.label + (" (log scale)" if y.log else ""),
        key=SERIES_KEY,
        notes=axis.notes,
    )
    for claim, interval, period in points:
        mark = _mark(claim, link)
        x1, x2 = x(period.low), x(period.high)
        middle = round((x1 + x2) / 2, 1)
        level = interval.point if interval.point is not None else interval.low or interval.high
        if x2 - x1 > 0.5:
            mark.lines.append((x1, y(level), x2, y(level)))
        y_low = y.start if interval.low is None else y(interval.low)
        y_high = y.end if interval.high is None else y(interval.high)
        if y_low - y_high > 0.5:
            mark.lines.append((middle, y_low, middle, y_high))
        if interval.low is None:
            mark.arrows.append(_arrow(middle, y_low, "down"))
        if interval.high is None:
            mark.arrows.append(_arrow(middle, y_high, "up"))
        mark.dots.append((middle, y(level)))
        chart.marks.append(mark)
        chart.table.append((claim.as_of_display, claim))
    marks = {mark.claim.pk: mark for mark in chart.marks}
    for later_id, fall in _falls(metric, [mark.claim for mark in chart.marks]).items():
        mark, before = marks[later_id], marks[fall.earlier.id]
        (x1, y1), (x2, y2) = before.dots[0], mark.dots[0]
        _mark_fall(mark, fall, before.claim, (x2, y2))
        assert mark.fall is not None
        mark.fall.drop = (x1, y1, x2, y2)
        mark.fall.label = _fall_label(chart, x2, y2, mark.fall.text, beside=True)
    chart.desc = (
        f"{len(chart.marks)} claims of {metric.name.lower()} over time: each claim's as-of period "
        "across, its value up the axis; open bounds end in arrows. The table lists the same claims."
        + "".join(f" {fall.sentence}" for fall in chart.falls)
    )
    return chart


def dispute_chart(contradiction, *, link=None) -> Chart | None:
    """Both claims of a dispute on one number line (or date line), or their as-of periods."""
    metric, claims = contradiction.metric, list(contradiction.claims)
    names = ["Claim 1", "Claim 2"]
    axis = value_axis(metric, claims)
    if axis is not None:
        drawn = {id(c): interval for c, interval in axis.intervals}
        rows = [
            (name, [(c, drawn[id(c)])] if id(c) in drawn else [])
            for name, c in zip(names, claims, strict=True)
        ]
        chart = row_chart(
            chart_id=f"dispute-{contradiction.pk}",
            title=f"The two values of {metric.name.lower()} on one "
            + ("date line" if axis.dates else "number line"),
            rows=rows,
            dates=axis.dates,
            x_label=axis.label,
            fmt=axis.format,
            link=link,
            left=76,
            row_height=62,
            labels=True,
            notes=axis.notes,
            width=DISPUTE_WIDTH,
        )
        if chart is not None:
            _mark_row_falls(chart, metric, [("", [m.claim for m in chart.marks])], labels=True)
        return chart
    rows = []
    for name, claim in zip(names, claims, strict=True):
        period = date_interval(claim.as_of_start, claim.as_of_end)
        rows.append((name, [(claim, period)] if period else []))
    return row_chart(
        chart_id=f"dispute-{contradiction.pk}",
        title="When each claim holds (its as-of period)",
        rows=rows,
        dates=True,
        x_label="as of",
        fmt=str,
        link=link,
        key=PERIOD_KEY,
        left=76,
        row_height=62,
        labels=True,
        width=DISPUTE_WIDTH,
    )


def _middle(line: tuple[float, float, float, float]) -> tuple[float, float]:
    x1, y1, x2, y2 = line
    return round((x1 + x2) / 2, 1), round((y1 + y2) / 2, 1)


def _mark_row_falls(chart: Chart, metric, groups, *, labels: bool) -> None:
    """Ring each claim of a running total that fell below an earlier claim of its own group
    (one fact: the dispute's two claims, or one entity's row of the metric chart); with
    ``labels`` also say "fell from X to Y" under it."""
    drawn = {mark.claim.pk: mark for mark in chart.marks}
    for name, claims in groups:
        for later_id, fall in _falls(metric, claims).items():
            mark = drawn[later_id]
            x, y = mark.dots[0] if mark.dots else _middle(mark.lines[0])
            _mark_fall(mark, fall, drawn[fall.earlier.id].claim, (x, y))
            assert mark.fall is not None
            if name:
                mark.fall.sentence = f"{name}: {mark.fall.sentence}"
            if labels:
                mark.fall.label = _fall_label(chart, x, y, mark.fall.text, beside=False)
    chart.desc += "".join(f" {fall.sentence}" for fall in chart.falls)


def metric_chart(metric, facts, *, link=None) -> Chart | None:
    """Every claim of a metric, one row per entity, so disagreement shows as spread."""
    claims = [c for fact in facts for c in fact.claims if c.status != "rejected"]
    axis = value_axis(metric, claims)
    if axis is None:
        return None
    drawn = {id(c): interval for c, interval in axis.intervals}
    rows = [
        (_short(fact.subject.name), [(c, drawn[id(c)]) for c in fact.claims if id(c) in drawn])
        for fact in facts
    ]
    rows = [row for row in rows if row[1]]
    chart = row_chart(
        chart_id=f"metric-{metric.slug}",
        title=f"{metric.name}: every claim, by entity",
        rows=rows,
        dates=axis.dates,
        x_label=axis.label,
        fmt=axis.format,
        link=link,
        notes=axis.notes,
    )
    if chart is not None:
        groups = [(fact.subject.name, [c for c in fact.claims if id(c) in drawn]) for fact in facts]
        _mark_row_falls(chart, metric, groups, labels=False)
    return chart


def fact_chart(fact, *, link=None) -> Chart | None:
    """A time-varying fact over time: figures as a series, single values as a timeline."""
    metric = fact.metric
    claims = [c for c in fact.claims if c.status != "rejected"]
    if not metric.time_varying or len(claims) < 2:
        return None
    chart_id = f"fact-{fact.subject.pk}-{metric.slug}"
    title = f"{metric.name} of {fact.subject.name} over time"
    if metric.value_type == ValueType.QUANTITY:
        return series_chart(chart_id=chart_id, title=title, metric=metric, claims=claims, link=link)
    if metric.value_type == ValueType.DATE or not metric.single_valued:
        return None
    rows: dict[str, list] = {}
    for claim in claims:
        period = date_interval(claim.as_of_start, claim.as_of_end)
        if period is not None:
            rows.setdefault(_short(value_display(claim)), []).append((claim, period))
    if sum(len(members) for members in rows.values()) < 2:
        return None
    return row_chart(
        chart_id=chart_id,
        title=title,
        rows=list(rows.items()),
        dates=True,
        x_label="as of",
        fmt=str,
        link=link,
        key=PERIOD_KEY,
        left=160,
    )


def _short(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"

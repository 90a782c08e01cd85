"""Chart geometry, without a database: scales, ticks, labels, and one mark per claim."""

import datetime
import itertools
from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string
from hypothesis import given, settings
from hypothesis import strategies as st
from pytest import approx

from claims.charts import PALETTE, dispute_chart, fact_chart, metric_chart
from claims.charts.axes import (
    LOG_RATIO,
    Interval,
    Scale,
    date_ticks,
    number_label,
    value_scale,
    value_ticks,
)
from claims.values import Bound, read_quantity

_ids = itertools.count(1)
PARAMS = SimpleNamespace(
    name="Total parameters",
    slug="total-parameters",
    value_type="quantity",
    dimension="number",
    unit="parameters",
    time_varying=False,
    single_valued=True,
    counting="level",
)
REVENUE = SimpleNamespace(**{**vars(PARAMS), "name": "Revenue", "dimension": "money", "unit": ""})


def source(grade: str = "C", title: str = "A report"):
    return SimpleNamespace(
        title=title, reliability=grade, publisher=SimpleNamespace(reliability="F")
    )


def claim(value: str, *, metric=PARAMS, grade="C", subject="Qwen3.5-Max", as_of=None, **extra):
    """A stand-in for a quantity claim, read the way the services read it."""
    fields = dict(bound="", low=None, high=None, point=None, currency="", eq_currency="")
    fields |= dict(eq_low=None, eq_high=None, eq_point=None, date_start=None, date_end=None)
    fields |= dict(date_precision="day", text_value="", entity_value_id=None, bool_value=None)
    if metric.value_type == "quantity":
        quantity = read_quantity(value)
        fields |= dict(
            bound=quantity.bound.value,
            low=quantity.low,
            high=quantity.high,
            point=quantity.point,
        )
    start, end = as_of or (None, None)
    return SimpleNamespace(
        **(fields | extra),
        pk=next(_ids),
        value_text=value,
        metric=metric,
        subject=SimpleNamespace(name=subject, pk=1, slug="qwen3-5-max"),
        source=source(grade),
        source_id=1,
        status="accepted",
        as_of_start=start,
        as_of_end=end,
        as_of_display=str(start),
    )


def dispute(a, b, metric=PARAMS):
    return SimpleNamespace(pk=7, metric=metric, claims=(a, b))


# --- scales and labels ----------------------------------------------------------------------


def test_linear_scale_maps_the_domain_onto_pixels_with_round_ticks():
    scale = Scale(0, 100, 10, 210)
    assert (scale(0), scale(50), scale(100)) == (10, 110, 210)
    assert scale.ticks() == [0, 20, 40, 60, 80, 100]


def test_log_scale_is_used_when_figures_span_more_than_twentyfold():
    narrow = value_scale([Interval(1e12, None, 1e12), Interval(1.8e12, None, 1.8e12)], 0, 100)
    wide = value_scale([Interval(7e9, 7e9, 7e9), Interval(1e12, None, 1e12)], 0, 100)
    assert not narrow.log and wide.log
    assert wide.ticks() == [1e10, 1e11, 1e12]
    assert narrow(1e12) < narrow(1.8e12) < narrow.end


def test_open_ends_get_room_for_their_arrows():
    scale = value_scale([Interval(None, 10.0, 10.0), Interval(20.0, 20.0, 20.0)], 0, 100)
    assert scale.lo < 10 and scale(20) < 100


@pytest.mark.parametrize(
    ("value", "kwargs", "label"),
    [
        (1.8e12, {}, "1.8T"),
        (1e8, {}, "100M"),
        (284.8e9, {"currency": "CNY"}, "RMB 284.8B"),
        (0.11, {"currency": "USD"}, "USD 0.11"),
        (30, {"dimension": "percent"}, "30%"),
        (6, {"dimension": "multiplier"}, "6×"),
    ],
)
def test_tick_labels_are_short_and_carry_the_currency_or_sign(value, kwargs, label):
    assert number_label(value, **kwargs) == label


def test_date_ticks_fall_on_month_starts_or_years():
    day = datetime.date.toordinal
    months = date_ticks(
        Scale(day(datetime.date(2026, 1, 10)), day(datetime.date(2026, 6, 5)), 0, 1)
    )
    assert [t.label for t in months] == ["Feb 2026", "Mar 2026", "Apr 2026", "May 2026", "Jun 2026"]
    years = date_ticks(Scale(day(datetime.date(2019, 3, 1)), day(datetime.date(2026, 3, 1)), 0, 1))
    assert [t.label for t in years] == ["2020", "2022", "2024", "2026"]


# --- charts ---------------------------------------------------------------------------------


def test_a_discrepancy_draws_both_lower_bounds_as_arrows_from_their_figures():
    a, b = claim("over 1 trillion", grade="C"), claim("exceeding 1.8 trillion", grade="E")
    chart = dispute_chart(dispute(a, b))
    first, second = chart.marks
    assert [len(m.arrows) for m in chart.marks] == [1, 1]
    assert first.dots[0][0] < second.dots[0][0]  # 1T left of 1.8T on a linear axis
    assert first.lines[0][2] == second.lines[0][2] == chart.right - 10  # both run off the end
    assert (first.colour, second.colour) == (PALETTE["C"], PALETTE["E"])
    assert first.label[2] == "over 1 trillion (C)" and "reliability E" in second.title
    assert [row for row, _ in chart.table] == ["Claim 1", "Claim 2"]
    assert [t.label for t in chart.x_ticks][:2] == ["1T", "1.5T"]  # exact: no "1.2T" at 1.25T


def test_open_below_points_left_and_a_vague_claim_is_dashed_without_a_dot():
    chart = dispute_chart(dispute(claim("up to 2 million"), claim("millions")))
    at_most, vague = chart.marks
    assert len(at_most.arrows) == 1 and at_most.arrows[0].startswith(f"{chart.left + 12:g},")
    assert vague.dashed and vague.dots == [] and vague.arrows == []


def test_the_metric_chart_has_one_mark_per_claim_and_one_row_per_entity():
    fact = lambda name, *values: SimpleNamespace(  # noqa: E731
        subject=SimpleNamespace(name=name),
        claims=[claim(v, subject=name) for v in values],
    )
    facts = [fact("Qwen 7B", "7B"), fact("Qwen3.5-Max Preview", "over 1 trillion", "1.8T")]
    chart = metric_chart(PARAMS, facts, link=lambda c: f"#claim-{c.pk}")
    assert len(chart.marks) == 3 and [label for _, label in chart.rows] == [
        "Qwen 7B",
        "Qwen3.5-Max Preview",
    ]
    assert chart.x_label == "parameters (log scale)"
    assert all(mark.href == f"#claim-{mark.claim.pk}" for mark in chart.marks)
    two = [m for m in chart.marks if m.claim.subject.name == "Qwen3.5-Max Preview"]
    assert two[0].dots[0][1] != two[1].dots[0][1]  # marks in a row do not sit on each other


def test_money_in_another_currency_is_drawn_only_through_an_equivalent_the_source_gives():
    rmb = claim("RMB 284.8 billion", metric=REVENUE, currency="CNY")
    usd = claim("$42.5 billion", metric=REVENUE, currency="USD")
    both = claim("RMB 0.8 (USD 0.11)", metric=REVENUE, currency="CNY", eq_currency="USD")
    both.eq_low = both.eq_high = both.eq_point = 0.11
    other_rmb = claim("about RMB 10 billion", metric=REVENUE, currency="CNY")
    facts = [SimpleNamespace(subject=SimpleNamespace(name="Alibaba"), claims=[rmb, usd, other_rmb])]
    chart = metric_chart(REVENUE, facts)
    assert len(chart.marks) == 2 and chart.x_label.startswith("RMB")
    assert "is in USD with no CNY equivalent given" in chart.notes[0]
    facts = [SimpleNamespace(subject=SimpleNamespace(name="Qwen"), claims=[usd, both])]
    assert len(metric_chart(REVENUE, facts).marks) == 2  # both in USD, one via its equivalent


def test_dates_are_drawn_on_a_date_line_and_other_values_by_their_periods():
    release = SimpleNamespace(**{**vars(PARAMS), "value_type": "date", "name": "Release date"})
    day, month = (
        claim("February 16", metric=release, date_start=datetime.date(2026, 2, 16)),
        claim("March 2026", metric=release, date_start=datetime.date(2026, 3, 1)),
    )
    day.date_end, month.date_end = day.date_start, datetime.date(2026, 3, 31)
    chart = dispute_chart(dispute(day, month, release))
    assert "date line" in chart.title and chart.marks[0].lines == []
    assert len(chart.marks[1].lines) == 1
    text = SimpleNamespace(**{**vars(PARAMS), "value_type": "entity", "name": "Latest"})
    periods = dispute_chart(
        dispute(
            claim("Qwen3.5", metric=text, as_of=(datetime.date(2026, 2, 1),) * 2),
            claim("Qwen 4.0", metric=text, as_of=(datetime.date(2026, 1, 1), None)),
            text,
        )
    )
    assert periods.title.startswith("When each claim holds") and periods.x_label == "as of"


def test_a_time_varying_figure_is_a_series_over_its_as_of_periods():
    users = SimpleNamespace(**{**vars(PARAMS), "time_varying": True, "unit": "users"})
    claims = [
        claim("100 million", metric=users, as_of=(datetime.date(2025, 1, 1),) * 2),
        claim("over 300 million", metric=users, as_of=(datetime.date(2026, 3, 1),) * 2),
    ]
    fact = SimpleNamespace(subject=SimpleNamespace(name="Qwen App", pk=3), metric=users)
    fact.claims = claims
    chart = fact_chart(fact)
    assert len(chart.marks) == 2 and chart.y_label == "users"
    assert chart.marks[0].dots[0][0] < chart.marks[1].dots[0][0]
    assert chart.marks[1].arrows  # "over": open above
    fact.metric = PARAMS
    assert fact_chart(fact) is None  # not time-varying: no chart


def test_the_chart_template_escapes_text_and_draws_every_mark():
    a = claim("over 1 trillion")
    a.value_text = "<script>alert(1)</script>"
    chart = dispute_chart(dispute(a, claim("1.8T")))
    html = render_to_string("web/charts/chart.html", {"chart": chart})
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count('<g class="mark"') == 2
    assert 'role="img"' in html and "<desc" in html and "The chart as a table" in html  # no links
    assert "C: fairly reliable" in html  # the legend names the grade, not only its colour


def test_a_single_day_is_drawn_on_a_scale_of_days_not_millennia():
    day = float(datetime.date(2026, 2, 16).toordinal())
    scale = value_scale([Interval(day, day, day)], 0, 100, dates=True)
    assert scale.hi - scale.lo < 10
    assert date_ticks(scale)[0].label.startswith("Feb")


# --- honest ticks ---------------------------------------------------------------------------


@given(
    lo=st.one_of(st.just(0.0), st.floats(min_value=1e-6, max_value=1e15)),
    ratio=st.floats(min_value=1.001, max_value=1e4),
    log=st.booleans(),
    dimension=st.sampled_from(["", "percent", "multiplier"]),
)
@settings(max_examples=400, deadline=None)
def test_every_tick_label_reads_back_as_the_value_at_its_position(lo, ratio, log, dimension):
    hi = max(lo * ratio, lo + 1e-3)
    if log and lo <= 0:
        lo = hi / ratio
    scale = Scale(lo, hi, 0, 600, log=log and lo > 0 and hi / lo > LOG_RATIO)
    ticks = value_ticks(scale, lambda v: number_label(v, dimension=dimension))
    assert ticks, (lo, hi)
    for tick in ticks:
        read = read_quantity(tick.label)
        assert read.bound == Bound.EXACT
        assert read.point == approx(tick.value, rel=1e-12, abs=1e-12), tick
        assert tick.pos == scale(read.point)
    if not scale.log and len(ticks) > 1:
        step = ticks[1].value - ticks[0].value
        assert f"{step:.6e}"[0] in "125" and f"{step:.6e}"[1:8] == ".000000"


def test_a_quarter_trillion_step_is_not_used_so_1_8t_sits_on_its_own_label():
    scale = value_scale([Interval(1e12, None, 1e12), Interval(1.8e12, None, 1.8e12)], 0, 600)
    labels = [t.label for t in value_ticks(scale, number_label)]
    assert "1.2T" not in labels and "1.25T" not in labels
    assert all(read_quantity(t).point in scale.ticks() for t in labels)


# --- a running total that fell ------------------------------------------------------------

DOWNLOADS = SimpleNamespace(
    **{**vars(PARAMS), "name": "Downloads", "slug": "downloads", "unit": "downloads"}
    | {"time_varying": True, "counting": "running_total"}
)
JAN, MAR, MAY = (datetime.date(2026, m, 1) for m in (1, 3, 5))


def downloads_fact(*values_and_periods, metric=DOWNLOADS):
    claims = []
    for value, start in values_and_periods:
        c = claim(value, metric=metric, as_of=(start, start + datetime.timedelta(days=27)))
        c.as_of_display = start.strftime("%b %Y")
        claims.append(c)
    fact = SimpleNamespace(subject=SimpleNamespace(name="Qwen", pk=1), metric=metric)
    fact.claims = claims
    return fact


def test_the_time_chart_marks_a_running_total_that_fell_on_the_later_point():
    fact = downloads_fact(("over 1 billion", JAN), ("600 million", MAR), ("1.2 billion", MAY))
    earlier, fell, rose = fact.claims
    chart = fact_chart(fact)
    marks = {mark.claim.pk: mark for mark in chart.marks}
    assert [mark.claim.pk for mark in chart.marks if mark.fall] == [fell.pk]
    assert marks[rose.pk].fall is None  # rising again is a time series, not a fall
    fall = marks[fell.pk].fall
    assert fall.text == "fell from over 1 billion to 600 million"
    assert fall.ring == marks[fell.pk].dots[0]
    assert fall.drop == (*marks[earlier.pk].dots[0], *marks[fell.pk].dots[0])
    x, y, anchor = fall.label
    # Beside the ring, to its right: clear of the drop line coming in from the upper left.
    assert (anchor, y) == ("start", fall.ring[1] + 4) and fall.ring[0] < x < chart.right
    assert "fell from over 1 billion to 600 million" in marks[fell.pk].title
    assert "The total fell from over 1 billion (Jan 2026) to 600 million (Mar 2026)" in chart.desc
    html = render_to_string("web/charts/chart.html", {"chart": chart})
    assert html.count('class="fall-ring"') == 1 and html.count('class="fall-drop"') == 1
    assert "▼ fell from over 1 billion to 600 million</text>" in html
    assert 'data-fell-from="fell from over 1 billion to 600 million"' in html
    caption = html[html.index("<figcaption>") : html.index("</figcaption>")]
    assert "The total fell." in caption and "(Mar 2026): a running total cannot fall" in caption


@pytest.mark.parametrize(
    ("metric", "values"),
    [
        # A level may go down (users leave); only a running total cannot fall.
        (SimpleNamespace(**{**vars(DOWNLOADS), "counting": "level"}), ("1 billion", "600 million")),
        # A rising total, and a later figure whose range still reaches the earlier one.
        (DOWNLOADS, ("600 million", "1 billion")),
        (DOWNLOADS, ("about 1 billion", "900 million to 1.1 billion")),
    ],
)
def test_no_fall_is_marked_where_the_rule_finds_none(metric, values):
    chart = fact_chart(downloads_fact((values[0], JAN), (values[1], MAR), metric=metric))
    assert chart is not None and not chart.falls
    html = render_to_string("web/charts/chart.html", {"chart": chart})
    assert "fall-ring" not in html and "The total fell" not in html


def test_the_chart_marks_a_fall_exactly_where_detection_explains_the_total_fell():
    """One rule: the chart's marks and ``conflicts.detect``'s "the total fell" findings agree."""
    from claims import conflicts
    from claims.values.claim_value import ClaimValue

    fact = downloads_fact(
        ("over 1 billion", JAN), ("600 million", MAR), ("700 million", MAY), ("2 billion", JAN)
    )
    rules = conflicts.Rules("quantity", time_varying=True, counting="running_total")
    facts = [
        ClaimValue.from_columns(c).facts(c.pk, c.value_text, "", c.as_of_start, c.as_of_end)
        for c in fact.claims
    ]
    fell = {f.a for f in conflicts.detect(facts, rules) if "the total fell" in f.explanation}
    fell |= {f.b for f in conflicts.detect(facts, rules) if "the total fell" in f.explanation}
    later = {c.pk for c in fact.claims[1:3]}
    assert fell & later == later
    assert {mark.claim.pk for mark in fact_chart(fact).marks if mark.fall} == later


def test_a_dispute_over_a_fall_rings_the_later_claim_and_says_so():
    fact = downloads_fact(("over 1 billion", JAN), ("600 million", MAR))
    before, after = fact.claims
    chart = dispute_chart(dispute(after, before, metric=DOWNLOADS))
    marked = [mark for mark in chart.marks if mark.fall]
    assert [mark.claim.pk for mark in marked] == [after.pk]
    assert marked[0].fall.label[1] > marked[0].fall.ring[1] and marked[0].fall.drop is None
    html = render_to_string("web/charts/chart.html", {"chart": chart})
    assert "▼ fell from over 1 billion to 600 million" in html and "The total fell." in html


def test_the_metric_chart_rings_a_fall_within_one_entity_never_across_entities():
    qwen = downloads_fact(("over 1 billion", JAN), ("600 million", MAR))
    other = downloads_fact(("50 million", MAY))  # below Qwen's, later: another entity's total
    other.subject = SimpleNamespace(name="Qwen-Coder", pk=2)
    chart = metric_chart(DOWNLOADS, [qwen, other])
    assert [mark.claim.pk for mark in chart.marks if mark.fall] == [qwen.claims[1].pk]
    fall = chart.falls[0]
    assert fall.label is None and fall.sentence.startswith("Qwen: The total fell from over 1")
    html = render_to_string("web/charts/chart.html", {"chart": chart})
    assert html.count('class="fall-ring"') == 1 and "Qwen: The total fell from" in html

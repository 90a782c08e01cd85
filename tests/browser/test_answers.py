"""Trustworthy answers in a real browser: the home page's current values, a fall marked."""

import datetime

import pytest
from playwright.sync_api import expect

from claims import services
from claims.models import Entity, Metric
from sources.models import Publisher
from sources.services import source_save
from tests.browser.chromium import DESKTOP, PHONE

pytestmark = pytest.mark.django_db(transaction=True)


def test_home_shows_qwens_current_values_with_grade_and_why_and_fits_a_phone(
    live_server, browser, seed_kb
):
    for viewport in (DESKTOP, PHONE):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        page.goto(live_server.url + "/")
        section = page.locator("section[aria-labelledby=headline-title]")
        expect(section.get_by_role("heading", level=2)).to_have_text("Qwen today")
        largest = section.locator("#headline-largest-model-parameters")
        expect(largest.locator(".headline-value")).to_contain_text("> 1 trillion parameters")
        expect(largest.locator(".current-why .grade")).to_have_text("C")
        expect(largest.locator(".current-why .why")).to_have_text("most reliable source: C")
        latest = section.locator("#headline-latest-generation")
        expect(latest.locator(".why")).to_contain_text("latest period: 2026-03")
        expect(section.locator("li.headline-fact")).to_have_count(6)
        assert page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        ), viewport
        box = section.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
        context.close()


def test_the_time_chart_marks_downloads_that_fell(live_server, page, seed_kb):
    digest = source_save(
        key="march-digest",
        title="March downloads digest",
        publisher=Publisher.objects.order_by("pk").first(),
        text="",
        published=datetime.date(2026, 3, 20),
        published_precision="day",
        reliability="D",
    )
    services.claim_create(
        subject=Entity.objects.get(slug="qwen"),
        metric=Metric.objects.get(slug="hugging-face-downloads"),
        source=digest,
        value_text="600 million",
        quote="600 million downloads",
        status="accepted",
    )
    page.goto(live_server.url + "/entities/qwen/")
    page.locator("#fact-hugging-face-downloads > details > summary").click()
    chart = page.locator("#fact-hugging-face-downloads figure.chart")
    fall = chart.locator("svg g.fall")
    expect(fall).to_have_count(1)
    expect(fall.locator("circle.fall-ring")).to_be_visible()
    expect(fall.locator("text.fall-label")).to_have_text(
        "▼ fell from over 1 billion to 600 million"
    )
    expect(chart.locator("figcaption .fall-note")).to_contain_text(
        "The total fell from over 1 billion (2026-01-21 – 2026-01-31) to 600 million (2026-03-20)"
    )
    label, plot = (
        fall.locator("text.fall-label").bounding_box(),
        chart.locator("svg").bounding_box(),
    )
    assert plot["x"] <= label["x"] and label["x"] + label["width"] <= plot["x"] + plot["width"]
    assert page.console_errors == []

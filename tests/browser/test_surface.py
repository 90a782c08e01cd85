"""Search across everything, facets, feeds, fact-check markup and the phone layout, in a browser."""

import json
import re

import pytest
from playwright.sync_api import expect

from claims import services
from claims.models import Contradiction
from tests.browser.chromium import PHONE

pytestmark = pytest.mark.django_db(transaction=True)


def search(page, base: str, text: str) -> None:
    page.goto(base + "/")
    page.get_by_label("Search entities").fill(text)
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/search/\?q="))


def test_search_finds_a_publisher_a_name_without_dots_and_a_metric(live_server, page, seed_kb):
    search(page, live_server.url, "KrASIA")
    publishers = page.locator("section.result-publishers")
    expect(publishers.locator("a.exact")).to_have_text("KrASIA")
    search(page, live_server.url, "qwen35max")
    entities = page.locator("section.result-entities .results > li > a")
    expect(entities.first).to_have_text("Qwen3.5-Max")
    search(page, live_server.url, "parameters")
    expect(page.locator("section.result-metrics")).to_contain_text("Total parameters")
    page.locator("section.result-metrics").get_by_role("link", name="Total parameters").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Total parameters")
    assert page.console_errors == []


def test_a_facet_value_filters_the_list_and_its_cross_clears_it(live_server, page, seed_kb):
    page.goto(live_server.url + "/disputes/?status=")
    facet = page.locator('.facet[data-facet="metric"] li').first
    label = facet.locator("a").first.inner_text()
    count = int(facet.locator(".count").inner_text())
    facet.locator("a").first.click()
    expect(page).to_have_url(re.compile(r"metric="))
    pairs = page.get_by_role("link", name="one row per pair of claims")
    pairs.click()
    expect(page.locator(".result-count")).to_contain_text(f"{count} pair")
    chosen = page.locator('.facet[data-facet="metric"] li.selected')
    expect(chosen).to_contain_text(label)
    chosen.locator("a.facet-clear").click()
    expect(page).not_to_have_url(re.compile(r"metric="))
    assert page.console_errors == []


def test_pages_announce_their_atom_feeds(live_server, page, seed_kb):
    page.goto(live_server.url + "/metrics/total-parameters/")
    links = page.locator('link[rel="alternate"][type="application/atom+xml"]')
    expect(links).to_have_count(2)
    href = links.first.get_attribute("href")
    assert href == "/feeds/disputes/new/metric/total-parameters/"
    feed = page.request.get(live_server.url + href)
    assert feed.ok and "<feed" in feed.text()
    page.get_by_role("link", name="New disputes about Total parameters").click()
    assert page.url.endswith(href)


def test_claim_review_json_ld_is_readable_under_the_csp(live_server, page, seed_kb):
    record = Contradiction.objects.filter(kind="discrepancy", status="open").first()
    services.contradiction_resolve(
        contradiction=record, preferred_claim=record.claim_b, note="The later figure holds."
    )
    response = page.goto(live_server.url + f"/disputes/{record.pk}/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    text = page.locator('script[type="application/ld+json"]').text_content()
    review = json.loads(text)
    assert review["@type"] == "ClaimReview" and review["itemReviewed"]["@type"] == "Claim"
    assert page.console_errors == []  # a data block breaks no Content-Security-Policy


def test_the_home_disputes_and_metric_tables_fit_375px_with_whole_badges(
    live_server, browser, seed_kb
):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    for path, table in (
        ("/", "table.fact-disputes"),
        ("/metrics/largest-model-parameters/", "table.sortable"),
    ):
        page.goto(live_server.url + path)
        scroller = page.locator(table).locator("xpath=..")
        assert scroller.evaluate("e => e.scrollWidth <= e.clientWidth"), path
        assert page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        ), path
        badges = page.locator(f"{table} .grade, {table} .badge")
        assert badges.count() > 0, path
        for badge in badges.all():
            box = badge.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (path, box)
            assert badge.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), path
    context.close()


def test_the_home_disputes_table_sets_its_values_in_the_pages_font(live_server, page, seed_kb):
    page.goto(live_server.url + "/")
    body_font = page.evaluate("getComputedStyle(document.body).fontFamily")
    values = page.locator("table.fact-disputes .side-value")
    assert values.count() > 0
    for value in values.all():
        font = value.evaluate("e => getComputedStyle(e).fontFamily")
        assert font == body_font and "Georgia" not in font, font

"""A researcher's path through the seed knowledge base, in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from claims.models import Claim
from tests import factories
from tests.browser.chromium import PHONE

pytestmark = pytest.mark.django_db(transaction=True)

XSS = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">'


def no_horizontal_scroll(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_search_open_the_entity_expand_parameters_and_follow_the_dispute(
    live_server, page, seed_kb
):
    page.goto(live_server.url + "/")
    page.get_by_label("Search entities by name or alias").fill("Qwen3.5-Max")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/search/\?q=Qwen3.5-Max"))

    page.get_by_role("link", name="Qwen3.5-Max Preview", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Qwen3.5-Max Preview")

    row = page.locator("#fact-total-parameters")
    quote = row.locator(".claim .quote").first
    expect(quote).to_be_hidden()
    row.locator("summary").first.click()
    expect(quote).to_have_text("boasting over 1 trillion parameters")
    expect(row.locator(".claim-meta").first).to_contain_text("Qwen Alibaba Weekly Insight Report")

    # The same words also state Qwen's largest-model parameter count, which seed 004 disputes.
    row.get_by_role("link", name=re.compile("see the dispute")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Discrepancy")
    quotes = page.locator(".claim-card .quote")
    expect(quotes).to_have_count(2)
    expect(quotes.nth(0)).to_contain_text("boasting over 1 trillion parameters")
    expect(quotes.nth(1)).to_contain_text("exceeding 1.8 trillion")
    chart = page.locator("figure.chart svg")
    expect(chart).to_be_visible()
    expect(chart.locator("g.mark")).to_have_count(2)
    expect(chart.locator("polygon")).to_have_count(2)  # both figures are open above
    expect(chart.locator("text.mark-label").nth(1)).to_have_text("exceeding 1.8 trillion (E)")
    assert page.console_errors == []


def test_the_metric_chart_has_a_mark_per_claim(live_server, page, seed_kb):
    claims = Claim.objects.filter(metric__slug="total-parameters").exclude(status="rejected")
    page.goto(live_server.url + "/metrics/total-parameters/")
    marks = page.locator("figure.chart svg g.mark")
    expect(marks).to_have_count(claims.count())
    drawn = {int(pk) for pk in marks.evaluate_all("ms => ms.map(m => m.dataset.claim)")}
    assert drawn == set(claims.values_list("pk", flat=True))

    page.get_by_role("link", name="Current value").click()  # sort by value, ascending
    first_row = page.locator("table.sortable tbody tr").first
    expect(first_row).to_contain_text("Qwen 7B")
    marks.last.locator("a").focus()  # marks are links, reachable from the keyboard
    expect(marks.last.locator("a")).to_be_focused()


def test_a_quote_with_markup_renders_as_inert_text(live_server, page, seed_kb):
    model = factories.entity(name="Inert Model")
    factories.claim(subject=model, value="27B", quote=XSS + " 27B")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    page.goto(live_server.url + f"/entities/{model.slug}/")
    page.locator(".fact summary").first.click()
    quote = page.locator(".claim .quote").first
    expect(quote).to_have_text(XSS + " 27B")
    assert quote.locator("script, img").count() == 0
    page.goto(live_server.url + "/search/?q=window.__xss")
    snippet = page.locator(".results .snippet").first
    expect(snippet).to_contain_text(XSS)
    assert snippet.locator("script, img").count() == 0 and snippet.locator("mark").count() > 0
    assert page.evaluate("window.__xss") is None and dialogs == []


PHONE_PAGES = [
    "/",
    "/search/?q=Qwen",
    "/entities/",
    "/entities/qwen/",
    "/metrics/",
    "/metrics/total-parameters/",
    "/disputes/",
    "/publishers/krasia/",
    "/entities/no-such-thing/",
]


def test_pages_fit_a_375px_screen_without_horizontal_scrolling(live_server, browser, seed_kb):
    dispute = live_server.url + "/disputes/?group=pair"
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(dispute)
    dispute_url = page.locator("table.disputes tbody a").first.get_attribute("href")
    page.goto(live_server.url + dispute_url)
    source_url = page.locator(".claim-card a[href*='/sources/']").first.get_attribute("href")
    for path in [*PHONE_PAGES, dispute_url, source_url.split("#")[0]]:
        page.goto(live_server.url + path)
        for summary in page.locator(".fact > details > summary").all()[:5]:
            summary.click()  # open rows hold quotes and charts: they must fit too
        assert no_horizontal_scroll(page), path
    chart = page.locator("figure.chart svg.compact")
    page.goto(live_server.url + dispute_url)
    box = chart.bounding_box()
    assert (
        box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    )  # the dispute's line fits whole
    context.close()
    assert [e for e in errors if "404" not in e] == []


def test_keyboard_users_can_skip_to_the_content_and_see_focus(live_server, page, seed_kb):
    page.goto(live_server.url + "/entities/qwen/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_the_entity_page_shows_each_current_values_grade_and_why(live_server, page, seed_kb):
    page.goto(live_server.url + "/entities/qwen/")
    row = page.locator("#fact-largest-model-parameters summary")
    expect(row.locator(".fact-value")).to_contain_text("> 1 trillion parameters")
    expect(row.locator(".current-why .grade")).to_have_text("C")
    expect(row.locator(".current-why .why")).to_have_text("most reliable source: C")
    latest = page.locator("#fact-latest-generation summary .current-why")
    expect(latest.locator(".grade")).to_have_text("B")
    expect(latest.locator(".why")).to_contain_text("latest period: 2026-03")
    assert page.console_errors == []


def test_a_quote_on_a_source_without_text_is_marked_unverified(live_server, page, seed_kb):
    model = factories.entity(name="Unverified Model")
    factories.claim(subject=model, value="27B", quote="it has 27B")
    page.goto(live_server.url + f"/entities/{model.slug}/")
    page.locator(".fact summary").first.click()
    expect(page.locator(".claim .badge-unverified")).to_have_text("unverified quote")
    page.goto(live_server.url + "/entities/qwen/")
    assert page.locator(".badge-unverified").count() == 0  # the seed's quotes are verified

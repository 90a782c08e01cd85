"""The editor's claim list reads whole in a desktop window, in a real browser."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_column_of_the_claim_list_is_in_view_without_scrolling_sideways(live_server, page):
    """Nine columns and the filters beside them, with names and titles as long as the seed's:
    status, rank and "disputed" must not be off to the right of a 1280-pixel window."""
    subject = factories.entity(name="Qwen3.5-Max Preview Instruct")
    metric = factories.metric(slug="carbon", name="Carbon footprint reduction per query")
    title = "Qwen Alibaba Weekly Insight Report March 28, 2026: a professional analysis"
    for number in range(3):
        factories.claim(
            subject=subject,
            metric_=metric,
            src=factories.source(title=f"{title} ({number})"),
            value=f"exceeding {number + 1}.8 trillion",
        )
    # A superuser: the groups made by a migration are gone after another browser test's flush.
    User.objects.create_superuser("rita", "rita@example.invalid", "lists-pass-1")
    page.goto(live_server.url + "/admin/login/?next=/admin/claims/claim/")
    page.get_by_label("Username").fill("rita")
    page.get_by_label("Password").fill("lists-pass-1")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(3)
    scroll, shown = page.evaluate(
        "(() => { const r = document.querySelector('#changelist .results');"
        " return [r.scrollWidth, r.clientWidth]; })()"
    )
    assert scroll <= shown, f"the list is {scroll} px wide in {shown} px"
    for column in ("status", "rank", "disputed_flag"):
        expect(page.locator(f"#result_list th.column-{column}")).to_be_in_viewport()
    expect(page.locator("#nav-sidebar")).to_have_count(0)
    assert page.console_errors == []  # nothing missing: the admin's pages name their icon

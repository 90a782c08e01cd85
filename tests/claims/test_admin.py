"""Curation through the admin's own views, logged in as an editor or a reviewer."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.html import escape
from django.utils.text import Truncator

from claims.admin import claims as claims_admin
from claims.models import Claim, Contradiction, Entity
from tests import factories
from tests.claims.test_as_of_text_ways_in import _posted

pytestmark = pytest.mark.django_db


def changelist(model: str) -> str:
    return reverse(f"admin:claims_{model}_changelist")


@pytest.fixture
def group():
    """Two claims on one subject+metric whose figures disagree (1T vs 1.8T)."""
    subject, metric = factories.entity(name="Qwen"), factories.metric(slug="largest")
    a = factories.claim(subject=subject, metric_=metric, value="over 1 trillion").claim
    b = factories.claim(subject=subject, metric_=metric, value="exceeding 1.8 trillion").claim
    return subject, metric, a, b


def claim_form(subject, metric, source, **extra) -> dict:
    return {
        "subject": subject.pk,
        "metric": metric.pk,
        "source": source.pk,
        "value_text": "about 30B",
        "quote": "about 30B parameters",
        "status": "proposed",
        "rank": "normal",
        "as_of": "",
        "notes": "",
        "reason": "read it in the report",
        **extra,
    }


def test_editor_adds_claim_through_admin(editor_client, editor):
    subject, metric = factories.entity(), factories.metric()
    src = factories.source(text="a model with about 30B parameters")
    response = editor_client.post(
        reverse("admin:claims_claim_add"), claim_form(subject, metric, src)
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    claim = Claim.objects.get()
    assert (claim.bound, claim.point, claim.added_by) == ("approximate", 30e9, editor)
    assert claim.history.first().history_change_reason == "read it in the report"


def test_admin_shows_value_errors_on_their_fields(editor_client):
    subject, metric = factories.entity(), factories.metric()
    src = factories.source(text="a model with about 30B parameters")
    form = claim_form(subject, metric, src, value_text="lots", quote="not in the text")
    response = editor_client.post(reverse("admin:claims_claim_add"), form)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "lots" in errors["value_text"][0]
    assert "not found verbatim" in errors["quote"][0]
    assert not Claim.objects.exists()


def test_changelist_filters_and_search(editor_client, group):
    *_, a, b = group
    response = editor_client.get(changelist("claim"), {"q": "1.8 trillion"})
    assert list(response.context["cl"].result_list) == [b]
    disputed = editor_client.get(changelist("claim"), {"disputed": "yes"})
    assert set(disputed.context["cl"].result_list) == {a, b}
    # Said in words, not with the admin's green tick (which reads as "fine").
    factories.claim(value="7B")  # disputed by nothing
    rows = editor_client.get(changelist("claim")).content.decode().split('id="result_list"')[1]
    assert rows.count('<td class="field-disputed_flag">yes</td>') == 2
    assert rows.count('<td class="field-disputed_flag">no</td>') == 1
    assert "icon-yes.svg" not in rows and "icon-no.svg" not in rows
    for params in (
        {"status__exact": "accepted"},
        {"subject__kind__exact": "model"},
        {"source__reliability": "B"},
    ):
        assert editor_client.get(changelist("claim"), params).status_code == 200


def test_changelist_cuts_a_long_source_title_visibly_and_keeps_it_whole_on_hover(editor_client):
    long = "Qwen 50% %s <b>" + "a very long headline about parameters " * 4
    factories.claim(src=factories.source(title=long), value="27B")
    factories.claim(src=factories.source(title="Short title"), value="28B")
    html = editor_client.get(changelist("claim")).content.decode()
    shown = escape(Truncator(long).chars(claims_admin.SOURCE_TITLE_CHARS))
    assert shown.endswith("…") and len(Truncator(long).chars(60)) == 60
    assert f'title="{escape(long)}">{shown}</a>' in html
    assert 'title="Short title">Short title</a>' in html
    assert "<b>" not in html.split('id="result_list"')[1].split("</table>")[0]
    # The column keeps room for a title: the list links the rule that gives it.
    assert 'href="/static/claims/admin.css"' in html
    css = (settings.BASE_DIR / "claims" / "static" / "claims" / "admin.css").read_text()
    assert "td.field-source_link" in css and "min-width" in css


def test_change_page_shows_value_as_written_and_read(editor_client, group):
    *_, a, _ = group
    page = editor_client.get(reverse("admin:claims_claim_change", args=[a.pk])).content.decode()
    assert "over 1 trillion" in page
    assert "&gt; 1 trillion parameters" in page


def test_editor_cannot_accept_but_reviewer_can(editor_client, reviewer_client):
    claim = factories.claim(status="proposed").claim
    data = {"action": "accept", "_selected_action": [claim.pk]}
    editor_client.post(changelist("claim"), data)
    claim.refresh_from_db()
    assert claim.status == "proposed"
    reviewer_client.post(changelist("claim"), data)
    claim.refresh_from_db()
    assert claim.status == "accepted"


def test_reviewer_rejects_and_prefers(reviewer_client, group):
    *_, a, b = group
    reviewer_client.post(changelist("claim"), {"action": "prefer", "_selected_action": [a.pk]})
    reviewer_client.post(changelist("claim"), {"action": "reject", "_selected_action": [b.pk]})
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.rank, b.status) == ("preferred", "rejected")


def test_merge_action(editor_client):
    survivor = factories.entity(name="Qwen3.5")
    duplicate = factories.entity(name="Qwen 3.5 family")
    factories.claim(subject=duplicate)
    data = {"action": "merge", "_selected_action": [survivor.pk, duplicate.pk]}
    page = editor_client.post(changelist("entity"), data)
    assert b"Choose the entity that survives" in page.content
    editor_client.post(changelist("entity"), data | {"survivor": survivor.pk, "reason": "same"})
    assert list(Entity.objects.all()) == [survivor]
    assert survivor.claims.count() == 1
    assert survivor.aliases.get().name == "Qwen 3.5 family"


def test_contradiction_side_by_side_and_resolve(reviewer_client, reviewer, group):
    *_, a, b = group
    record = Contradiction.objects.get()
    url = reverse("admin:claims_contradiction_change", args=[record.pk])
    page = reviewer_client.get(url).content.decode()
    assert "Claim A" in page and "Claim B" in page and a.quote in page and b.quote in page
    response = reviewer_client.post(url, {"decision": "b", "note": ""})
    assert "Say why" in response.content.decode()
    reviewer_client.post(url, {"decision": "b", "note": "1.8T is the later figure"})
    record.refresh_from_db()
    a.refresh_from_db()
    b.refresh_from_db()
    assert (record.status, record.preferred_claim, record.resolved_by) == ("resolved", b, reviewer)
    assert (a.rank, b.rank) == ("deprecated", "preferred")


def test_contradictions_listed_by_severity_and_dismissed_in_bulk(reviewer_client):
    subject, metric = factories.entity(), factories.metric()
    factories.claim(subject=subject, metric_=metric, value="1 billion")
    factories.claim(subject=subject, metric_=metric, value="2 billion")
    factories.claim(subject=subject, metric_=metric, value="10 billion")
    response = reviewer_client.get(changelist("contradiction"))
    severities = [r.severity for r in response.context["cl"].result_list]
    assert severities == sorted(severities, reverse=True) and len(severities) == 3
    top = Contradiction.objects.order_by("-severity").first()
    data = {"action": "settle_selected", "_selected_action": [top.pk]}
    page = reviewer_client.post(changelist("contradiction"), data)
    assert b"Apply decisions" in page.content
    reviewer_client.post(
        changelist("contradiction"),
        data | {"settle": "1", f"c{top.pk}-decision": "dismiss", f"c{top.pk}-note": "units differ"},
    )
    top.refresh_from_db()
    assert (top.status, top.resolution_note) == ("dismissed", "units differ")


def test_editor_cannot_settle_contradictions(editor_client, group):
    record = Contradiction.objects.get()
    url = reverse("admin:claims_contradiction_change", args=[record.pk])
    assert editor_client.get(url).status_code == 200  # can look
    editor_client.post(url, {"decision": "a", "note": "no"})
    record.refresh_from_db()
    assert record.status == "open"


def test_history_shows_changes_and_reverts(reviewer_client):
    claim = factories.claim(value="27B", quote="q").claim
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    form = {
        "subject": claim.subject_id,
        "metric": claim.metric_id,
        "source": claim.source_id,
        "value_text": "35B",
        "quote": "q: 35B",
        "status": "accepted",
        "rank": "normal",
        "as_of": "",
        "notes": "",
        "reason": "corrected",
    }
    assert reviewer_client.post(url, form).status_code == 302
    history = reviewer_client.get(reverse("admin:claims_claim_history", args=[claim.pk]))
    page = history.content.decode()
    assert "corrected" in page and "35B" in page and "27B" in page
    first = claim.history.earliest()
    revert_url = reverse("admin:claims_claim_simple_history", args=[claim.pk, first.history_id])
    revert_form = form | {"value_text": "27B", "quote": "q: 27B", "reason": "revert"}
    assert reviewer_client.post(revert_url, revert_form).status_code == 302
    claim.refresh_from_db()
    assert (claim.value_text, claim.point) == ("27B", 27e9)


def test_source_page_lists_its_claims_inline(editor_client):
    src = factories.source(text="It has 27B parameters.")
    factories.claim(src=src, value="27B", quote="27B parameters")
    page = editor_client.get(reverse("admin:sources_source_change", args=[src.pk]))
    assert b"27B parameters" in page.content
    assert page.context["inline_admin_formsets"][0].formset.model is Claim


def test_a_source_saved_from_its_page_keeps_quotes_across_lines(editor_client):
    """A browser sends a textarea's line breaks as CRLF whatever the page showed; a quote
    across a line break must still be found, and the text is stored as it was."""
    text = "Intro.\n\n  \u2022 It has 27B parameters\nin all.\rEnd."
    src = factories.source(text=text)
    assert src.text == "Intro.\n\n  \u2022 It has 27B parameters\nin all.\nEnd."  # one form
    factories.claim(src=src, value="27B", quote="\u2022 It has 27B parameters\nin all.")
    url = reverse("admin:sources_source_change", args=[src.pk])
    page = editor_client.get(url)
    data = _posted(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        data |= _posted(inline.formset.management_form)
        for form in inline.formset.forms:
            data |= _posted(form)
    # As a browser posts it: the source's text and each inline claim's quote with CRLF.
    data = {
        key: value.replace("\n", "\r\n") if isinstance(value, str) else value
        for key, value in data.items()
    }
    data |= {"title": "Checked title", "text": src.text.replace("\n", "\r\n")}
    response = editor_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    src.refresh_from_db()
    assert src.title == "Checked title" and src.text == text.replace("\r", "\n")
    assert src.claims.get().quote == "\u2022 It has 27B parameters\nin all."

    # A text that drops the quote is still refused, naming the claim.
    data["text"] = "Intro.\r\nEnd."
    refused = editor_client.post(url, data)
    assert refused.status_code == 200
    assert "The new text breaks quotes: claim" in refused.content.decode()
    src.refresh_from_db()
    assert src.text == text.replace("\r", "\n")


def test_entity_aliases_inline_refuse_collisions(editor_client):
    factories.entity(name="Qwen", aliases=["Tongyi Qianwen"])
    response = editor_client.post(
        reverse("admin:claims_entity_add"),
        {
            "name": "Other",
            "slug": "other",
            "kind": "model",
            "description": "",
            "aliases-TOTAL_FORMS": "1",
            "aliases-INITIAL_FORMS": "0",
            "aliases-0-name": "tongyi qianwen",
        },
    )
    assert response.status_code == 200
    assert "collides with Qwen" in response.content.decode()
    assert not Entity.objects.filter(slug="other").exists()


def test_metric_change_that_breaks_claims_is_refused_on_the_form(editor_client):
    metric = factories.metric()
    factories.claim(metric_=metric, value="27B")
    url = reverse("admin:claims_metric_change", args=[metric.pk])
    form = {
        "name": metric.name,
        "slug": metric.slug,
        "description": "",
        "value_type": "date",
        "dimension": "",
        "unit": "",
        "tolerance": "0.05",
        "bound_ratio": "1.5",
        "counting": "level",
        "single_valued": "on",
        "reason": "",
    }
    response = editor_client.post(url, form)
    assert response.status_code == 200
    assert "would no longer read" in response.content.decode()
    metric.refresh_from_db()
    assert metric.value_type == "quantity"
    ok = editor_client.post(
        url,
        form
        | {
            "value_type": "quantity",
            "dimension": "number",
            "unit": "parameters",
            "tolerance": "0.1",
        },
    )
    assert ok.status_code == 302
    metric.refresh_from_db()
    assert metric.tolerance == 0.1


def test_editor_adds_and_renames_entity_through_admin(editor_client, editor):
    add = {
        "name": "Qwen3.5-27B",
        "slug": "qwen3-5-27b",
        "kind": "model",
        "description": "",
        "reason": "new model",
        "aliases-TOTAL_FORMS": "1",
        "aliases-INITIAL_FORMS": "0",
        "aliases-0-name": "Qwen 3.5 27B dense",
    }
    assert editor_client.post(reverse("admin:claims_entity_add"), add).status_code == 302
    entity = Entity.objects.get(slug="qwen3-5-27b")
    assert entity.aliases.get().name == "Qwen 3.5 27B dense"
    assert entity.history.first().history_user == editor
    change = add | {
        "description": "Dense model.",
        "aliases-INITIAL_FORMS": "1",
        "aliases-0-id": entity.aliases.get().pk,
        "aliases-0-entity": entity.pk,
    }
    assert (
        editor_client.post(
            reverse("admin:claims_entity_change", args=[entity.pk]), change
        ).status_code
        == 302
    )
    entity.refresh_from_db()
    assert entity.description == "Dense model."


def test_editor_adds_publisher_and_source_through_admin(editor_client):
    from sources.models import Publisher, Source

    response = editor_client.post(
        reverse("admin:sources_publisher_add"),
        {
            "name": "KrASIA",
            "slug": "krasia",
            "url": "https://kr-asia.com",
            "reliability": "B",
            "description": "",
        },
    )
    assert response.status_code == 302
    publisher = Publisher.objects.get(slug="krasia")
    source = {
        "key": "krasia-wearables",
        "title": "Qwen wearables",
        "publisher": publisher.pk,
        "author": "",
        "url": "",
        "published": "2026-03-01",
        "published_precision": "month",
        "published_note": "",
        "language": "en",
        "reliability": "",
        "reliability_reason": "",
        "text": "",
        "reason": "",
    }
    assert editor_client.post(reverse("admin:sources_source_add"), source).status_code == 302
    assert Source.objects.get(key="krasia-wearables").reliability == "B"  # the publisher's grade


def test_entity_page_shows_its_fact_sheet(editor_client, group):
    subject, *_ = group
    page = editor_client.get(
        reverse("admin:claims_entity_change", args=[subject.pk])
    ).content.decode()
    assert "Fact sheet" in page and "disputed" in page and "&gt; 1.8 trillion parameters" in page


def test_editors_cannot_accept_through_the_claim_form(editor_client):
    subject, metric = factories.entity(), factories.metric()
    src = factories.source(text="a model with about 30B parameters")
    url = reverse("admin:claims_claim_add")
    page = editor_client.get(url).content.decode()
    assert 'name="status"' not in page  # shown read-only to editors
    editor_client.post(url, claim_form(subject, metric, src, status="accepted", rank="preferred"))
    claim = Claim.objects.get()
    assert (claim.status, claim.rank) == ("proposed", "normal")


def test_a_rate_added_in_the_admin_opens_its_contradiction_at_once(reviewer_client, reviewer):
    from claims.models import ExchangeRate

    subject, price = factories.entity(), factories.metric(dimension="money", unit="")
    factories.claim(subject=subject, metric_=price, value="RMB 8", quote="a")
    factories.claim(subject=subject, metric_=price, value="EUR 5", quote="b")
    assert not Contradiction.objects.exists()
    form = {"from_currency": "EUR", "to_currency": "CNY", "rate": "8", "note": "", "reason": "ECB"}
    response = reviewer_client.post(reverse("admin:claims_exchangerate_add"), form, follow=True)
    assert response.status_code == 200
    record = Contradiction.objects.get(subject=subject)
    assert record.status == "open"
    assert "Review it" in response.content.decode()
    rate = ExchangeRate.objects.get()
    assert (rate.history.get().history_user, rate.history.get().history_change_reason) == (
        reviewer,
        "ECB",
    )


def test_the_metric_form_runs_the_metric_service_once(editor_client, monkeypatch):
    from claims import services

    metric = factories.metric()
    factories.claim(metric_=metric, value="27B")
    calls = []
    real = services.metric_save
    monkeypatch.setattr(services, "metric_save", lambda **kw: calls.append(kw) or real(**kw))
    form = {
        "name": metric.name,
        "slug": metric.slug,
        "description": "",
        "value_type": "quantity",
        "dimension": "number",
        "unit": "parameters",
        "tolerance": "0.1",
        "bound_ratio": "1.5",
        "counting": "level",
        "single_valued": "on",
        "reason": "looser",
    }
    url = reverse("admin:claims_metric_change", args=[metric.pk])
    assert editor_client.post(url, form).status_code == 302
    assert len(calls) == 1 and calls[0]["reason"] == "looser"
    metric.refresh_from_db()
    assert metric.tolerance == 0.1


def test_aliases_removed_in_the_admin_go_through_the_service_with_history(editor_client, editor):
    from claims.models import EntityAlias

    entity = factories.entity(name="Qwen3.5-27B", aliases=["Qwen 3.5 27B dense"])
    alias = entity.aliases.get()
    form = {
        "name": entity.name,
        "slug": entity.slug,
        "kind": entity.kind,
        "description": "",
        "reason": "not a name anyone uses",
        "aliases-TOTAL_FORMS": "2",
        "aliases-INITIAL_FORMS": "1",
        "aliases-0-id": alias.pk,
        "aliases-0-entity": entity.pk,
        "aliases-0-name": alias.name,
        "aliases-0-DELETE": "on",
        "aliases-1-name": "Qwen-27B",
    }
    url = reverse("admin:claims_entity_change", args=[entity.pk])
    assert editor_client.post(url, form).status_code == 302
    assert list(entity.aliases.values_list("name", flat=True)) == ["Qwen-27B"]
    gone = EntityAlias.history.get(id=alias.pk, history_type="-")
    assert (gone.history_user, gone.history_change_reason) == (editor, "not a name anyone uses")

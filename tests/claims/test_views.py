"""The researcher pages: what each shows, how filters fail, escaping, and constant queries."""

import json
import re
from html import unescape
from html.parser import HTMLParser
from types import SimpleNamespace
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve
from django.views import defaults
from hypothesis import given, settings
from hypothesis import strategies as st

from claims import search, services
from claims.models import Claim, Contradiction, Entity
from claims.templatetags.claims_web import text_segments
from sources.models import Source
from tests import factories

pytestmark = pytest.mark.django_db

TEXT = (
    "Qwen3.5-Max Preview goes live. The largest non-thinking model in the Qwen series, "
    "boasting over 1 trillion parameters, is now available. It supports 100 languages."
)
XSS = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">'


@pytest.fixture
def kb():
    """A small knowledge base: one model whose parameter count two sources disagree on."""
    blog = factories.publisher(name="Weekly Insight Blog", reliability="C")
    agency = factories.publisher(name="Marketing Agency", reliability="E")
    weekly = factories.source(title="Weekly Insight, March 28", text=TEXT, pub=blog)
    analysis = factories.source(title="Comprehensive Analysis", pub=agency, published=None)
    family = factories.entity(name="Qwen3.5-Max", kind="model_family")
    model = factories.entity(name="Qwen3.5-Max Preview", parent=family, aliases=["Max Preview"])
    params = factories.metric(slug="total-parameters")
    first = factories.claim(
        subject=model,
        metric_=params,
        src=weekly,
        value="over 1 trillion",
        quote="boasting over 1 trillion parameters",
    ).claim
    second = factories.claim(
        subject=model,
        metric_=params,
        src=analysis,
        value="exceeding 1.8 trillion",
        quote="a total parameter count exceeding 1.8 trillion",
    ).claim
    return SimpleNamespace(
        blog=blog,
        agency=agency,
        weekly=weekly,
        analysis=analysis,
        family=family,
        model=model,
        params=params,
        first=first,
        second=second,
        dispute=Contradiction.objects.get(),
    )


def grow(kb, n: int) -> None:
    """Add ``n`` of everything each page lists: entities, claims, disputes, sources, mentions."""
    relation = factories.metric(slug=f"flagship-{n}", value_type="entity")
    for i in range(n):
        other = factories.entity(name=f"Qwen3.5-Max Variant {i}", parent=kb.family)
        src = factories.source(title=f"Weekly Insight {i}", pub=kb.blog)
        for value in ("27B", "35B"):
            factories.claim(subject=other, metric_=kb.params, src=src, value=value)
        metric = factories.metric(slug=f"context-{n}-{i}", unit="tokens")
        for value in ("up to 1 million", "2 million"):
            factories.claim(subject=kb.model, metric_=metric, src=factories.source(), value=value)
        factories.claim(
            subject=kb.model,
            metric_=metric,
            src=kb.weekly,
            value="100",
            quote="It supports 100 languages",
        )
        factories.claim(
            subject=other,
            metric_=relation,
            src=kb.weekly,
            value=kb.model.name,
            quote="over 1 trillion parameters",
        )


def page_urls(kb) -> list[str]:
    """One URL of every page, with the data of ``kb``."""
    return [
        "/",
        "/search/?q=Qwen3.5-Max",
        "/entities/",
        "/entities/?kind=model",
        f"/entities/{kb.model.slug}/",
        "/metrics/",
        "/metrics/total-parameters/",
        "/metrics/total-parameters/?ordering=-value&kind=model",
        "/disputes/",
        f"/disputes/?subject={kb.model.slug}&metric=total-parameters&kind=discrepancy",
        f"/disputes/{kb.dispute.pk}/",
        f"/sources/{kb.weekly.pk}/",
        f"/publishers/{kb.blog.slug}/",
        "/sources/",
        f"/sources/?publisher={kb.blog.slug}&ordering=title",
        "/publishers/",
        "/publishers/?reliability=C&ordering=reliability",
        "/claims/",
        "/claims/?metric=total-parameters&kind=model",
    ]


def query_count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def text_of(response) -> str:
    """The page's text with tags removed and whitespace folded, for readable assertions."""
    return text_of_html(response.content.decode())


def text_of_html(html: str) -> str:
    text = unescape(re.sub(r"<[^>]+>", " ", html))
    return " ".join(text.split())


# --- each page ------------------------------------------------------------------------------


def test_home_shows_counts_worst_disputes_recent_claims_and_kinds(client, kb):
    response = client.get("/")
    assert response.status_code == 200
    text = text_of(response)
    assert "2 entities" in text and "2 claims" in text and "1 disputed fact " in text
    assert "Qwen3.5-Max Preview · Metric" in text  # the dispute, and the claims listed
    assert "1 source says > 1 trillion parameters (C), 1 says > 1.8 trillion parameters (E)" in text
    assert "1.8×" in text
    assert 'href="/entities/?kind=model_family"' in response.content.decode()
    assert 'role="search"' in response.content.decode()


def test_search_finds_entities_by_alias_claims_by_quote_and_sources_by_title(client, kb):
    by_alias = text_of(client.get("/search/", {"q": "max preview"}))
    assert "Qwen3.5-Max Preview" in by_alias and "also Max Preview" in by_alias
    by_quote = client.get("/search/", {"q": "total parameter count"})
    assert "exceeding 1.8 trillion" in text_of(by_quote)
    assert f'href="/entities/{kb.model.slug}/#claim-{kb.second.pk}"' in by_quote.content.decode()
    by_title = text_of(client.get("/search/", {"q": "comprehensive"}))
    assert "Sources 1" in by_title and "Comprehensive Analysis" in by_title
    nothing = client.get("/search/", {"q": "zzz"})
    assert "Nothing matches “zzz”" in text_of(nothing)
    assert client.get("/search/").status_code == 200


def test_entity_list_filters_by_kind_and_explains_a_bad_kind(client, kb):
    response = client.get("/entities/", {"kind": "model_family"})
    assert "Qwen3.5-Max" in text_of(response) and "Preview" not in text_of(response)
    bad = client.get("/entities/", {"kind": "spaceship"})
    assert bad.status_code == 400
    assert "kind" in text_of(bad) and "spaceship is not one of the available choices" in (
        text_of(bad)
    )


def test_entity_page_shows_the_fact_sheet_with_every_claim(client, kb):
    response = client.get(f"/entities/{kb.model.slug}/")
    html, text = response.content.decode(), text_of(response)
    assert "<h1>Qwen3.5-Max Preview</h1>" in html
    assert "Also called Max Preview" in text
    assert f'href="/entities/{kb.family.slug}/"' in html  # the parent
    row = html[html.index('id="fact-total-parameters"') :]
    assert "<details>" in row and "disputed" in row
    assert "1 of 2 sources agree" in text
    for claim in (kb.first, kb.second):
        assert f'id="claim-{claim.pk}"' in html
        assert claim.quote in html
    assert "Weekly Insight, March 28" in text and "Marketing Agency" in text
    assert 'class="grade grade-C"' in html and 'class="grade grade-E"' in html
    assert "published 2026-03-28" in text and "published date unknown" in text
    assert f'href="/disputes/{kb.dispute.pk}/"' in html
    assert f'href="/api/entities/{kb.model.slug}/facts/"' in html


def test_entity_children_and_claims_naming_the_entity(client, kb):
    grow(kb, 1)
    family = text_of(client.get(f"/entities/{kb.family.slug}/"))
    assert "Includes Qwen3.5-Max Preview Qwen3.5-Max Variant 0" in family
    model = text_of(client.get(f"/entities/{kb.model.slug}/"))
    assert "Facts that name Qwen3.5-Max Preview" in model
    assert "The same words in this source also support:" in model


def test_a_claim_links_to_the_dispute_of_another_fact_resting_on_the_same_quote(client, kb):
    qwen = factories.entity(name="Qwen", kind="model_family")
    largest = factories.metric(slug="largest-model-parameters")
    shared = factories.claim(
        subject=qwen,
        metric_=largest,
        src=kb.weekly,
        value="over 1 trillion",
        quote="The largest non-thinking model in the Qwen series, boasting over 1 trillion",
    ).claim
    factories.claim(subject=qwen, metric_=largest, value="exceeding 1.8 trillion")
    dispute = Contradiction.objects.get(claim_a=shared)
    html = client.get(f"/entities/{kb.model.slug}/").content.decode()
    first = html[html.index(f'id="claim-{kb.first.pk}"') :]
    passage = first[: first.index("</li>\n\n")]
    assert f'href="/entities/{qwen.slug}/#claim-{shared.pk}"' in passage
    assert f'href="/disputes/{dispute.pk}/"' in passage
    # The disputes of the entity's page and of the source's page are read by their claims'
    # ids: joined to the claims to match sources, they read every claim (0.7 s at a million).
    for url in (f"/entities/{kb.model.slug}/", f"/sources/{kb.weekly.pk}/"):
        with CaptureQueriesContext(connection) as queries:
            assert f'href="/disputes/{dispute.pk}/"' in client.get(url).content.decode()
        by_source = [q["sql"] for q in queries if '"claims_claim"."source_id" IN' in q["sql"]]
        by_ids = [q["sql"] for q in queries if '"claims_contradiction"."claim_a_id" IN' in q["sql"]]
        assert len(by_ids) == 1 and 'JOIN "claims_claim"' not in by_ids[0], url
        assert not any('FROM "claims_contradiction"' in sql for sql in by_source), url


def test_a_metric_with_several_values_at_once_lists_every_accepted_value(client, kb):
    platforms = factories.metric(slug="available-on", value_type="text", single_valued=False)
    for value in ("Qwen Chat", "Model Studio", "Qwen Chat"):
        factories.claim(subject=kb.model, metric_=platforms, value=value)
    factories.claim(subject=kb.model, metric_=platforms, value="Azure", status="proposed")
    text = text_of(client.get(f"/entities/{kb.model.slug}/"))
    assert "Qwen Chat, Model Studio 4 sources" in text  # the proposed "Azure" is not held


def test_alias_in_the_url_redirects_and_unknown_slug_is_a_friendly_404(client, kb):
    response = client.get("/entities/Max Preview/")
    assert response.status_code == 302 and response["Location"] == f"/entities/{kb.model.slug}/"
    missing = client.get("/entities/no-such-model/")
    assert missing.status_code == 404
    assert "Nothing here" in text_of(missing) and 'role="search"' in missing.content.decode()
    for url in ("/metrics/nope/", "/disputes/999/", "/sources/999/", "/publishers/nope/"):
        assert client.get(url).status_code == 404, url


def test_time_varying_metric_is_charted_on_the_entity_page(client, kb):
    users = factories.metric(slug="monthly-users", unit="users", time_varying=True)
    for value, as_of in (("100 million", "2025"), ("over 300 million", "March 2026")):
        factories.claim(subject=kb.model, metric_=users, value=value, as_of=as_of)
    html = client.get(f"/entities/{kb.model.slug}/").content.decode()
    row = html[html.index('id="fact-monthly-users"') :]
    svg = row[row.index("<svg") : row.index("</svg>")]
    assert svg.count('<g class="mark"') == 2
    assert "over time" in svg and "<desc" in svg
    assert "The chart as a table" in row


def test_metric_page_sorts_filters_and_charts_every_claim(client, kb):
    grow(kb, 2)
    response = client.get("/metrics/total-parameters/", {"ordering": "-value"})
    names = re.findall(
        r'<th scope="row"><a href="/entities/[^"]+#fact-[^"]+">([^<]+)</a>',
        (response.content.decode()),
    )
    assert names[0] == "Qwen3.5-Max Preview" and len(names) == 3
    ascending = client.get("/metrics/total-parameters/", {"ordering": "value"}).content.decode()
    assert ascending.index("Variant 0") < ascending.index("Qwen3.5-Max Preview</a>")
    svg = response.content.decode().split("<svg", 1)[1].split("</svg>")[0]
    assert svg.count('<g class="mark"') == 6  # 2 + 2 × 2 claims
    assert "log scale" in svg and "1T" in svg
    only_family = text_of(client.get("/metrics/total-parameters/", {"kind": "model_family"}))
    assert "No entity has a claim" in only_family
    children = text_of(client.get("/metrics/total-parameters/", {"parent": "Qwen3.5-Max"}))
    assert "Variant 1" in children


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"ordering": "size"}, "ordering", "size is not one of the available choices"),
        ({"parent": "Nobody"}, "parent", "No entity has the slug, name or alias “Nobody”."),
        ({"kind": "car"}, "kind", "car is not one of the available choices"),
    ],
)
def test_metric_page_says_which_filter_value_is_wrong(client, kb, query, field, message):
    response = client.get("/metrics/total-parameters/", query)
    assert response.status_code == 400
    assert f"{field} (" in text_of(response) and message in text_of(response)


def test_dispute_list_shows_open_ones_by_default_and_filters_like_the_api(client, kb):
    text = text_of(client.get("/disputes/"))
    assert "1 disputed fact" in text and "Qwen3.5-Max Preview · Metric" in text
    services.contradiction_dismiss(contradiction=kb.dispute, note="Both are lower bounds.")
    assert "0 disputed facts" in text_of(client.get("/disputes/"))
    assert "1 disputed fact" in text_of(client.get("/disputes/", {"status": ""}))
    for query in (
        {"status": "dismissed", "kind": "discrepancy"},
        {"status": "dismissed", "subject": "Max Preview", "metric": "total-parameters"},
        {"status": "dismissed", "severity_min": "1.5"},
    ):
        assert "1 disputed fact" in text_of(client.get("/disputes/", query)), query
    assert "0 disputed facts" in text_of(
        client.get("/disputes/", {"status": "", "severity_min": 2})
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"severity_min": "lots"}, "Enter a number."),
        ({"metric": "weight"}, "No metric has the slug “weight”."),
        ({"subject": "Nobody"}, "No entity has the slug, name or alias “Nobody”."),
        ({"status": "forgotten"}, "forgotten is not one of the available choices"),
    ],
)
def test_dispute_list_says_which_filter_value_is_wrong(client, kb, query, message):
    response = client.get("/disputes/", query)
    assert response.status_code == 400
    assert message in text_of(response) and next(iter(query)) in text_of(response)


def test_dispute_page_shows_both_claims_side_by_side_with_a_number_line(client, kb):
    response = client.get(f"/disputes/{kb.dispute.pk}/")
    html, text = response.content.decode(), text_of(response)
    assert "Discrepancy:" in text and "severity 1.8×" in text
    cards = html.split('<article class="claim-card')[1:]
    assert len(cards) == 2
    assert kb.first.quote in cards[0] and kb.second.quote in cards[1]
    assert "Weekly Insight, March 28" in cards[0] and "Comprehensive Analysis" in cards[1]
    assert "fairly reliable" in cards[0] and "unreliable" in cards[1]
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert svg.count('<g class="mark"') == 2
    assert svg.count("<polygon") == 2  # both bounds are open above: two arrows
    assert "over 1 trillion (C)" in svg and "exceeding 1.8 trillion (E)" in svg
    assert "Open: no editor has settled it yet." in text


def test_dispute_page_shows_the_resolution(client, kb, reviewer):
    services.contradiction_resolve(
        contradiction=kb.dispute,
        preferred_claim=kb.second,
        note="The later report counts all experts.",
        user=reviewer,
    )
    text = text_of(client.get(f"/disputes/{kb.dispute.pk}/"))
    assert "Resolved on" in text and "by rex" in text
    assert "the preferred claim is “exceeding 1.8 trillion”" in text
    assert "The later report counts all experts." in text


def test_source_page_lists_claims_in_document_order_and_highlights_quotes(client, kb):
    later = factories.claim(
        subject=kb.family,
        metric_=factories.metric(slug="languages", unit="languages"),
        src=kb.weekly,
        value="100",
        quote="It supports 100 languages",
    ).claim
    earlier = factories.claim(
        subject=kb.family,
        metric_=factories.metric(slug="status", value_type="text"),
        src=kb.weekly,
        value="live",
        quote="Qwen3.5-Max Preview goes live",
    ).claim
    html = client.get(f"/sources/{kb.weekly.pk}/").content.decode()
    table = html[html.index("<tbody>") : html.index("</tbody>")]
    order = [int(pk) for pk in re.findall(r'<tr id="claim-(\d+)">', table)]
    assert order == [earlier.pk, kb.first.pk, later.pk]
    assert "fairly reliable" in html and "Weekly Insight Blog" in html
    text = html[html.index('class="source-text"') :]
    assert f'<mark><a href="#claim-{kb.first.pk}"' in text
    assert f'id="quote-{later.pk}"' in text
    assert f'href="/disputes/{kb.dispute.pk}/"' in table


def test_text_segments_let_the_shortest_overlapping_quote_win():
    outer = SimpleNamespace(pk=1, quote="the largest model, with over 1T", quote_offset=4)
    inner = SimpleNamespace(pk=2, quote="over 1T", quote_offset=None)
    segments = text_segments("See the largest model, with over 1T parameters.", [outer, inner])
    pieces = [(s.text, s.claim.pk if s.claim else None, s.anchors) for s in segments]
    assert pieces == [
        ("See ", None, []),
        ("the largest model, with ", 1, [1]),
        ("over 1T", 2, [2]),
        (" parameters.", None, []),
    ]


def test_publisher_page_lists_sources_and_claims_attributed_to_it(client, kb):
    cited = factories.publisher(name="Alibaba Cloud Blog", reliability="B")
    factories.claim(subject=kb.model, metric_=kb.params, value="1T", attributed_to=cited)
    text = text_of(client.get(f"/publishers/{kb.blog.slug}/"))
    assert "default reliability C fairly reliable" in text
    assert "Weekly Insight, March 28 2026-03-28 C 1" in text
    cited_text = text_of(client.get(f"/publishers/{cited.slug}/"))
    assert "Claims other sources attribute to Alibaba Cloud Blog" in cited_text


# --- safety ---------------------------------------------------------------------------------


def test_stored_text_is_escaped_everywhere_it_is_shown(client, kb):
    evil = factories.source(title=f"Title {XSS}", text=f"Before {XSS} after.", pub=kb.blog)
    claim = factories.claim(subject=kb.model, metric_=kb.params, src=evil, value="1T", quote=XSS)
    claim = claim.claim
    for url in (
        f"/entities/{kb.model.slug}/",
        f"/sources/{evil.pk}/",
        "/search/?q=window.__xss",
        f"/disputes/{Contradiction.objects.filter(claim_b=claim).first().pk}/",
        f"/publishers/{kb.blog.slug}/",
        "/metrics/total-parameters/",
    ):
        html = client.get(url).content.decode()
        assert "<script>window" not in html and "<img src=x" not in html, url
        assert "&lt;script&gt;window.__xss" in html or "window.__xss" not in html, url


def test_every_page_sends_the_csp_and_has_no_inline_script_or_style(client, kb):
    for url in [*page_urls(kb), "/entities/missing/"]:
        response = client.get(url)
        assert "script-src 'self'" in response["Content-Security-Policy"], url
        html = response.content.decode()
        assert "<style" not in html and " style=" not in html, url
        for tag in re.findall(r"<script[^>]*>", html):  # code from files; data blocks only
            assert " src=" in tag or tag == '<script type="application/ld+json">', (url, tag)
        assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_every_page_links_to_its_json_twin(client, kb):
    expected = {
        "/": "/api/",
        f"/entities/{kb.model.slug}/": f"/api/entities/{kb.model.slug}/facts/",
        "/metrics/total-parameters/": "/api/metrics/total-parameters/values/",
        "/disputes/": "/api/disputes/?status=open&amp;review=confirmed",
        f"/disputes/{kb.dispute.pk}/": f"/api/contradictions/{kb.dispute.pk}/",
        f"/sources/{kb.weekly.pk}/": f"/api/sources/{kb.weekly.pk}/",
        f"/publishers/{kb.blog.slug}/": f"/api/publishers/{kb.blog.slug}/",
        "/search/?q=trillion": "/api/search/?q=trillion",
        "/entities/": "/api/entities/",
        "/metrics/": "/api/metrics/",
    }
    for url, twin in expected.items():
        html = client.get(url).content.decode()
        assert f'This page as JSON: <a href="{twin}"' in html, url


def test_error_pages_render_without_a_database_or_context():
    request = RequestFactory().get("/broken/")
    error = defaults.server_error(request)
    assert error.status_code == 500 and b"Something went wrong on our side" in error.content
    bad = defaults.bad_request(request, Exception("bad"))
    assert bad.status_code == 400 and b"The request was malformed." in bad.content


# --- queries --------------------------------------------------------------------------------


def test_each_page_runs_the_same_number_of_queries_whatever_the_data(client, kb):
    small = {url: query_count(client, url) for url in page_urls(kb)}
    grow(kb, 6)
    large = {url: query_count(client, url) for url in page_urls(kb)}
    assert large == small
    assert max(small.values()) <= 12


def test_the_seed_knowledge_base_renders_on_every_page(client, seed_kb):
    dispute = Contradiction.objects.get(metric__slug="largest-model-parameters")
    for url in (
        "/",
        "/search/?q=Qwen3.5-Max",
        "/entities/qwen/",
        "/entities/qwen3-5-max-preview/",
        "/metrics/total-parameters/",
        "/metrics/quarterly-revenue/",
        "/metrics/release-date/",
        "/disputes/",
        f"/disputes/{dispute.pk}/",
        f"/sources/{dispute.claim_a.source_id}/",
        "/publishers/krasia/",
    ):
        assert client.get(url).status_code == 200, url
    html = client.get(f"/disputes/{dispute.pk}/").content.decode()
    assert "boasting over 1 trillion parameters" in html and "exceeding 1.8 trillion" in html


# --- subtrees -------------------------------------------------------------------------------


def test_parent_with_descendants_matches_the_whole_subtree_on_pages_and_api(client, kb):
    top = factories.entity(name="Qwen3.5", kind="model_family")
    kb.family.parent = top
    kb.family.save()
    children = {"parent": top.slug}
    subtree = {"parent": top.slug, "descendants": "true"}
    assert "Preview" not in text_of(client.get("/entities/", children))
    assert "Qwen3.5-Max Preview" in text_of(client.get("/entities/", subtree))
    api = client.get("/api/entities/", subtree).json()
    assert [e["slug"] for e in api["results"]] == [kb.family.slug, kb.model.slug]
    values = "/api/metrics/total-parameters/values/"
    assert client.get(values, children | {"ordering": "-value"}).json()["count"] == 0
    found = client.get(values, subtree | {"ordering": "-value"}).json()["results"]
    assert [row["entity"]["slug"] for row in found] == [kb.model.slug]
    page = client.get("/metrics/total-parameters/", subtree)
    assert f'href="/entities/{kb.model.slug}/#fact-total-parameters"' in page.content.decode()
    assert 'name="descendants" value="true" checked' in page.content.decode()


def test_descendants_without_a_parent_is_refused_by_name(client, kb):
    for url in ("/api/entities/", "/api/metrics/total-parameters/values/", "/entities/"):
        response = client.get(url, {"descendants": "true"})
        assert response.status_code == 400, url
        assert "descendants" in response.content.decode()


def test_the_readme_subtree_example_lists_every_qwen3_5_model(client, seed_kb):
    response = client.get(
        "/api/metrics/total-parameters/values/",
        {"parent": "qwen3-5", "descendants": "true", "ordering": "-value"},
    )
    slugs = [row["entity"]["slug"] for row in response.json()["results"]]
    assert "qwen3-5-max-preview" in slugs
    direct = client.get("/api/metrics/total-parameters/values/", {"parent": "qwen3-5"}).json()
    assert "qwen3-5-max-preview" not in [row["entity"]["slug"] for row in direct["results"]]
    points = [row["current"]["value"]["point"] for row in response.json()["results"]]
    assert points == sorted(points, reverse=True)


# --- search ---------------------------------------------------------------------------------


def test_search_finds_publishers_metrics_and_names_written_without_dots(client, seed_kb):
    krasia = client.get("/search/", {"q": "KrASIA"})
    html = krasia.content.decode()
    assert 'href="/publishers/krasia/" class="exact"' in html
    compact = client.get("/search/", {"q": "qwen35max"}).content.decode()
    entities = compact[compact.index('id="entities-title"') :]
    first = re.search(r'<li>\s*<a href="([^"]+)"', entities).group(1)
    assert first == "/entities/qwen3-5-max/"
    parameters = text_of(client.get("/search/", {"q": "parameters"}))
    assert "Metrics" in parameters and "Total parameters" in parameters
    api = client.get("/api/search/", {"q": "KrASIA"}).json()
    kinds = {group["kind"]: group["results"] for group in api["groups"]}
    assert kinds["publishers"][0]["title"] == "KrASIA" and kinds["publishers"][0]["exact"]
    assert client.get("/api/search/").status_code == 400
    assert "q" in client.get("/api/search/").json()


def test_entity_search_in_the_api_lists_the_exact_name_first(client, seed_kb):
    results = client.get("/api/entities/", {"q": "Qwen"}).json()["results"]
    assert results[0]["slug"] == "qwen" and len(results) > 1
    by_alias = client.get("/api/entities/", {"q": "tongyi qianwen"}).json()["results"]
    assert by_alias[0]["slug"] == "qwen"
    compact = client.get("/api/entities/", {"q": "qwen35max"}).json()["results"]
    assert compact[0]["slug"] == "qwen3-5-max"
    assert [e["slug"] for e in compact][:2] == ["qwen3-5-max", "qwen3-5-max-preview"]


def test_search_snippets_mark_the_match_and_escape_the_quote(client, kb):
    factories.claim(subject=kb.model, metric_=kb.params, value="6B", quote=f"6B params {XSS}")
    html = client.get("/search/", {"q": "params"}).content.decode()
    assert "<mark>params</mark>" in html
    assert "<script>window" not in html and "&lt;script&gt;window.__xss" in html
    entities = client.get("/search/", {"q": "<b>Max"}).content.decode()
    assert "<b>Max" not in entities


@given(
    text=st.text(st.sampled_from("ab <>&\"'x\n."), max_size=60),
    q=st.text(st.sampled_from("ab<&x "), min_size=1, max_size=6),
)
@settings(max_examples=300, deadline=None)
def test_a_highlighted_snippet_is_escaped_text_of_the_source_with_marks(text, q):
    snippet = str(search.highlight(text, q, width=40))
    assert "<" not in snippet.replace("<mark>", "").replace("</mark>", "")
    plain = unescape(snippet.replace("<mark>", "").replace("</mark>", "")).strip("…")
    assert plain in text
    for marked in re.findall(r"<mark>(.*?)</mark>", snippet):
        assert q.strip().casefold() in unescape(marked).casefold() or len(unescape(marked)) > 2


def test_compact_folds_case_spaces_dots_and_hyphens():
    assert search.compact("Qwen 3.5-Max") == search.compact("qwen35max") == "qwen35max"
    assert search.compact("阿里巴巴 Cloud") == "阿里巴巴cloud"


# --- index pages, breadcrumbs and facets ------------------------------------------------------


def test_sources_index_sorts_filters_and_has_its_json_twin(client, kb):
    response = client.get("/sources/", {"ordering": "title"})
    text, html = text_of(response), response.content.decode()
    assert text.index("Comprehensive Analysis") < text.index("Weekly Insight, March 28")
    assert 'This page as JSON: <a href="/api/sources/?ordering=title"' in html
    newest = text_of(client.get("/sources/"))  # newest first; an unknown date last
    assert newest.index("Weekly Insight, March 28") < newest.index("Comprehensive Analysis")
    only = text_of(client.get("/sources/", {"publisher": kb.agency.slug}))
    assert "Comprehensive Analysis" in only and "Weekly Insight, March 28" not in only
    bad = client.get("/sources/", {"publisher": "nobody"})
    assert bad.status_code == 400 and "No publisher has the slug “nobody”" in text_of(bad)


def test_publishers_index_lists_grades_and_counts(client, kb):
    response = client.get("/publishers/", {"ordering": "reliability"})
    text = text_of(response)
    assert text.index("Weekly Insight Blog C 1 1") < text.index("Marketing Agency E 1 1")
    assert "Weekly Insight Blog" not in text_of(client.get("/publishers/", {"reliability": "E"}))
    assert 'href="/api/publishers/?ordering=reliability"' in response.content.decode()
    assert client.get("/publishers/", {"reliability": "Z"}).status_code == 400


def test_every_page_but_home_has_breadcrumbs_starting_at_home(client, kb):
    for url in page_urls(kb)[1:]:
        html = client.get(url).content.decode()
        crumbs = re.search(r'<nav class="crumbs" aria-label="Breadcrumb">(.*?)</nav>', html, re.S)
        assert crumbs, url
        first = re.sub(r"\s+", "", crumbs.group(1))
        assert first.startswith('<ol><li><ahref="/">Home</a></li>'), url


def test_facets_count_the_filtered_rows_and_link_to_the_filter(client, kb):
    grow(kb, 2)
    html = client.get("/disputes/", {"status": ""}).content.decode()
    facet = html[html.index('data-facet="metric"') :]
    facet = facet[: facet.index("</div>")]
    assert (
        'href="?status=&amp;metric=total-parameters">Metric 7</a> <span class="count">' in (facet)
        or "total-parameters" in facet
    )
    counts = dict(re.findall(r'metric=([\w-]+)">[^<]*</a> <span class="count">(\d+)</span>', facet))
    expected = {slug: Contradiction.objects.filter(metric__slug=slug).count() for slug in counts}
    assert counts and {k: int(v) for k, v in counts.items()} == expected
    kinds = client.get("/entities/", {"kind": "model"}).content.decode()
    chosen = kinds[kinds.index('data-facet="kind"') :]
    assert 'class="selected"><a href="/entities/" aria-current="true"' in chosen
    claims = client.get("/claims/", {"metric": "total-parameters"}).content.decode()
    total = kb.params.claims.exclude(status="rejected").count()
    assert f"{total} claims" in text_of_html(claims)
    grades = claims[claims.index('data-facet="grade"') :]
    grades = grades[: grades.index("</div>")]
    assert sum(int(n) for n in re.findall(r'class="count">(\d+)<', grades)) == total


def test_a_listing_that_matches_nothing_shows_no_facet_box(client, kb):
    """No facet has a value among no rows: the page says so without an empty bordered box."""
    nothing = {"q": "50% %s nothing is called this"}
    for url, query in [
        *((url, nothing) for url in ("/claims/", "/entities/", "/sources/", "/publishers/")),
        ("/disputes/", {"severity_min": "1e9"}),
    ]:
        html = client.get(url, query).content.decode()
        assert 'class="facets"' not in html, url
        assert "data-facet=" not in html, url
    some = client.get("/claims/").content.decode()
    assert 'class="facets"' in some and 'data-facet="metric"' in some


def test_api_facets_count_per_value_and_name_an_unknown_facet(client, kb):
    grow(kb, 1)
    body = client.get("/api/claims/", {"facets": "metric,kind,grade,status,publisher"}).json()
    metric = {row["value"]: row["count"] for row in body["facets"]["metric"]}
    assert metric["total-parameters"] == kb.params.claims.count()
    assert sum(row["count"] for row in body["facets"]["grade"]) == body["count"]
    filtered = client.get("/api/claims/", {"facets": "metric", "subject": kb.model.slug}).json()
    assert sum(row["count"] for row in filtered["facets"]["metric"]) == filtered["count"]
    entities = client.get("/api/entities/", {"facets": "kind"}).json()["facets"]["kind"]
    assert {row["value"]: row["count"] for row in entities} == {"model": 2, "model_family": 1}
    disputes = client.get("/api/contradictions/", {"facets": "kind,status"}).json()
    assert disputes["facets"]["kind"][0]["label"] in {"contradiction", "discrepancy"}
    bad = client.get("/api/claims/", {"facets": "metric,colour"})
    assert bad.status_code == 400
    assert "Unknown facet “colour”" in bad.json()["facets"][0]
    assert client.get("/api/sources/", {"facets": "publisher"}).json()["facets"]["publisher"]
    assert client.get("/api/publishers/", {"facets": "grade"}).json()["facets"]["grade"]


def test_facets_cost_one_query_each(client, kb):
    base = query_count(client, "/api/claims/?subject=" + kb.model.slug)
    assert query_count(client, f"/api/claims/?subject={kb.model.slug}&facets=metric") == base + 1
    three = f"/api/claims/?subject={kb.model.slug}&facets=metric,grade,status"
    assert query_count(client, three) == base + 3


# --- disputes by fact -------------------------------------------------------------------------


def test_home_lists_each_disputed_fact_once_with_its_sides(client, seed_kb):
    html = client.get("/").content.decode()
    table = html[html.index('id="disputes-title"') : html.index('id="kinds-title"')]
    rows = re.findall(r'<th scope="row"><a href="(/disputes/[^"]+)">', table)
    assert len(rows) == len(set(rows)) and rows
    generation = text_of_html(table)
    assert generation.count("Qwen · Latest generation") == 1
    summary = re.search(
        r"Qwen · Latest generation (\d+) sources say ([^,]+?) \(best grade", generation
    )
    assert summary and summary.group(2).startswith("Qwen3.5"), generation
    assert "1 says Qwen 4.0" in generation
    # The count above the table counts the same rows: facts, not pairs of claims.
    assert f"{len(rows)} disputed facts" in text_of_html(html) and len(rows) == 3


def test_a_facts_page_lists_every_pair_and_the_api_groups_by_fact(client, kb):
    third = factories.claim(subject=kb.model, metric_=kb.params, value="about 400 billion").claim
    assert Contradiction.objects.filter(subject=kb.model).count() == 3
    text = text_of(client.get("/disputes/"))
    assert "1 disputed fact" in text and "3 pairs of claims" in text
    pairs = text_of(client.get("/disputes/", {"group": "pair"}))
    assert "3 pairs of claims" in pairs
    page = client.get(f"/disputes/{kb.model.slug}/total-parameters/")
    assert page.status_code == 200
    html = page.content.decode()
    for record in Contradiction.objects.all():
        assert f'href="/disputes/{record.pk}/"' in html
    assert f"#claim-{third.pk}" in html
    body = client.get("/api/disputes/").json()
    assert body["count"] == 1
    fact = body["results"][0]
    assert fact["subject"]["slug"] == kb.model.slug and len(fact["pairs"]) == 3
    assert sorted(c for side in fact["sides"] for c in side["claims"]) == sorted(
        [kb.first.pk, kb.second.pk, third.pk]
    )
    assert fact["summary"].startswith("1 source says")
    assert client.get("/api/contradictions/").json()["count"] == 3  # pairs stay the default
    bad = client.get("/api/disputes/", {"kind": "feud"})
    assert bad.status_code == 400 and "kind" in bad.json()
    assert client.get("/disputes/nobody/total-parameters/").status_code == 404


def test_a_side_counts_sources_and_its_best_grade():
    from claims.disputes import DisputedFact, Side

    def claim(source_id, grade):
        source = SimpleNamespace(reliability=grade, publisher=SimpleNamespace(reliability="F"))
        return SimpleNamespace(source_id=source_id, source=source)

    many = Side(
        "Qwen3.5", [claim(1, "C"), claim(2, "B"), claim(2, "B"), claim(3, "E"), claim(4, "D")]
    )
    one = Side("Qwen 4.0", [claim(5, "E")])
    assert (many.source_count, many.best_grade) == (4, "B")
    fact = DisputedFact(subject=None, metric=None, sides=[many, one])
    assert fact.summary == "4 sources say Qwen3.5 (best grade B), 1 says Qwen 4.0 (E)"


# --- feeds ----------------------------------------------------------------------------------


def test_atom_feeds_of_new_and_settled_disputes_per_metric_and_entity(client, kb, reviewer):
    new = client.get("/feeds/disputes/new/")
    assert new.status_code == 200 and new["Content-Type"].startswith("application/atom+xml")
    body = new.content.decode()
    assert "<entry>" in body and f"/disputes/{kb.dispute.pk}/" in body
    assert "“over 1 trillion” vs “exceeding 1.8 trillion”" in unescape(body)
    assert "<entry>" not in client.get("/feeds/disputes/settled/").content.decode()
    services.contradiction_dismiss(
        contradiction=kb.dispute, note="Both are lower bounds.", user=reviewer
    )
    settled = unescape(client.get("/feeds/disputes/settled/").content.decode())
    assert "Settled: Both are lower bounds." in settled
    per_metric = client.get("/feeds/disputes/new/metric/total-parameters/").content.decode()
    assert f"/disputes/{kb.dispute.pk}/" in per_metric
    other = factories.metric(slug="context-window")
    assert "<entry>" not in client.get(f"/feeds/disputes/new/metric/{other.slug}/").content.decode()
    per_entity = client.get(f"/feeds/disputes/new/entity/{kb.model.slug}/").content.decode()
    assert f"/disputes/{kb.dispute.pk}/" in per_entity
    assert client.get(f"/feeds/disputes/new/entity/{kb.family.slug}/").status_code == 200
    assert client.get("/feeds/disputes/old/").status_code == 404
    assert client.get("/feeds/disputes/new/colour/red/").status_code == 404


def test_pages_link_their_feeds(client, kb):
    expected = {
        "/": "/feeds/disputes/new/",
        "/disputes/": "/feeds/disputes/settled/",
        "/metrics/total-parameters/": "/feeds/disputes/new/metric/total-parameters/",
        f"/entities/{kb.model.slug}/": f"/feeds/disputes/settled/entity/{kb.model.slug}/",
    }
    for url, feed in expected.items():
        html = client.get(url).content.decode()
        assert re.search(
            rf'<link rel="alternate" type="application/atom\+xml" title="[^"]+" href="{feed}">',
            html,
        ), url


# --- fact-check markup ----------------------------------------------------------------------

# schema.org/ClaimReview as Google's fact-check structured data requires it, and the Claim it
# reviews (https://developers.google.com/search/docs/appearance/structured-data/factcheck).
CLAIM_REVIEW_REQUIRED = {"@context", "@type", "url", "claimReviewed", "reviewRating", "author"}
RATING_REQUIRED = {"@type", "ratingValue", "bestRating", "worstRating", "alternateName"}
ITEM_REVIEWED = {"@type", "author", "datePublished", "appearance"}


def assert_claim_review(review: dict, rejected) -> None:
    assert review.keys() >= CLAIM_REVIEW_REQUIRED
    assert review["@context"] == "https://schema.org" and review["@type"] == "ClaimReview"
    rating = review["reviewRating"]
    assert rating.keys() >= RATING_REQUIRED and rating["@type"] == "Rating"
    assert rating["worstRating"] <= rating["ratingValue"] <= rating["bestRating"]
    assert isinstance(rating["alternateName"], str) and rating["alternateName"]
    assert review["author"]["@type"] in {"Organization", "Person"} and review["author"]["name"]
    assert rejected.value_text in review["claimReviewed"]
    item = review["itemReviewed"]
    assert item.keys() >= ITEM_REVIEWED and item["@type"] == "Claim"
    assert item["author"]["name"] in {rejected.source.author, rejected.source.publisher.name}
    assert item["datePublished"] == rejected.source.published.isoformat()
    assert item["appearance"]["headline"] == rejected.source.title


def test_a_resolved_dispute_carries_claim_review_json_ld_of_the_rejected_claim(
    client, kb, reviewer
):
    page = f"/disputes/{kb.dispute.pk}/"
    assert "application/ld+json" not in client.get(page).content.decode()  # open: no review
    api = client.get(f"/api/contradictions/{kb.dispute.pk}/", HTTP_ACCEPT="application/ld+json")
    assert api.status_code == 406
    # The 1.8T claim is preferred, so the "over 1 trillion" one (C, dated) is rejected.
    services.contradiction_resolve(
        contradiction=kb.dispute,
        preferred_claim=kb.second,
        note="The flagship has 1.8T.",
        user=reviewer,
    )
    html = client.get(page).content.decode()
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    review = json.loads(block.group(1))
    assert_claim_review(review, kb.first)
    assert review["url"] == f"http://testserver{page}"
    assert review["reviewRating"]["alternateName"] == "Misleading"  # a discrepancy
    assert "The flagship has 1.8T." in review["reviewBody"]
    api = client.get(f"/api/contradictions/{kb.dispute.pk}/", HTTP_ACCEPT="application/ld+json")
    assert api.status_code == 200 and api["Content-Type"].startswith("application/ld+json")
    assert api.json() == review
    plain = client.get(f"/api/contradictions/{kb.dispute.pk}/")
    assert plain["Content-Type"].startswith("application/json") and plain.json()["id"]


def test_json_ld_cannot_close_its_script_element():
    from claims.factcheck import as_script_text

    text = as_script_text({"claimReviewed": '</script><script>alert(1)</script> & "x"'})
    assert "</" not in text and "<script" not in text
    assert json.loads(text)["claimReviewed"].startswith("</script>")


# --- the home page's current values -----------------------------------------------------------


def headline(html: str) -> str:
    start = html.index(">", html.index('aria-labelledby="headline-title"')) + 1
    return text_of_html(html[start : html.index("</section>", start)])


def test_home_shows_the_top_entitys_current_values_with_grade_why_and_source(client, kb):
    # A third, more reliable source for the preview's parameters: it becomes current.
    report = factories.source(title="Official Report", pub=factories.publisher(reliability="A"))
    best = factories.claim(subject=kb.model, metric_=kb.params, src=report, value="1 trillion")
    html = client.get("/").content.decode()
    text = headline(html)
    assert text.startswith(f"{kb.model.name} today")
    # The same choice as the entity page (``entity_facts``), shown with grade and why.
    assert f"{kb.params.name} 1 trillion parameters disputed A (A: completely reliable)" in text
    assert "most reliable source: A" in text and "— Official Report" in text
    assert f'href="/sources/{report.pk}/"' in html
    assert f'href="/entities/{kb.model.slug}/#fact-{kb.params.slug}"' in html
    assert f"All 1 fact about {kb.model.name}" in text
    entity_page = text_of(client.get(f"/entities/{kb.model.slug}/"))
    assert "1 trillion parameters disputed A (A: completely reliable) most reliable source: A" in (
        entity_page
    )
    assert best.claim.pk


def test_home_leaves_out_facts_without_an_accepted_value_and_caps_the_list(client, kb):
    proposed = factories.metric(slug="context-window", unit="tokens")
    factories.claim(subject=kb.model, metric_=proposed, value="1 million", status="proposed")
    text = headline(client.get("/").content.decode())
    assert "Context" not in text.split("All")[0] and "All 2 facts" in text
    for i in range(8):
        metric = factories.metric(slug=f"metric-{i}", unit="tokens")
        factories.claim(subject=kb.model, metric_=metric, value=f"{i + 1} million")
    html = client.get("/").content.decode()
    assert html.count('<li class="headline-fact') == 6 and "All 10 facts" in headline(html)


def test_home_shows_no_current_values_before_there_are_claims(client, db):
    html = client.get("/").content.decode()
    assert "headline-title" not in html


def test_home_runs_the_same_queries_however_many_facts_the_top_entity_has(client, kb):
    small = query_count(client, "/")
    for i in range(10):
        metric = factories.metric(slug=f"grown-{i}", unit="tokens")
        src = factories.source(title=f"Grown source {i}")
        factories.claim(subject=kb.model, metric_=metric, src=src, value=f"{i + 1} million")
        factories.claim(subject=kb.model, metric_=metric, value=f"{i + 2} million")
    html = client.get("/").content.decode()
    assert html.count('<li class="headline-fact') == 6
    assert query_count(client, "/") == small


def test_home_says_so_when_the_top_entity_has_no_accepted_value(client, db):
    model = factories.entity(name="Qwen3.6")
    factories.claim(subject=model, value="27B", status="proposed")
    text = headline(client.get("/").content.decode())
    assert (
        "No current value to show yet: no claim about Qwen3.6 has been accepted as its single value"
        in text
    )
    assert "All 1 fact about Qwen3.6" in text


@pytest.mark.parametrize("path", ["/entities/", "/claims/", "/sources/", "/disputes/"])
def test_a_listing_answers_a_page_it_does_not_have_by_naming_page(client, kb, path):
    """Never the first or last page in its place: a researcher who follows an old link to
    page 7 of a list now one page long is told so, with a link to the first page."""
    separator = "&" if "?" in path else "?"
    assert client.get(f"{path}{separator}page=1").status_code == 200
    past = client.get(f"{path}{separator}page=7")
    assert past.status_code == 404
    page = unescape(past.content.decode())
    assert "There is no page 7: the last is 1." in page
    assert f'href="{path}">Go to the first page' in page
    for bad in ("0", "-2", "two", "2.5", "%s"):
        answer = client.get(path, {"page": bad})
        assert answer.status_code == 400, bad
        text = unescape(answer.content.decode())
        assert f"Must be a whole number of at least 1; got \u201c{bad}\u201d." in text
        assert "<code>page</code>" in text


def test_the_first_page_link_keeps_the_filters(client, kb):
    answer = client.get("/claims/", {"status": "accepted", "page": "3"})
    assert answer.status_code == 404
    assert 'href="/claims/?status=accepted">Go to the first page' in answer.content.decode()


@pytest.mark.parametrize(
    ("path", "model", "field"), [("/entities/", Entity, "subject"), ("/sources/", Source, "source")]
)
def test_entity_and_source_lists_count_live_claims_and_only_their_page_reads_claims(
    client, path, model, field
):
    """Each row's count leaves rejected claims out; the list's count of rows and its facets
    neither join nor group the claims (at a million claims these lists took 2.9 and 6.2 s)."""
    kept = factories.claim(value="7B")
    rejected = factories.claim(subject=kept.claim.subject, src=kept.claim.source, value="8B")
    Claim.objects.filter(pk=rejected.claim.pk).update(status="rejected")
    factories.entity(name="No claims")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    shown = {row.pk: row.claim_count for row in response.context["page"].object_list}
    assert shown == {
        row.pk: Claim.objects.filter(**{field: row}).exclude(status="rejected").count()
        for row in model.objects.filter(pk__in=shown)
    }
    assert shown[getattr(kept.claim, field).pk] == 1
    reading = [q["sql"] for q in queries if "claims_claim" in q["sql"]]
    page = f'SELECT "{model._meta.db_table}"."id"'
    assert len(reading) == 1 and reading[0].startswith(page), reading


def test_a_page_answers_a_parameter_it_does_not_take_with_the_400_page_naming_it(client, kb):
    """As the API does: a misspelt filter is not a whole list shown as if filtered, and what
    a page does not take is never carried into its links (a long one, once per link)."""
    for url in page_urls(kb):
        joiner = "&" if "?" in url else "?"
        answer = client.get(f"{url}{joiner}subjet=qwen&utm_source=news")
        assert answer.status_code == 400, url
        page = unescape(answer.content.decode())
        for name in ("subjet", "utm_source"):
            assert f"<code>{name}</code>" in page, (url, name)
        assert "Not a parameter of this page." in page, url
        assert "This page takes:" in page, url
        # The way back is the page as asked, without them.
        retry = url.replace("&", "&amp;")
        assert f'href="{retry}">Show the page without them' in answer.content.decode(), url
        assert client.get(url).status_code == 200, url
    # What each listing takes: its filters, and its pages where it has them.
    takes = unescape(client.get("/claims/?sort=value").content.decode())
    assert "This page takes: as_of_after, as_of_before, disputed, kind, metric, ordering" in takes
    assert "page, publisher, q, rank" in takes
    disputes = unescape(client.get("/disputes/?groups=pair").content.decode())
    assert "group, kind, metric, ordering, page, review" in disputes
    assert "This page takes: none." in unescape(client.get("/?q=Qwen").content.decode())
    # 10,000 characters that the page does not take are named once, not once per link.
    long = "y" * 10_000
    answer = client.get("/claims/", {long: "1"})
    assert answer.status_code == 400
    assert answer.content.decode().count(long) == 1


class _Targets(HTMLParser):
    """The addresses a page sends a reader to, with the parameters each sends: every link, and
    every GET form with the names of its fields."""

    def __init__(self):
        super().__init__()
        self.targets: list[tuple[str, set[str]]] = []
        self.form: tuple[str, set[str]] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            href = attrs["href"]
            self.targets.append((href, {name for name, _ in parse_qsl(urlsplit(href).query)}))
        elif tag == "form" and (attrs.get("method") or "get").lower() == "get":
            self.form = (attrs.get("action") or "", set())
            self.targets.append(self.form)
        elif tag in ("input", "select", "textarea") and self.form and attrs.get("name"):
            self.form[1].add(attrs["name"])

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None


def test_every_link_and_form_of_the_pages_sends_only_parameters_its_target_takes(client, kb):
    """A page refusing what it does not take must not be sent it by another page: each link
    and each search or filter form of every page names only parameters of the page it opens."""
    checked = set()
    for url in page_urls(kb):
        parser = _Targets()
        parser.feed(client.get(url).content.decode())
        for target, names in parser.targets:
            path = urlsplit(urljoin(url, target)).path
            try:
                view = resolve(path).func
            except Resolver404:
                continue
            if hasattr(view, "takes"):
                assert names <= view.takes, (url, target, names - view.takes)
                checked.add((path, frozenset(names)))
    # The pages' own facets, sorting and pages, the home page's kinds and search, the filters.
    assert len(checked) > 40
    assert any(names for _path, names in checked)

"""The researchers' pages are answered again while the database is unchanged, to anyone
anonymous, and never from an older state, to a signed-in user or with DEBUG on."""

import pytest
from django.conf import settings
from django.test import Client, override_settings

from claims.models import Claim
from qwenkb import readcache
from sources.models import Source
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def empty_read_cache():
    readcache.clear()
    yield
    readcache.clear()


@pytest.fixture
def claim(db):
    publisher = factories.publisher(name="Cache Daily")
    source = factories.source(
        title="Cache report", text="Qwen has 90 million users.", pub=publisher
    )
    qwen = factories.entity(name="Qwen", kind="model_family")
    written = factories.claim(
        subject=qwen, src=source, value="90 million", quote="90 million users"
    )
    return written.claim


PAGES = [
    "/",
    "/entities/",
    "/entities/{entity}/",
    "/sources/{source}/",
    "/claims/",
    "/disputes/",
    "/metrics/",
    "/sources/",
    "/publishers/",
    "/search/?q=Qwen",
    "/feeds/disputes/new/",
]


@pytest.mark.parametrize("url", PAGES)
def test_an_anonymous_page_is_answered_again_without_reading(
    client, claim, url, monkeypatch, django_assert_num_queries
):
    """With the database's state unchanged (held here: on PostgreSQL any transaction in the
    cluster moves it, and the tests share theirs), a page's second visit reads nothing."""
    monkeypatch.setattr(readcache, "database_state", lambda: "held")
    url = url.format(entity=claim.subject.slug, source=claim.source_id)
    first = client.get(url)
    assert first.status_code == 200 and first["X-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = client.get(url)
    assert second["X-Cache"] == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]


def test_any_write_makes_the_next_visit_read_the_database(client, claim):
    assert b"Cache report" in client.get("/claims/").content
    Claim.objects.filter(pk=claim.pk).update(notes="x")  # no signal, no save()
    Source.objects.filter(pk=claim.source_id).update(title="Renamed report")
    after = client.get("/claims/")
    assert after["X-Cache"] == "miss"
    assert b"Renamed report" in after.content and b"Cache report" not in after.content


def test_a_signed_in_user_is_never_answered_from_the_cache(
    client, claim, django_user_model, monkeypatch
):
    monkeypatch.setattr(readcache, "database_state", lambda: "held")
    client.get("/")
    assert client.get("/")["X-Cache"] == "hit"
    signed_in = Client()
    signed_in.force_login(django_user_model.objects.create_user("reader", password=None))
    response = signed_in.get("/")
    assert response.status_code == 200 and "X-Cache" not in response


def test_a_client_with_a_session_is_not_answered_from_the_cache(client, claim):
    client.get("/")
    client.cookies[settings.SESSION_COOKIE_NAME] = "anything"
    assert "X-Cache" not in client.get("/")


def test_an_error_page_is_not_kept(client, claim):
    bad = "/claims/?status=maybe"
    assert client.get(bad).status_code == 400
    again = client.get(bad)
    assert again.status_code == 400 and again.get("X-Cache") != "hit"


@override_settings(DEBUG=True)
def test_with_debug_on_every_page_is_rendered(client, claim):
    client.get("/metrics/")
    assert "X-Cache" not in client.get("/metrics/")


def test_the_host_is_part_of_the_key(client, claim):
    """Pages hold absolute links (feeds, canonical URLs): another host never gets them."""
    with override_settings(ALLOWED_HOSTS=["testserver", "other.example"]):
        client.get("/feeds/disputes/new/")
        other = client.get("/feeds/disputes/new/", HTTP_HOST="other.example")
    assert other["X-Cache"] == "miss"
    assert b"other.example" in other.content


def test_another_version_of_the_code_reads_again(client, claim, monkeypatch):
    """A deploy that changes what a page shows never serves what the old code stored."""
    monkeypatch.setattr(readcache, "database_state", lambda: "held")
    for url in ("/metrics/", "/api/metrics/"):
        client.get(url)
        assert client.get(url)["X-Cache"] == "hit"
    monkeypatch.setattr(readcache, "code_version", lambda: "the next release")
    assert client.get("/metrics/")["X-Cache"] == "miss"
    assert client.get("/api/metrics/")["X-Cache"] == "miss"


def test_the_code_version_follows_every_served_file(tmp_path, settings):
    (tmp_path / "templates").mkdir()
    (tmp_path / "claims" / "migrations").mkdir(parents=True)
    for folder in ("qwenkb", "sources"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "apps.py").write_text("x = 1\n")
    page = tmp_path / "templates" / "page.html"
    page.write_text("<p>{{ value }}</p>")
    (tmp_path / "claims" / "views.py").write_text("x = 1\n")
    settings.BASE_DIR = tmp_path

    def version():
        readcache.code_version.cache_clear()
        return readcache.code_version()

    try:
        first = version()
        page.write_text("<p>{{ value|floatformat }}</p>")
        second = version()
        (tmp_path / "claims" / "migrations" / "0001_initial.py").write_text("# a migration\n")
        (tmp_path / "claims" / "notes.md").write_text("not served\n")
        assert version() == second != first
    finally:
        readcache.code_version.cache_clear()

"""Messages (``qwenkb.middleware.LazyMessageMiddleware``): a request that never reads or
leaves one makes no message store and sets no cookie; one left on a save is shown once, on
the next page that reads messages, however many requests come between."""

import pytest
from django.test import Client

from tests.qwenkb.message_urls import CountedStorage

pytestmark = pytest.mark.django_db


@pytest.fixture
def stores_made(settings):
    """The paths of the requests a message store was made for (whatever middleware makes it)."""
    settings.MESSAGE_STORAGE = "tests.qwenkb.message_urls.CountedStorage"
    CountedStorage.made = []
    return CountedStorage.made


def test_an_api_read_makes_no_message_store_and_sets_no_cookie(stores_made):
    client = Client()
    for path in ("/api/metrics/", "/healthz", "/api/claims/?subject=%25s"):
        response = client.get(path)
        assert "messages" not in response.cookies
    assert stores_made == []


@pytest.mark.urls("tests.qwenkb.message_urls")
def test_a_message_left_is_shown_once_on_the_next_page_that_reads_messages(stores_made):
    client = Client()
    response = client.get("/leave/")
    assert response.status_code == 302 and "messages" in response.cookies
    # Requests that never read messages leave the message where it is.
    for _ in range(2):
        passing = client.get("/untouched/")
        assert passing.content == b"nothing read" and "messages" not in passing.cookies
    shown = client.get("/shown/")
    assert shown.content.decode() == "Saved: 50% %s <b>done</b>."
    assert shown.cookies["messages"].value == ""  # consumed: the cookie is cleared
    assert client.get("/shown/").content == b""  # and not shown again
    assert stores_made == ["/leave/", "/shown/", "/shown/"]

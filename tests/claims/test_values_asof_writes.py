"""Writes that give the as-of period in the source's words (`as_of_text`): service, API, seed."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from claims import services
from claims.models import Claim
from tests import factories

pytestmark = pytest.mark.django_db
D = datetime.date
TEXT = "Qwen crossed 1 billion downloads by end of January, and 700 million as of this month."


@pytest.fixture
def downloads():
    """A dated source that writes its as-of periods in words, and a downloads metric."""
    return {
        "source": factories.source(text=TEXT, published=D(2026, 3, 28)),
        "subject": factories.entity(name="Qwen"),
        "metric": factories.metric(slug="downloads", unit="downloads", time_varying=True),
    }


def create(kb, **extra):
    return services.claim_create(
        subject=kb["subject"],
        metric=kb["metric"],
        source=kb["source"],
        value_text="over 1 billion",
        quote="crossed 1 billion downloads by end of January",
        **extra,
    ).claim


def test_as_of_text_is_read_against_the_sources_date(downloads):
    claim = create(downloads, as_of_text="by end of January")
    assert (claim.as_of_start, claim.as_of_end, claim.as_of_precision) == (
        D(2026, 1, 21),
        D(2026, 1, 31),
        "range",
    )


def test_as_of_text_is_clipped_at_the_source_date(downloads):
    claim = create(downloads, as_of_text="as of this month")
    assert (claim.as_of_start, claim.as_of_end, claim.as_of_precision) == (
        D(2026, 3, 1),
        D(2026, 3, 28),
        "range",
    )


@pytest.mark.parametrize(
    ("as_of_text", "extra", "says"),
    [
        ("one fine day", {}, 'Cannot read "one fine day" as a period'),
        ("by 2027", {}, "projection"),
        ("by end of January", {"as_of": "January 2026"}, "not both"),
    ],
)
def test_unreadable_as_of_text_is_refused_under_its_field(downloads, as_of_text, extra, says):
    with pytest.raises(ValidationError) as info:
        create(downloads, as_of_text=as_of_text, **extra)
    assert set(info.value.message_dict) == {"as_of_text"}
    assert says in " ".join(info.value.message_dict["as_of_text"])
    assert not Claim.objects.exists()


def test_as_of_text_needs_a_dated_source(downloads):
    downloads["source"] = factories.source(text=TEXT, published=None)
    with pytest.raises(ValidationError) as info:
        create(downloads, as_of_text="by end of January")
    assert "give the period itself in as_of" in info.value.message_dict["as_of_text"][0]


def test_as_of_text_on_update_replaces_the_stored_period(downloads):
    claim = create(downloads, as_of="January 2026")
    assert claim.as_of_start == D(2026, 1, 1)
    claim = services.claim_update(claim=claim, as_of_text="by end of January").claim
    assert (claim.as_of_start, claim.as_of_end) == (D(2026, 1, 21), D(2026, 1, 31))


def test_api_accepts_as_of_text(editor, downloads):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=editor).key}")
    body = {
        "subject": "Qwen",
        "metric": "downloads",
        "source": downloads["source"].pk,
        "value_text": "over 1 billion",
        "quote": "crossed 1 billion downloads by end of January",
        "as_of_text": "by end of January",
    }
    response = client.post("/api/claims/", body, format="json")
    assert response.status_code == 201, response.json()
    as_of = response.json()["as_of"]
    assert (as_of["start"], as_of["end"], as_of["precision"]) == (
        "2026-01-21",
        "2026-01-31",
        "range",
    )
    response = client.post("/api/claims/", body | {"as_of_text": "sometime soon"}, format="json")
    assert response.status_code == 400
    assert 'Cannot read "sometime soon" as a period' in " ".join(response.json()["as_of_text"])


def test_as_of_this_month_no_longer_overlaps_the_end_of_january(downloads):
    """The issue's case: 700 million on 13 January against over 1 billion by end of January."""
    early = factories.source(text=TEXT, published=D(2026, 1, 13))
    level = create(downloads, as_of_text="by end of January")
    claim = services.claim_create(
        subject=downloads["subject"],
        metric=downloads["metric"],
        source=early,
        value_text="700 million",
        quote="700 million as of this month",
        as_of_text="as of this month",
    ).claim
    assert (claim.as_of_start, claim.as_of_end) == (D(2026, 1, 1), D(2026, 1, 13))
    assert claim.as_of_end < level.as_of_start


def test_seed_claims_carry_the_periods_their_quotes_give(seed_kb):
    downloads = Claim.objects.get(
        subject__slug="qwen", metric__slug="hugging-face-downloads", value_text="over 1 billion"
    )
    assert (downloads.as_of_start, downloads.as_of_end, downloads.as_of_precision) == (
        D(2026, 1, 21),
        D(2026, 1, 31),
        "range",
    )

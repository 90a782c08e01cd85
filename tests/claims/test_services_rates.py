"""Exchange rates through their service (claims/services/rates.py): a rate re-checks the money
groups of its currencies at once, with history; bad rates are refused on their field."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims import services
from claims.choices import ContradictionStatus
from claims.models import Contradiction, ExchangeRate
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def money():
    """One subject's price in RMB and in EUR, far apart at 1 EUR = 8 CNY, and a price in
    another subject in USD that no rate here touches."""
    subject, price = factories.entity(), factories.metric(dimension="money", unit="")
    factories.claim(subject=subject, metric_=price, value="RMB 8", quote="a")
    factories.claim(subject=subject, metric_=price, value="EUR 5", quote="b")
    other = factories.entity()
    factories.claim(subject=other, metric_=price, value="USD 1", quote="c")
    factories.claim(subject=other, metric_=price, value="USD 2", quote="d")
    return subject, price


def test_a_new_rate_opens_the_contradictions_it_reveals_at_once(money):
    subject, _ = money
    before = set(Contradiction.objects.values_list("pk", flat=True))
    written = services.exchange_rate_save(
        from_currency="eur", to_currency="RMB", rate=8.0, reason="ECB, March 2026"
    )
    assert (written.exchange_rate.from_currency, written.exchange_rate.to_currency) == (
        "EUR",
        "RMB",
    )
    new = Contradiction.objects.exclude(pk__in=before)
    assert [r.subject_id for r in new] == [subject.pk]
    assert [r.pk for r in written.opened] == [r.pk for r in new]
    assert "rate" in written.opened[0].explanation
    assert written.exchange_rate.history.get().history_change_reason == "ECB, March 2026"


def test_changing_a_rate_so_amounts_agree_closes_the_contradiction(money):
    rate = services.exchange_rate_save(from_currency="EUR", to_currency="CNY", rate=8.0)
    (record,) = rate.opened
    services.exchange_rate_save(exchange_rate=rate.exchange_rate, rate=1.6)
    record.refresh_from_db()
    assert record.status == ContradictionStatus.CLOSED


def test_deleting_a_rate_closes_what_it_revealed(money):
    rate = services.exchange_rate_save(from_currency="EUR", to_currency="CNY", rate=8.0)
    (record,) = rate.opened
    services.exchange_rate_delete(exchange_rate=rate.exchange_rate, reason="wrong source")
    record.refresh_from_db()
    assert record.status == ContradictionStatus.CLOSED
    assert not ExchangeRate.objects.exists()


def test_a_note_only_change_rechecks_nothing(money):
    rate = services.exchange_rate_save(from_currency="EUR", to_currency="CNY", rate=8.0)
    with CaptureQueriesContext(connection) as queries:
        written = services.exchange_rate_save(exchange_rate=rate.exchange_rate, note="ECB")
    assert written.opened == []
    assert written.exchange_rate.note == "ECB"
    assert not [q for q in queries if '"claims_claim"' in q["sql"]]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"from_currency": "EUR", "to_currency": "USD", "rate": 0}, "__all__"),
        ({"from_currency": "EURO", "to_currency": "USD", "rate": 1.1}, "from_currency"),
        ({"from_currency": "EUR", "to_currency": "USD", "rate": 1.1, "spread": 1}, "spread"),
    ],
)
def test_bad_rates_are_refused_on_their_field_and_nothing_is_stored(values, field):
    with pytest.raises(ValidationError) as info:
        services.exchange_rate_save(**values)
    assert field in info.value.message_dict
    assert not ExchangeRate.objects.exists()


def test_a_second_rate_for_the_same_pair_is_refused():
    services.exchange_rate_save(from_currency="EUR", to_currency="USD", rate=1.1)
    with pytest.raises(ValidationError, match="already exists"):
        services.exchange_rate_save(from_currency="EUR", to_currency="USD", rate=1.2)

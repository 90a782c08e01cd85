"""Detection on write, rescans, curation memory and current values, against the database."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims import detection, services
from claims.models import Claim, Contradiction, ExchangeRate
from claims.selectors import entity_facts
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def group():
    return factories.entity(name="Qwen"), factories.metric(slug="largest")


def add(group, value, **extra):
    subject, metric = group
    return factories.claim(
        subject=subject, metric_=metric, value=value, quote=f"q {value}", **extra
    )


def test_write_creates_discrepancy_and_returns_it(group):
    a = add(group, "over 1 trillion").claim
    result = add(group, "exceeding 1.8 trillion")
    assert [(r.claim_a_id, r.claim_b_id, r.kind) for r in result.opened] == [
        (a.pk, result.claim.pk, "discrepancy")
    ]
    record = Contradiction.objects.get()
    assert record.severity == pytest.approx(1.8)
    assert (
        "over 1 trillion" in record.explanation and "exceeding 1.8 trillion" in record.explanation
    )


def test_agreeing_claims_make_nothing(group):
    add(group, "27B")
    add(group, "about 27B")
    assert not Contradiction.objects.exists()


def test_value_change_updates_and_closes(group):
    a = add(group, "27B").claim
    add(group, "35B")
    record = Contradiction.objects.get()
    assert record.kind == "contradiction"
    services.claim_update(claim=a, value_text="35B", quote="it has 35B")
    record.refresh_from_db()
    assert record.status == "closed"
    services.claim_update(claim=a, value_text="70B", quote="it has 70B")
    record.refresh_from_db()
    assert (record.status, record.severity) == ("open", pytest.approx(2.0))


def test_rejecting_closes_and_history_keeps_it(group):
    a = add(group, "27B").claim
    add(group, "35B")
    services.claim_reject(claim=a)
    record = Contradiction.objects.get()
    assert record.status == "closed"
    assert [h.status for h in record.history.order_by("history_id")] == ["open", "closed"]


def test_moving_a_claim_to_another_metric_rechecks_both_groups(group):
    subject, metric = group
    a = add(group, "27B").claim
    add(group, "35B")
    other_metric = factories.metric()
    factories.claim(subject=subject, metric_=other_metric, value="70B", quote="x")
    services.claim_update(claim=a, metric=other_metric)
    statuses = sorted(Contradiction.objects.values_list("metric_id", "status"))
    assert statuses == sorted([(metric.pk, "closed"), (other_metric.pk, "open")])


def test_dismissal_is_remembered_until_a_value_changes(group):
    a = add(group, "27B").claim
    add(group, "35B")
    record = Contradiction.objects.get()
    services.contradiction_dismiss(contradiction=record, note="different models")
    call_command("detect_conflicts", stdout=io.StringIO())
    record.refresh_from_db()
    assert record.status == "dismissed"
    services.claim_update(claim=a, notes="just a note")
    record.refresh_from_db()
    assert record.status == "dismissed"
    services.claim_update(claim=a, value_text="20B", quote="it has 20B")
    record.refresh_from_db()
    assert record.status == "open"


def test_resolution_holds_while_the_loser_stays_deprecated(group, reviewer):
    a = add(group, "27B").claim
    b = add(group, "35B").claim
    record = Contradiction.objects.get()
    services.contradiction_resolve(
        contradiction=record, preferred_claim=b, note="newer", user=reviewer
    )
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.rank, b.rank) == ("deprecated", "preferred")
    call_command("detect_conflicts", stdout=io.StringIO())
    record.refresh_from_db()
    assert record.status == "resolved"
    services.claim_update(claim=a, rank="normal")  # the decision no longer holds
    record.refresh_from_db()
    assert record.status == "open"
    services.claim_prefer(claim=a, reason="the first report was right")  # decided again
    record.refresh_from_db()
    b.refresh_from_db()
    assert (record.status, record.preferred_claim_id, b.rank) == ("resolved", a.pk, "deprecated")
    assert record.resolution_note == "the first report was right"


def test_resolve_requires_a_party_and_a_note(group):
    add(group, "27B")
    add(group, "35B")
    outsider = factories.claim(quote="outsider").claim
    record = Contradiction.objects.get()
    with pytest.raises(ValidationError) as info:
        services.contradiction_resolve(contradiction=record, preferred_claim=outsider, note="x")
    assert "preferred_claim" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        services.contradiction_dismiss(contradiction=record, note=" ")
    assert "note" in info.value.message_dict


def test_rescan_is_idempotent_and_reports(group):
    add(group, "27B")
    add(group, "35B")
    add(group, "70B")
    Contradiction.objects.all().delete()
    out = io.StringIO()
    call_command("detect_conflicts", stdout=out)
    assert "scanned 1 group: 3 created, 0 updated, 0 reopened, 0 closed" in out.getvalue()
    out = io.StringIO()
    call_command("detect_conflicts", stdout=out)
    assert "0 created, 0 updated, 0 reopened, 0 closed" in out.getvalue()
    assert Contradiction.objects.count() == 3


def test_rescan_dry_run_writes_nothing(group):
    add(group, "27B")
    add(group, "35B")
    Contradiction.objects.all().delete()
    out = io.StringIO()
    call_command("detect_conflicts", "--dry-run", stdout=out)
    assert "would have scanned 1 group: 1 created" in out.getvalue()
    assert not Contradiction.objects.exists()


def test_rescan_filters_by_subject_and_metric(group):
    _, metric = group
    add(group, "27B")
    add(group, "35B")
    Contradiction.objects.all().delete()
    with pytest.raises(CommandError, match="no metric"):
        call_command("detect_conflicts", "--metric", "nope", stdout=io.StringIO())
    out = io.StringIO()
    call_command("detect_conflicts", "--subject", "qwen", "--metric", metric.slug, stdout=out)
    assert "scanned 1 group: 1 created" in out.getvalue()


def test_rescan_queries_grow_with_batches_not_claims():
    def build(groups: int, per_group: int):
        metric = factories.metric()
        src = factories.source()
        for g in range(groups):
            subject = factories.entity()
            for i in range(per_group):
                factories.claim(
                    subject=subject, metric_=metric, src=src, value=f"{i + 1}B", quote=f"{g}-{i}"
                )

    def count(batch_size: int) -> int:
        with CaptureQueriesContext(connection) as ctx:  # judging every group, changed or not
            detection.rescan(batch_size=batch_size, every_group=True)
        return len(ctx.captured_queries)

    build(2, 2)
    small = count(batch_size=10)
    build(6, 5)
    large = count(batch_size=10)
    assert large == small  # 8 groups, one batch: same number of queries as 2 groups
    assert count(batch_size=4) > large  # two batches cost more queries than one


def test_money_in_two_currencies_compared_only_through_equivalent_or_rate():
    subject, price = factories.entity(), factories.metric(dimension="money", unit="")
    factories.claim(subject=subject, metric_=price, value="RMB 0.8 (USD 0.11)", quote="a")
    factories.claim(subject=subject, metric_=price, value="USD 0.11", quote="b")
    factories.claim(subject=subject, metric_=price, value="EUR 5", quote="c")
    assert not Contradiction.objects.exists()
    ExchangeRate.objects.create(from_currency="EUR", to_currency="USD", rate=1.1)
    call_command("detect_conflicts", stdout=io.StringIO())
    assert Contradiction.objects.count() >= 1


def test_time_varying_claims_with_disjoint_as_of_form_a_series():
    subject = factories.entity()
    downloads = factories.metric(unit="downloads", time_varying=True, single_valued=True)
    factories.claim(
        subject=subject, metric_=downloads, value="1 billion", quote="a", as_of="January 2026"
    )
    factories.claim(
        subject=subject, metric_=downloads, value="2 billion", quote="b", as_of="May 2026"
    )
    assert not Contradiction.objects.exists()
    factories.claim(
        subject=subject, metric_=downloads, value="5 billion", quote="c", as_of="May 2026"
    )
    assert Contradiction.objects.count() == 1


def test_current_value_prefers_reliable_then_latest():
    subject, metric = factories.entity(), factories.metric()
    reliable = factories.source(reliability="A", published=datetime.date(2025, 1, 1))
    shaky = factories.source(reliability="D", published=datetime.date(2026, 1, 1))
    a = factories.claim(subject=subject, metric_=metric, src=reliable, value="27B").claim
    factories.claim(subject=subject, metric_=metric, src=shaky, value="30B", quote="x")
    factories.claim(
        subject=subject, metric_=metric, src=shaky, value="99B", quote="y", status="proposed"
    )
    (fact,) = entity_facts(subject)
    assert fact.current == a
    assert fact.disputed
    assert (fact.claim_count, fact.source_count) == (3, 2)


def test_current_value_time_varying_takes_latest_and_preferred_wins():
    subject = factories.entity()
    downloads = factories.metric(unit="downloads", time_varying=True)
    old = factories.claim(
        subject=subject, metric_=downloads, value="1 billion", quote="a", as_of="January 2026"
    ).claim
    new = factories.claim(
        subject=subject, metric_=downloads, value="2 billion", quote="b", as_of="May 2026"
    ).claim
    (fact,) = entity_facts(subject)
    assert fact.current == new and not fact.disputed
    services.claim_prefer(claim=old)
    (fact,) = entity_facts(subject)
    assert fact.current == old


def test_fact_sheet_queries_constant_in_size():
    def sheet_queries(n_metrics: int, per_metric: int) -> int:
        subject = factories.entity()
        src = factories.source()
        for m in range(n_metrics):
            metric = factories.metric()
            for i in range(per_metric):
                factories.claim(
                    subject=subject, metric_=metric, src=src, value=f"{i + 1}B", quote=f"{m}-{i}"
                )
        with CaptureQueriesContext(connection) as ctx:
            facts = entity_facts(subject)
            shown = [
                (
                    fact.current.value_text,
                    fact.disputed,
                    fact.claim_count,
                    fact.supporting_sources,
                    *tuple((c.source.publisher.name, c.metric.name) for c in fact.claims),
                )
                for fact in facts
            ]
        assert len(shown) == n_metrics
        return len(ctx.captured_queries)

    assert sheet_queries(2, 1) == sheet_queries(50, 10)


def test_rescan_closes_records_that_no_longer_hold_after_writes_bypassing_services(group):
    a = add(group, "27B").claim
    add(group, "35B")
    assert Contradiction.objects.get().status == "open"
    Claim.objects.filter(pk=a.pk).update(value_text="35B", low=35e9, high=35e9, point=35e9)
    call_command("detect_conflicts", stdout=io.StringIO())
    assert Contradiction.objects.get().status == "closed"


def test_rescan_closes_records_of_a_metric_made_multivalued(group):
    _, metric = group
    add(group, "27B")
    add(group, "35B")
    type(metric).objects.filter(pk=metric.pk).update(single_valued=False)
    call_command("detect_conflicts", stdout=io.StringIO())
    assert Contradiction.objects.get().status == "closed"

"""Claim and entity services: values read, quotes verified, errors named, writes atomic."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from claims import services
from claims.models import Claim, Entity, EntityAlias
from claims.selectors import entity_resolve
from tests import factories

pytestmark = pytest.mark.django_db

TEXT = "The largest model, boasting over 1 trillion parameters, went live on February 16."


def errors_of(exc_info) -> dict:
    return exc_info.value.message_dict


def test_create_reads_value_and_finds_quote():
    src = factories.source(text=TEXT)
    result = factories.claim(src=src, value="over 1 trillion", quote="over 1 trillion parameters")
    claim = Claim.objects.get(pk=result.claim.pk)
    assert (claim.bound, claim.low, claim.high, claim.point) == ("more_than", 1e12, None, 1e12)
    assert claim.quote_offset == TEXT.index("over 1 trillion parameters")
    assert (claim.as_of_start, claim.as_of_end, claim.as_of_precision) == (
        datetime.date(2026, 3, 28),
        datetime.date(2026, 3, 28),
        "day",
    )


def test_quote_not_in_source_text_is_refused_and_nothing_saved():
    src = factories.source(text=TEXT)
    with pytest.raises(ValidationError) as info:
        factories.claim(src=src, value="over 1 trillion", quote="over one trillion parameters")
    assert "not found verbatim" in errors_of(info)["quote"][0]
    assert not Claim.objects.exists()


def test_source_without_text_accepts_any_quote():
    result = factories.claim(value="27B", quote="a 27B model")
    assert result.claim.quote_offset is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("lots of", "lots of"),
        ("", "Write the value"),
        ("-5 billion", "negative"),
        ("XYZ 5", "XYZ"),
        ("128K tokens", "tokens"),
        ("30%", "does not fit"),
    ],
)
def test_bad_values_are_refused_naming_the_field(value, message):
    with pytest.raises(ValidationError) as info:
        factories.claim(value=value, quote="q")
    assert message in " ".join(errors_of(info)["value_text"])
    assert not Claim.objects.exists()


def test_unit_that_does_not_fit_a_money_metric_is_refused():
    price = factories.metric(dimension="money", unit="")
    with pytest.raises(ValidationError) as info:
        factories.claim(metric_=price, value="128K tokens", quote="q")
    assert "money" in errors_of(info)["value_text"][0]


def test_money_with_equivalent_is_stored_in_both_currencies():
    price = factories.metric(dimension="money", unit="")
    claim = factories.claim(metric_=price, value="RMB 0.8 (USD 0.11)", quote="q").claim
    assert (claim.currency, claim.point, claim.eq_currency, claim.eq_point) == (
        "CNY",
        0.8,
        "USD",
        0.11,
    )


def test_month_day_date_is_read_in_the_source_year():
    released = factories.metric(value_type="date")
    claim = factories.claim(metric_=released, value="February 16", quote="q").claim
    assert (claim.date_start, claim.date_end, claim.date_precision) == (
        datetime.date(2026, 2, 16),
        datetime.date(2026, 2, 16),
        "day",
    )


def test_as_of_as_written():
    claim = factories.claim(value="27B", quote="q", as_of="March 22–28, 2026").claim
    assert (claim.as_of_start, claim.as_of_end) == (
        datetime.date(2026, 3, 22),
        datetime.date(2026, 3, 28),
    )


def test_bad_as_of_is_refused():
    with pytest.raises(ValidationError) as info:
        factories.claim(value="27B", quote="q", as_of="sometime")
    assert "sometime" in errors_of(info)["as_of"][0]


def test_entity_values_resolve_through_aliases():
    qwen35 = factories.entity(name="Qwen3.5", kind="model_family", aliases=["Qwen 3.5 generation"])
    latest = factories.metric(value_type="entity")
    claim = factories.claim(metric_=latest, value="qwen 3.5", quote="q").claim
    assert claim.entity_value == qwen35
    with pytest.raises(ValidationError) as info:
        factories.claim(metric_=latest, value="Qwen 9", quote="q")
    assert "Qwen 9" in errors_of(info)["value_text"][0]


def test_boolean_and_text_values():
    open_weights = factories.metric(value_type="boolean")
    licence = factories.metric(value_type="text")
    assert factories.claim(metric_=open_weights, value="Yes", quote="q").claim.bool_value is True
    assert (
        factories.claim(metric_=licence, value=" Apache   2.0 ", quote="q").claim.text_value
        == "Apache 2.0"
    )
    with pytest.raises(ValidationError):
        factories.claim(metric_=open_weights, value="perhaps", quote="q")


def test_several_errors_reported_together():
    with pytest.raises(ValidationError) as info:
        services.claim_create(
            subject=None, metric=None, source=None, value_text="x", quote="", status="maybe"
        )
    assert {"subject", "metric", "source", "quote", "status"} <= set(errors_of(info))


def test_update_rereads_value_and_records_history(editor):
    claim = factories.claim(value="27B", quote="q").claim
    services.claim_update(
        claim=claim, user=editor, reason="typo", value_text="35B", quote="it has 35B"
    )
    claim.refresh_from_db()
    assert claim.point == 35e9
    latest = claim.history.first()
    assert (latest.history_user, latest.history_change_reason) == (editor, "typo")
    assert claim.history.count() == 2


def test_update_without_change_writes_nothing():
    claim = factories.claim(value="27B", quote="q").claim
    services.claim_update(claim=claim, value_text="27B")
    assert claim.history.count() == 1


def test_update_unknown_field_refused():
    claim = factories.claim().claim
    with pytest.raises(ValidationError) as info:
        services.claim_update(claim=claim, point=5)
    assert "point" in errors_of(info)


def test_accept_reject_set_reviewer(reviewer):
    claim = factories.claim(status="proposed").claim
    services.claim_accept(claim=claim, user=reviewer)
    claim.refresh_from_db()
    assert (claim.status, claim.reviewed_by) == ("accepted", reviewer)
    services.claim_reject(claim=claim, user=reviewer)
    claim.refresh_from_db()
    assert claim.status == "rejected"


def test_prefer_demotes_previous_preferred():
    subject, metric = factories.entity(), factories.metric()
    a = factories.claim(subject=subject, metric_=metric).claim
    b = factories.claim(subject=subject, metric_=metric, quote="b").claim
    services.claim_prefer(claim=a)
    services.claim_prefer(claim=b)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.rank, b.rank) == ("normal", "preferred")


def test_prefer_requires_accepted():
    claim = factories.claim(status="proposed").claim
    with pytest.raises(ValidationError) as info:
        services.claim_prefer(claim=claim)
    assert "accepted" in errors_of(info)["rank"][0]


def test_alias_colliding_with_another_entity_is_refused():
    factories.entity(name="Qwen", aliases=["Tongyi Qianwen"])
    with pytest.raises(ValidationError) as info:
        factories.entity(name="Other", aliases=["tongyi-qianwen"])
    assert "collides with Qwen" in errors_of(info)["aliases"][0]
    with pytest.raises(ValidationError) as info:
        factories.entity(name="TONGYI QIANWEN")
    assert "collides" in errors_of(info)["name"][0]
    assert Entity.objects.count() == 1


def test_lookup_ignores_case_spaces_and_hyphens():
    qwen = factories.entity(name="Qwen3.5-Plus", aliases=["Tongyi Qianwen 3.5 Plus"])
    for text in ["qwen 3.5 plus", "QWEN3.5PLUS", "tongyi-qianwen-3.5-plus", qwen.slug]:
        assert entity_resolve(text) == qwen
    assert entity_resolve("Qwen 4") is None


def test_merge_moves_claims_values_children_and_aliases(editor):
    family = factories.entity(name="Qwen", kind="model_family")
    survivor = factories.entity(name="Qwen3.5", kind="model_family", parent=family)
    duplicate = factories.entity(name="Qwen 3.5 series", kind="model_family", aliases=["Q3.5"])
    child = factories.entity(name="Qwen3.5-27B", parent=duplicate)
    on_dup = factories.claim(subject=duplicate, value="27B").claim
    latest = factories.metric(value_type="entity")
    pointing = factories.claim(
        subject=family, metric_=latest, value="Qwen 3.5 series", quote="q"
    ).claim

    services.entity_merge(survivor=survivor, duplicates=[duplicate], user=editor)

    assert not Entity.objects.filter(pk=duplicate.pk).exists()
    on_dup.refresh_from_db()
    pointing.refresh_from_db()
    child.refresh_from_db()
    assert on_dup.subject == survivor
    assert pointing.entity_value == survivor
    assert child.parent == survivor
    assert set(survivor.aliases.values_list("name", flat=True)) == {"Qwen 3.5 series", "Q3.5"}
    assert entity_resolve("q3.5") == survivor
    assert duplicate.history.first().history_type == "-"


def test_merge_needs_a_duplicate():
    survivor = factories.entity()
    with pytest.raises(ValidationError):
        services.entity_merge(survivor=survivor, duplicates=[survivor])


def test_entity_parent_cycle_refused():
    top = factories.entity(name="Top")
    below = factories.entity(name="Below", parent=top)
    with pytest.raises(ValidationError) as info:
        services.entity_update(entity=top, parent=below)
    assert "parent" in errors_of(info)


def test_alias_rows_keep_history():
    entity = factories.entity(name="Qwen", aliases=["Tongyi Qianwen"])
    alias = EntityAlias.objects.get(entity=entity)
    assert alias.history.count() == 1


def test_metric_tolerance_change_rereads_claims_and_rechecks(editor):
    metric = factories.metric(tolerance=0.05)
    subject = factories.entity()
    approx = factories.claim(subject=subject, metric_=metric, value="about 100B").claim
    factories.claim(subject=subject, metric_=metric, value="112B", quote="b")
    assert approx.high == pytest.approx(105e9)
    from claims.models import Contradiction

    assert Contradiction.objects.get().kind == "contradiction"
    services.metric_save(metric=metric, user=editor, tolerance=0.2)
    approx.refresh_from_db()
    assert approx.high == pytest.approx(120e9)
    assert Contradiction.objects.get().status == "closed"  # 112B now lies within about 100B


def test_metric_type_change_that_breaks_claims_is_refused():
    metric = factories.metric()
    factories.claim(metric_=metric, value="27B")
    with pytest.raises(ValidationError) as info:
        services.metric_save(metric=metric, value_type="date", dimension="", unit="")
    assert "27B" in info.value.message_dict["value_type"][0]
    metric.refresh_from_db()
    assert metric.value_type == "quantity"


def test_review_decisions_need_a_reviewer(editor, reviewer):
    with pytest.raises(PermissionDenied):
        factories.claim(value="27B", quote="q", status="accepted", user=editor)
    claim = factories.claim(value="27B", quote="q", status="proposed", user=editor).claim
    for attempt in (
        lambda: services.claim_accept(claim=claim, user=editor),
        lambda: services.claim_update(claim=claim, user=editor, rank="preferred"),
        lambda: services.claim_prefer(claim=claim, user=editor),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    services.claim_accept(claim=claim, user=reviewer)
    claim.refresh_from_db()
    assert claim.status == "accepted"

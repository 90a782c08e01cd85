"""ClaimValue: one value type that knows its columns, signature, facts, JSON and display."""

import dataclasses
import importlib

import pytest
from django.apps import apps as live_apps
from django.db.migrations.loader import MigrationLoader
from hypothesis import given
from hypothesis import strategies as st

from claims import choices
from claims.models import Claim, Contradiction, Entity
from claims.models.claims import ValueKey
from claims.values import (
    Bound,
    ClaimFacts,
    ClaimValue,
    Money,
    ValueType,
    normalize_text,
    read_quantity,
)
from claims.values.claim_value import COLUMNS, FIELDS, KEY_COLUMNS

signatures = importlib.import_module("claims.migrations.0006_value_signatures_with_equivalents")

figures = st.none() | st.floats(allow_nan=False, allow_infinity=False)
days = st.none() | st.dates()
values = st.builds(
    ClaimValue,
    bound=st.sampled_from(["", *Bound]),
    low=figures,
    high=figures,
    point=figures,
    currency=st.sampled_from(["", "USD", "CNY"]),
    eq_currency=st.sampled_from(["", "USD", "EUR"]),
    eq_low=figures,
    eq_high=figures,
    eq_point=figures,
    date_start=days,
    date_end=days,
    date_precision=st.sampled_from(["", "day", "month", "year"]),
    text_value=st.text(max_size=20),
    entity_value_id=st.none() | st.integers(1, 10**6),
    bool_value=st.none() | st.booleans(),
)


@given(values)
def test_columns_round_trip_through_a_model_instance(value):
    claim = Claim(**value.to_columns())
    assert ClaimValue.from_columns(claim) == value == ClaimValue.from_columns(value.to_columns())
    assert tuple(value.to_columns()) == COLUMNS
    entity = Entity(pk=value.entity_value_id) if value.entity_value_id else None
    fields = value.to_fields(entity)
    assert tuple(fields) == FIELDS
    assert ClaimValue.from_columns(Claim(**fields)) == value


def test_the_columns_are_the_models_value_fields():
    model_fields = {field.attname for field in Claim._meta.concrete_fields}
    assert set(COLUMNS) <= model_fields
    assert set(KEY_COLUMNS) == set(COLUMNS) - {"date_precision"}


@given(values, st.integers(1, 99), st.text(max_size=5), st.dates(), st.dates())
def test_facts_carry_every_column_the_rules_read(value, pk, label, start, end):
    # The facts are built positionally for speed: each must land in its named field.
    facts = value.facts(pk, "as written", label, start, end)
    equivalent = (
        Money(value.eq_currency, value.eq_low, value.eq_high, value.eq_point)
        if value.eq_currency
        else None
    )
    assert facts == ClaimFacts(
        id=pk,
        value_text="as written",
        label=label,
        bound=value.bound or None,
        low=value.low,
        high=value.high,
        point=value.point,
        currency=value.currency or None,
        equivalent=equivalent,
        date_start=value.date_start,
        date_end=value.date_end,
        text=value.text_value or None,
        entity_id=value.entity_value_id,
        boolean=value.bool_value,
        as_of_start=start,
        as_of_end=end,
    )
    assert len(dataclasses.fields(ClaimFacts)) == 16


@given(values, values)
def test_signatures_are_equal_exactly_when_the_rules_see_one_value(a, b):
    def seen(value):
        folded = value._replace(text_value=normalize_text(value.text_value), date_precision="")
        return tuple(map(repr, folded))

    assert (a.signature() == b.signature()) == (seen(a) == seen(b))


def test_the_signature_holds_the_equivalent_and_folds_text_as_the_rules_do():
    money = ClaimValue(bound="range", low=1.0, high=2.0, currency="CNY", eq_currency="USD")
    assert money._replace(eq_low=0.1).signature() != money._replace(eq_low=0.2).signature()
    assert money._replace(eq_high=0.3).signature() != money._replace(eq_high=0.4).signature()
    wide, narrow = ClaimValue(text_value="Ｑｗｅｎ３"), ClaimValue(text_value="qwen3")
    assert normalize_text(wide.text_value) == normalize_text("qwen3")
    assert wide.signature() == narrow.signature()


def test_json_and_display_of_money_with_an_equivalent():
    value = ClaimValue.of_quantity(read_quantity("RMB 0.8 (USD 0.11)"), money=True)
    assert value.json(ValueType.QUANTITY, dimension="money") == {
        "type": "quantity",
        "bound": "exact",
        "low": 0.8,
        "high": 0.8,
        "point": 0.8,
        "unit": "CNY",
        "equivalent": {"low": 0.11, "high": 0.11, "point": 0.11, "unit": "USD"},
    }
    assert value.display(ValueType.QUANTITY, dimension="money") == "RMB 0.8 (= USD 0.11)"
    over = ClaimValue.of_quantity(read_quantity("over 1 trillion"), money=False)
    assert over.display(ValueType.QUANTITY, unit="parameters") == "> 1 trillion parameters"
    assert ClaimValue(bool_value=False).display(ValueType.BOOLEAN) == "no"


def test_the_django_choices_are_the_declared_enumerations():
    assert choices.Bound.values == [bound.value for bound in Bound]
    assert choices.ValueType.values == [kind.value for kind in ValueType]
    assert choices.Bound.MORE_THAN.label == "more than"


def test_the_value_key_migration_records_its_columns():
    assert ValueKey(KEY_COLUMNS).deconstruct() == (
        "claims.models.claims.ValueKey",
        (KEY_COLUMNS,),
        {},
    )
    # Another column list is another expression: makemigrations would write a migration.
    assert ValueKey(KEY_COLUMNS) != ValueKey((*KEY_COLUMNS, "date_precision"))
    state = MigrationLoader(None, ignore_no_migrations=True).project_state(
        ("claims", "0003_claim_value_key")
    )
    field = state.models["claims", "claim"].fields["value_key"]
    assert (
        field.expression.columns
        == KEY_COLUMNS
        == Claim._meta.get_field("value_key").expression.columns
    )


@given(values)
def test_the_migrations_signature_is_the_live_one(value):
    assert signatures.new_signature(value.to_columns()) == value.signature()


@pytest.mark.django_db
def test_the_migration_keeps_dismissals_whose_values_are_unchanged(seed_kb):
    fresh, stale = Contradiction.objects.order_by("id")[:2]
    for record in (fresh, stale):
        rows = {row["id"]: row for row in Claim.objects.values("id", *signatures.NEW_PARTS)}
        old = [signatures.old_signature(rows[pk]) for pk in (record.claim_a_id, record.claim_b_id)]
        record.signature = "#".join(old)
    stale.signature = "changed since#dismissed"
    Contradiction.objects.bulk_update([fresh, stale], ["signature"])

    signatures.rewrite(live_apps, None)

    fresh.refresh_from_db()
    stale.refresh_from_db()
    assert fresh.signature == (
        f"{fresh.claim_a.value_signature()}#{fresh.claim_b.value_signature()}"
    )
    assert stale.signature == "changed since#dismissed"

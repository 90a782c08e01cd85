"""The database refuses bad rows even when code bypasses the services."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from claims.models import Claim, Contradiction, Entity, EntityAlias, Metric
from sources.models import Publisher, Source
from tests import factories

pytestmark = pytest.mark.django_db


def refused(fn, constraint: str) -> None:
    with pytest.raises(IntegrityError) as info, transaction.atomic():
        fn()
    assert constraint.lower() in str(info.value).lower() or "constraint" in str(info.value).lower()


def raw_claim(**overrides) -> Claim:
    fields = {
        "subject": factories.entity(),
        "metric": factories.metric(),
        "source": factories.source(),
        "value_text": "27B",
        "quote": "27B",
        "bound": "exact",
        "low": 27e9,
        "high": 27e9,
        "point": 27e9,
        "status": "accepted",
        "rank": "normal",
    }
    return Claim(**(fields | overrides))


def test_good_raw_claim_is_stored():
    claim = raw_claim()
    claim.save()
    assert Claim.objects.get(pk=claim.pk).point == 27e9


@pytest.mark.parametrize(
    ("overrides", "constraint"),
    [
        ({"low": 5.0, "high": 4.0, "point": None}, "claim_low_le_high"),
        ({"status": "maybe"}, "claim_status_valid"),
        ({"rank": "best"}, "claim_rank_valid"),
        ({"bound": "roughly"}, "claim_bound_valid"),
        ({"point": 1.0}, "claim_point_within_bounds"),
        ({"quote": ""}, "claim_quote_not_empty"),
        ({"value_text": ""}, "claim_value_text_not_empty"),
        (
            {"as_of_start": datetime.date(2026, 5, 1), "as_of_end": datetime.date(2026, 4, 1)},
            "claim_as_of_start_le_end",
        ),
        (
            {"date_start": datetime.date(2026, 5, 1), "date_end": datetime.date(2026, 4, 1)},
            "claim_date_start_le_end",
        ),
    ],
)
def test_database_refuses_bad_claim(overrides, constraint):
    refused(raw_claim(**overrides).save, constraint)


def test_slugs_are_unique():
    factories.entity(name="Alpha")
    first = Entity.objects.get(name="Alpha")
    refused(lambda: Entity.objects.create(name="Beta", slug=first.slug, kind="model"), "slug")
    m = factories.metric()
    refused(lambda: Metric.objects.create(name="x", slug=m.slug, value_type="text"), "slug")
    p = factories.publisher()
    refused(lambda: Publisher.objects.create(name="y", slug=p.slug), "slug")


def test_alias_unique_ignoring_case_spaces_and_hyphens():
    qwen = factories.entity(name="Qwen", aliases=["Tongyi Qianwen"])
    other = factories.entity(name="Other")
    refused(lambda: EntityAlias.objects.create(entity=other, name="tongyi-qianwen"), "alias_key")
    refused(lambda: EntityAlias.objects.create(entity=qwen, name="TONGYI QIANWEN"), "alias_key")


def test_entity_names_unique_ignoring_case_spaces_and_hyphens():
    factories.entity(name="Qwen 3.5")
    refused(lambda: Entity.objects.create(name="qwen3.5", slug="dup", kind="model"), "name_key")


def test_lookup_key_is_computed_by_the_database():
    entity = factories.entity(name="Qwen 3.5-Plus")
    assert Entity.objects.get(pk=entity.pk).key == "qwen3.5plus"


def test_reliability_choices_enforced():
    refused(lambda: Publisher.objects.create(name="z", slug="z", reliability="G"), "reliability")
    publisher = factories.publisher()
    refused(
        lambda: Source.objects.create(key="k", title="t", publisher=publisher, reliability="Q"),
        "reliability",
    )


def test_metric_tolerance_and_dimension_enforced():
    refused(
        lambda: Metric.objects.create(
            name="a", slug="a", value_type="quantity", dimension="number", tolerance=1.5
        ),
        "tolerance",
    )
    refused(
        lambda: Metric.objects.create(name="b", slug="b", value_type="quantity", dimension=""),
        "dimension",
    )


def test_contradiction_pair_stored_once_whichever_way_round():
    metric = factories.metric()
    subject = factories.entity()
    a = factories.claim(subject=subject, metric_=metric, value="27B").claim
    b = factories.claim(subject=subject, metric_=metric, value="27B", quote="also 27B").claim
    common = {"subject": subject, "metric": metric, "kind": "discrepancy", "severity": 2.0}
    Contradiction.objects.create(claim_a=a, claim_b=b, **common)
    refused(lambda: Contradiction.objects.create(claim_a=a, claim_b=b, **common), "pair_unique")
    refused(lambda: Contradiction.objects.create(claim_a=b, claim_b=a, **common), "pair_ordered")


def test_resolved_contradiction_needs_a_preferred_party():
    metric = factories.metric()
    subject = factories.entity()
    a = factories.claim(subject=subject, metric_=metric).claim
    b = factories.claim(subject=subject, metric_=metric, quote="b").claim
    c = factories.claim(quote="c").claim
    common = {"subject": subject, "metric": metric, "kind": "discrepancy", "severity": 2.0}
    refused(
        lambda: Contradiction.objects.create(claim_a=a, claim_b=b, status="resolved", **common),
        "resolved_has_preferred",
    )
    refused(
        lambda: Contradiction.objects.create(claim_a=a, claim_b=b, preferred_claim=c, **common),
        "preferred_is_party",
    )


def test_editor_and_reviewer_groups_exist_from_migrations():
    from django.contrib.auth.models import Group

    editors = Group.objects.get(name="Editors")
    reviewers = Group.objects.get(name="Reviewers")
    editor_perms = set(editors.permissions.values_list("codename", flat=True))
    reviewer_perms = set(reviewers.permissions.values_list("codename", flat=True))
    assert {"add_claim", "change_claim", "add_source", "change_entity"} <= editor_perms
    assert "review_claim" not in editor_perms
    assert "change_contradiction" not in editor_perms
    assert {"review_claim", "change_contradiction"} <= reviewer_perms
    assert editor_perms <= reviewer_perms


def test_no_account_is_created_by_migrations():
    from django.contrib.auth.models import User

    assert not User.objects.exists()

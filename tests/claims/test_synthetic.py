"""generate_synthetic: the same seed gives the same knowledge base, with the promised shape."""

import io
from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from claims.choices import EntityKind, ValueType
from claims.management.commands.generate_synthetic import METRICS, Plan
from claims.models import Claim, Contradiction, Entity, Metric
from sources.models import Publisher, Source


def planned(claims: int, seed: int) -> list[dict]:
    plan = Plan(claims=claims, seed=seed)
    publishers = plan.publishers()
    plan.sources(publishers)
    return list(plan.rows(plan.entity_rows(), publishers))


def groups_of(rows: list[dict]) -> Counter:
    return Counter((row["subject"], row["metric"]) for row in rows)


def test_same_seed_same_rows_other_seed_other_rows():
    assert planned(400, seed=3) == planned(400, seed=3)
    assert planned(400, seed=3) != planned(400, seed=4)


def test_group_sizes_run_from_one_to_thirty_with_a_long_tail():
    plan = Plan(claims=6000, seed=1)
    publishers = plan.publishers()
    entities = plan.entity_rows()
    slugs = {row["name"]: row["slug"] for row in entities}
    rows = list(plan.rows(entities, publishers))
    assert len(rows) == 6000
    sizes = Counter(
        (slugs.get(row["subject"], row["subject"]), row["metric"]) for row in rows
    ).values()
    assert max(sizes) <= 30 and min(sizes) >= 1
    assert sum(1 for size in sizes if size <= 2) > len(sizes) / 2  # most groups are small
    assert sum(1 for size in sizes if size >= 20) > 0  # and a few are large
    assert {row["metric"] for row in rows} == {f"syn-{m[0]}" for m in METRICS}


@pytest.mark.django_db
def test_generated_database_has_every_kind_type_grade_and_some_disputes():
    call_command("generate_synthetic", "--claims", "3000", "--no-progress", stdout=io.StringIO())
    assert Claim.objects.count() == 3000
    assert set(Entity.objects.values_list("kind", flat=True)) == set(EntityKind.values)
    assert set(Metric.objects.values_list("value_type", flat=True)) == set(ValueType.values)
    assert set(Source.objects.values_list("reliability", flat=True)) == set("ABCDEF")
    groups = Claim.objects.values_list("subject_id", "metric_id").distinct().count()
    disputed = Contradiction.objects.values_list("subject_id", "metric_id").distinct().count()
    assert 0.02 < disputed / groups < 0.09  # about 5% of groups disagree
    series = Claim.objects.filter(metric__time_varying=True).values("as_of_start").distinct()
    assert series.count() > 10  # time-varying metrics form series over many periods
    assert Claim.history.count() == 3000


@pytest.mark.django_db
def test_regenerating_with_the_same_seed_gives_the_same_claims():
    def stored() -> list[tuple]:
        return sorted(
            Claim.objects.values_list(
                "subject__slug",
                "metric__slug",
                "source__key",
                "value_text",
                "point",
                "quote",
                "as_of_start",
                "status",
            )
        )

    def generate() -> None:
        call_command(
            "generate_synthetic",
            "--claims",
            "300",
            "--seed",
            "5",
            "--no-progress",
            stdout=io.StringIO(),
        )

    generate()
    first = stored()
    with pytest.raises(CommandError, match="already holds"):
        generate()
    Entity.objects.update(parent=None)
    for model in (Contradiction, Claim, Source, Publisher, Entity, Metric):
        model.objects.all().delete()
    generate()
    assert stored() == first


@pytest.mark.django_db
def test_out_writes_an_import_file_that_imports_to_the_same_claims(tmp_path):
    path = tmp_path / "claims.jsonl"
    call_command(
        "generate_synthetic",
        "--claims",
        "200",
        "--out",
        str(path),
        "--no-progress",
        stdout=io.StringIO(),
    )
    assert not Claim.objects.exists()
    assert len(path.read_text().splitlines()) == 200
    call_command("import_claims", str(path), "--no-progress", stdout=io.StringIO())
    assert Claim.objects.count() == 200

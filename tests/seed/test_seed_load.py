"""Loading the seed knowledge base: verified, idempotent, atomic, and the DESIGN.md cases flagged."""

import io
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from claims import services
from claims.models import Claim, Contradiction, Entity, EntityAlias, Metric
from claims.selectors import entity_facts, entity_resolve
from sources.models import Publisher, Source
from tests.conftest import seed_texts_dir

pytestmark = pytest.mark.django_db


def history_rows() -> int:
    models = [Claim, Contradiction, Entity, EntityAlias, Metric, Publisher, Source]
    return sum(model.history.count() for model in models)


def test_every_quote_is_verbatim_in_its_seed_document(seed_kb):
    texts = seed_texts_dir()
    assert texts is not None, (
        "the seed documents are expected beside the checkout (../shared/seeds)"
    )
    for source in Source.objects.all():
        assert source.text, f"{source.key} was loaded without its text"
        document = (texts / next(texts.glob(f"{source.key[-3:]}_*.txt")).name).read_text()
        for claim in source.claims.all():
            assert claim.quote in document, (source.key, claim.quote)
            assert claim.quote_offset == document.find(claim.quote)


def test_values_read_entities_and_aliases(seed_kb):
    assert Claim.objects.count() >= 150
    assert Source.objects.count() == 5
    for claim in Claim.objects.select_related("metric"):
        if claim.metric.value_type == "quantity":
            assert claim.bound, claim
        if claim.metric.value_type == "date":
            assert claim.date_start and claim.date_end, claim
    for entity in Entity.objects.prefetch_related("aliases"):
        assert entity.kind
        assert entity_resolve(entity.name) == entity
        for alias in entity.aliases.all():
            assert entity_resolve(alias.name) == entity
    assert entity_resolve("Tongyi Qianwen").slug == "qwen"
    assert entity_resolve("Qwen 3.5") == entity_resolve("Qwen3.5")


def test_design_cases_are_flagged_by_a_rescan(seed_kb):
    Contradiction.objects.all().delete()
    call_command("detect_conflicts", stdout=io.StringIO())
    parameters = Contradiction.objects.get(
        subject__slug="qwen", metric__slug="largest-model-parameters"
    )
    assert parameters.kind == "discrepancy"
    assert parameters.severity == pytest.approx(1.8)
    assert {parameters.claim_a.value_text, parameters.claim_b.value_text} == {
        "over 1 trillion",
        "exceeding 1.8 trillion",
    }
    latest = Contradiction.objects.filter(subject__slug="qwen", metric__slug="latest-generation")
    assert latest.count() >= 3
    for record in latest:
        names = {record.claim_a.entity_value.name, record.claim_b.entity_value.name}
        assert names == {"Qwen 4.0", "Qwen3.5"}, names
        assert record.kind == "contradiction"


def test_second_load_changes_nothing(seed_kb):
    before = history_rows()
    out = io.StringIO()
    call_command("load_seed", stdout=out)
    assert history_rows() == before
    assert "0 created, 0 updated" in out.getvalue()


def test_bad_row_is_named_by_file_and_line_and_nothing_is_loaded(tmp_path: Path):
    fixtures = tmp_path / "fixtures"
    shutil.copytree(settings.FIXTURES_DIR, fixtures)
    path = fixtures / "sources" / "003-krasia-qwen-wearables.yaml"
    text = path.read_text()
    lines = text.splitlines()
    index = next(i for i, line in enumerate(lines) if line.lstrip().startswith("- subject:"))
    value_line = next(i for i in range(index, len(lines)) if lines[i].lstrip().startswith("value:"))
    indent = lines[value_line][: len(lines[value_line]) - len(lines[value_line].lstrip())]
    lines[value_line] = f"{indent}value: lots and lots"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(CommandError) as info:
        call_command("load_seed", "--fixtures", str(fixtures), stdout=io.StringIO())
    message = str(info.value)
    assert f"{path}, line {index + 1}" in message
    assert "lots and lots" in message
    assert not Claim.objects.exists() and not Source.objects.exists()


def test_seed_contradictions_are_the_design_cases_each_settled_in_one_step(seed_kb):
    records = Contradiction.objects.select_related("metric", "claim_a", "claim_b")
    groups = {(r.subject.slug, r.metric.slug, r.kind) for r in records}
    # 1T vs 1.8T; Qwen 4.0 against Qwen3.5 as the latest generation and (Qwen3.5-Max
    # Preview) as the flagship.
    assert groups == {
        ("qwen", "largest-model-parameters", "discrepancy"),
        ("qwen", "latest-generation", "contradiction"),
        ("qwen", "flagship-model", "contradiction"),
    }
    qwen4 = Claim.objects.filter(
        source__key="seed-004", metric__slug="latest-generation", subject__slug="qwen"
    ).get()
    services.claim_reject(claim=qwen4)  # one step: all four pairs close
    assert not Contradiction.objects.filter(metric__slug="latest-generation", status="open")
    parameters = Contradiction.objects.get(metric__slug="largest-model-parameters")
    dated = Claim.objects.get(pk=parameters.claim_a_id)
    services.claim_prefer(claim=dated, reason="dated, more reliable source")
    parameters.refresh_from_db()
    assert parameters.status == "resolved"


def test_every_current_value_of_qwen_comes_from_its_most_reliable_fitting_source(seed_kb):
    order = "ABCDFE"
    for fact in entity_facts(Entity.objects.get(slug="qwen")):
        accepted = [c for c in fact.claims if c.status == "accepted" and c.rank != "deprecated"]
        best = min(order.index(c.source.reliability) for c in accepted)
        if not fact.metric.time_varying:
            assert order.index(fact.grade) == best, fact.metric.slug
        assert fact.why
    facts = {f.metric.slug: f for f in entity_facts(Entity.objects.get(slug="qwen"))}
    assert (
        facts["largest-model-parameters"].current.value_text,
        facts["largest-model-parameters"].grade,
    ) == ("over 1 trillion", "C")
    assert facts["latest-generation"].current.entity_value.name == "Qwen3.5"
    assert facts["flagship-model"].current.entity_value.name == "Qwen3.5-Max Preview"

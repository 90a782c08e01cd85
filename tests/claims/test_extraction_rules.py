"""Binding rules that generalise over news articles: changes as verbs, asides in parentheses,
a text's main subject, "the company", names inside cues, a family's size, a family's app."""

import datetime

from claims.extraction import Catalogue, EntityRef, MetricRef, extract

MARCH = datetime.date(2026, 3, 28)
METRICS = [
    MetricRef("quarterly-revenue", "Quarterly revenue", "quantity", "money", "", ("revenue",)),
    MetricRef("annual-revenue", "Annual revenue", "quantity", "money", "", ("annual revenue",)),
    MetricRef("net-income-change", "Net income change", "quantity", "percent", "", ("net income",)),
    MetricRef("revenue-growth", "Revenue growth", "quantity", "percent", "", ("revenue up",)),
    MetricRef("net-cash", "Net cash", "quantity", "money", "", ("net cash",)),
    MetricRef("params", "Total parameters", "quantity", "number", "parameters", ("parameters",)),
    MetricRef(
        "largest", "Largest model", "quantity", "number", "parameters", ("largest model", "largest")
    ),
    MetricRef("orders", "Orders processed", "quantity", "number", "orders", ("orders",)),
]
ENTITIES = [
    EntityRef("acme", "Acme", "organisation"),
    EntityRef("acme-cloud", "Acme Cloud", "organisation", (), "acme"),
    EntityRef("acme-shop", "Acme Shop", "organisation", (), "acme"),
    EntityRef("orion", "Orion", "model_family"),
    EntityRef("orion-2-max", "Orion2-Max", "model", (), "orion"),
    EntityRef("orion-app", "Orion app", "product"),
    EntityRef("vega", "Vega", "model_family"),
]
CATALOGUE = Catalogue.build(entities=ENTITIES, metrics=METRICS)


def found(text: str) -> set[tuple[str, str, str]]:
    return {
        (p.subject, p.metric, p.value_text)
        for p in extract(text, CATALOGUE, published=MARCH).proposals
    }


def test_a_change_written_as_a_verb_keeps_its_verb_so_it_reads_signed():
    assert found("Acme said net income dropped 66% in the quarter.") == {
        ("acme", "net-income-change", "dropped 66%")
    }


def test_a_name_in_parentheses_is_the_subject_only_of_figures_in_them():
    text = (
        "Acme reports. Acme grows. Acme hires. Revenue was $9 billion (Acme Shop revenue up 56%)."
    )
    assert found(text) == {
        ("acme", "quarterly-revenue", "$9 billion"),
        ("acme-shop", "revenue-growth", "up 56%"),
    }


def test_a_sentence_that_names_nobody_is_about_the_company_the_text_is_about():
    text = "Acme reports. Acme grows. Acme hires. Orion ships. Revenue was $9 billion."
    assert found(text) == {("acme", "quarterly-revenue", "$9 billion")}


def test_without_a_clear_main_subject_an_unnamed_figure_is_skipped():
    text = "Acme reports. Acme Cloud grows. Acme hires. Acme Cloud ships. Revenue was $9 billion."
    result = extract(text, CATALOGUE, published=MARCH)
    assert result.proposals == []
    assert [s.text for s in result.skipped] == ["$9 billion"]
    assert "no entity named" in result.skipped[0].reason


def test_the_company_said_after_a_unit_is_the_company_it_belongs_to():
    text = "Acme Cloud's revenue was $2 billion. The company holds $4 billion in net cash."
    assert ("acme", "net-cash", "$4 billion") in found(text)
    assert ("acme-cloud", "quarterly-revenue", "$2 billion") in found(text)


def test_a_name_inside_a_cue_does_not_hide_the_cue():
    assert found("Annual Acme Cloud revenue reached RMB 10 billion.") == {
        ("acme-cloud", "annual-revenue", "RMB 10 billion")
    }


def test_a_familys_size_is_its_largest_models():
    assert found("Orion has 2 trillion parameters.") == {
        ("orion", "largest", "2 trillion parameters")
    }
    text = "Orion2-Max, the largest model in the Orion series, has 2 trillion parameters."
    assert found(text) == {
        ("orion-2-max", "params", "2 trillion parameters"),
        ("orion", "largest", "2 trillion parameters"),
    }
    assert found("Orion2-Max has 2 trillion parameters.") == {
        ("orion-2-max", "params", "2 trillion parameters")
    }
    # The family is not named beside "largest": only the model's own count.
    text = "Acme's Orion2-Max, the largest model of the family, has 2 trillion parameters."
    assert found(text) == {("orion-2-max", "params", "2 trillion parameters")}
    # A company is not a family: its name near a count says nothing of its largest model.
    assert found("The 1-trillion-parameter model signals Acme's intent.") == set()


def test_what_only_an_app_has_goes_to_the_familys_app_and_never_to_a_family():
    assert found("Orion processed 200 million orders in February.") == {
        ("orion-app", "orders", "200 million orders")
    }
    result = extract("Vega processed 200 million orders.", CATALOGUE, published=MARCH)
    assert result.proposals == [] and result.skipped


DEVELOPER = MetricRef("developer", "Developer", "entity", cues=("developed by", "from"))
AVAILABLE = MetricRef("available-on", "Available on", "entity", cues=("available on",))
LARGEST = MetricRef("largest-model", "Largest model", "entity", cues=("largest model",))
OPEN = MetricRef("open-weights", "Open weights", "boolean", cues=("open-weight", "open-sourced"))
ARCHITECTURE = MetricRef(
    "architecture", "Architecture", "text", cues=("architecture", "mixture-of-experts", "MoE")
)
RELATIONS = Catalogue.build(
    entities=[
        *ENTITIES,
        EntityRef("hub", "ModelHub", "platform"),
        EntityRef("cloudy", "Cloudy", "platform"),
    ],
    metrics=[DEVELOPER, AVAILABLE, LARGEST, OPEN, ARCHITECTURE],
)


def related(text: str) -> set[tuple[str, str, str]]:
    return {
        (p.subject, p.metric, p.value_text)
        for p in extract(text, RELATIONS, published=MARCH).proposals
    }


def test_an_entity_claim_takes_the_name_after_a_cue_that_ends_in_a_preposition():
    assert related("Orion2-Max, developed by Acme Cloud, is fast.") == {
        ("orion-2-max", "developer", "Acme Cloud")
    }
    assert related("Orion is now available on ModelHub and Cloudy.") == {
        ("orion", "available-on", "ModelHub"),
        ("orion", "available-on", "Cloudy"),
    }


def test_an_entity_claim_is_not_read_from_a_loose_cue_or_a_far_name():
    assert related("Orion2-Max is the largest model Acme ships.") == set()  # no preposition
    assert related("Orion draws users from Acme.") == set()  # a bare preposition
    assert related("Orion is available on most of the big clouds, Cloudy among them.") == set()


def test_a_possessive_names_the_developer():
    assert related("Acme’s Orion2-Max is fast.") == {("orion-2-max", "developer", "Acme")}
    assert related("Orion’s ModelHub page is busy.") == set()  # a family owns nothing


def test_yes_is_read_only_where_the_cue_leaves_no_doubt():
    assert related("Acme released the open-weight Orion2-Max.") == {
        ("orion-2-max", "open-weights", "yes")
    }
    assert related("On Monday, Acme open-sourced a new large model, Orion2-Max.") == {
        ("orion-2-max", "open-weights", "yes")
    }
    assert related("Orion2-Max is not open-weight.") == set()  # a negation is never yes
    assert related("Is Orion2-Max open-weight?") == set()  # a question states nothing
    assert related("The open-weight idea that made Orion famous spread.") == set()


def test_a_text_value_is_a_cue_that_is_a_term():
    assert related("Orion moved to a Mixture-of-Experts (MoE) architecture.") == {
        ("orion", "architecture", "Mixture-of-Experts (MoE)")
    }
    assert related("Orion has a new architecture.") == set()  # the metric's own word


def test_a_pronoun_that_only_reports_is_the_speaker_not_the_subject():
    # "The company added that …": the company says it; what it says is about Orion('s app).
    reported = "Acme makes models. The company added that users placed 200,000 orders on Orion."
    assert found(reported) == {("orion-app", "orders", "200,000 orders")}
    # Without the verb of saying, the company is who processed them.
    acted = "Acme Cloud reported results. The company processed 120 million orders on Orion."
    assert found(acted) == {("acme", "orders", "120 million orders")}

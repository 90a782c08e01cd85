"""The extractor on sentences of every shape it handles and refuses; no database needed."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from claims.extraction import Catalogue, EntityRef, MetricRef, PublisherRef, extract
from claims.extraction.names import PhraseMatcher, fold
from sources.documents import document_text

PARAMS = MetricRef(
    "total-parameters", "Total parameters", "quantity", "number", "parameters", ("parameters",)
)
CONTEXT = MetricRef(
    "context-window", "Context window", "quantity", "number", "tokens", ("context window",)
)
MAU = MetricRef(
    "monthly-active-users", "MAU", "quantity", "number", "users", ("monthly active users",)
)
PRICE = MetricRef("api-price", "API price", "quantity", "money", "", ("per million tokens",))
RELEASE = MetricRef("release-date", "Release date", "date", cues=("released", "launched"))
SHARE = MetricRef("traffic-share", "Traffic share", "quantity", "percent", "", ("traffic",))
CATALOGUE = Catalogue.build(
    entities=[
        EntityRef("qwen3-5", "Qwen3.5", "model_family", ("Qwen 3.5",)),
        EntityRef("qwen3-5-plus", "Qwen3.5-Plus", "model", ("Qwen 3.5 Plus",)),
        EntityRef("qwen-app", "Qwen app", "product"),
        EntityRef("alibaba", "Alibaba", "organisation"),
        EntityRef("eddie-wu", "Eddie Wu", "person"),
        EntityRef("hugging-face", "Hugging Face", "platform"),
    ],
    metrics=[PARAMS, CONTEXT, MAU, PRICE, RELEASE, SHARE],
    publishers=[PublisherRef("36kr", "36Kr"), PublisherRef("venturebeat", "VentureBeat")],
)
MARCH = datetime.date(2026, 3, 28)


def one(text: str, **kwargs):
    result = extract(text, CATALOGUE, published=MARCH, **kwargs)
    assert len(result.proposals) == 1, (result.proposals, result.skipped)
    return result.proposals[0]


def test_a_figure_is_tied_to_the_cued_metric_and_the_named_entity():
    proposal = one("Qwen3.5 has 397 billion parameters in total.")
    assert (proposal.subject, proposal.metric, proposal.value_text) == (
        "qwen3-5",
        "total-parameters",
        "397 billion parameters",
    )
    assert proposal.quote == "Qwen3.5 has 397 billion parameters in total."
    assert proposal.reason.cue == "parameters"
    assert proposal.reason.mention == "Qwen3.5"
    assert proposal.quote[slice(*proposal.reason.figure_span)] == "397 billion"
    assert 0.5 < proposal.confidence <= 0.99


def test_names_ignore_case_spaces_hyphens_and_typographic_hyphens():
    for written in ("qwen 3.5 plus", "QWEN‑3.5‑PLUS", "Qwen 3.5 Plus", "qwen3.5-plus"):
        proposal = one(f"{written} supports a context window of up to one million tokens.")
        assert proposal.subject == "qwen3-5-plus"
        assert proposal.value_text == "up to one million tokens"


def test_a_name_is_not_found_inside_a_longer_word():
    matcher = PhraseMatcher([("Qwen", "q")])
    assert [m.value for m in matcher.find("Qwen3.5 and Qwens and Qwen.")] == ["q"]


@given(st.text(alphabet="qwen -‑–QWEN", min_size=1, max_size=12))
def test_fold_ignores_case_spaces_and_dashes(text):
    assert fold(text) == fold(text.upper().replace(" ", "").replace("‑", "-"))


def test_money_percent_and_dates_go_to_metrics_of_their_kind():
    price = one("Qwen 3.5 Plus charges as little as RMB 0.8 (USD 0.11) per million tokens.")
    assert (price.metric, price.value_text) == ("api-price", "RMB 0.8 (USD 0.11)")
    share = one("Russia accounts for approximately 30% of Qwen app traffic.")
    assert (share.subject, share.metric, share.value_text) == (
        "qwen-app",
        "traffic-share",
        "approximately 30%",
    )
    released = one("Alibaba released Qwen3.5 on February 16.")
    assert (released.subject, released.metric, released.value_text) == (
        "qwen3-5",
        "release-date",
        "February 16",
    )


def test_it_and_the_model_stand_for_the_last_named_entity_when_unambiguous():
    text = "Qwen3.5-Plus is a new model. It has a context window of 256K tokens."
    proposal = extract(text, CATALOGUE, published=MARCH).proposals[0]
    assert proposal.subject == "qwen3-5-plus"
    assert proposal.reason.resolved_from == "It"
    # Two models named before: "it" could be either, so nothing is guessed.
    text = "Qwen3.5-Plus and Qwen3.5 are new. It has a context window of 256K tokens."
    result = extract(text, CATALOGUE, published=MARCH)
    assert result.proposals == []
    assert "could stand for 2 entities" in result.skipped[0].reason


def test_attribution_is_read_and_mapped_to_a_publisher():
    proposal = one("According to 36Kr, the Qwen app has over 100 million monthly active users.")
    assert proposal.attributed_to == "36kr"
    assert proposal.attribution.startswith("According to 36Kr")
    proposal = one("The Qwen app has over 100 million monthly active users (VentureBeat).")
    assert proposal.attributed_to == "venturebeat"
    proposal = one("The Qwen app has over 100 million monthly active users, the company said.")
    assert (proposal.attributed_to, proposal.attribution) == (None, "the company said")


def test_unknown_model_names_are_candidates_never_subjects():
    result = extract(
        "Qwen3-Max has over 1 trillion parameters, and Zhenwu M890 ships soon.",
        CATALOGUE,
        published=MARCH,
    )
    assert [c.name for c in result.candidates] == ["Qwen3-Max", "Zhenwu M890"]
    assert result.proposals == []
    assert "Qwen3-Max" in result.skipped[0].reason


def test_refused_shapes_no_cue_no_entity_a_person_has_no_counts_bare_numbers():
    assert extract("Qwen3.5 is 27 times better.", CATALOGUE, published=MARCH).proposals == []
    assert extract("It has 400 billion parameters.", CATALOGUE).proposals == []
    result = extract("Eddie Wu has 5 billion parameters.", CATALOGUE, published=MARCH)
    assert result.proposals == []
    # A list number or a heading's count is not a figure of the metric cued far away.
    text = "Story 4: Qwen3.5 wins, and it is the talk of the week among many parameters."
    assert extract(text, CATALOGUE, published=MARCH).proposals == []


def test_the_same_claim_twice_in_a_text_is_proposed_once():
    text = "Qwen3.5 has 397 billion parameters. Qwen3.5 has 397 billion parameters."
    result = extract(text, CATALOGUE, published=MARCH)
    assert len(result.proposals) == 1


def test_every_quote_is_verbatim_in_the_text_at_its_offset():
    text = "  1. Qwen3.5 has 397 billion parameters.\n\n- The Qwen app passed 100 million monthly active users."
    for proposal in extract(text, CATALOGUE, published=MARCH).proposals:
        start = proposal.quote_start
        assert text[start : start + len(proposal.quote)] == proposal.quote
        assert proposal.value_text in proposal.quote


def test_html_documents_give_their_words_without_scripts():
    html = b"<html><head><script>var x=1</script><style>p{}</style></head><body><nav>Menu</nav><article><h1>Qwen</h1><p>Qwen3.5 has <b>397 billion</b> parameters.</p></article></body></html>"
    text = document_text("page.html", html)
    assert "Qwen3.5 has 397 billion parameters." in text
    assert "var x" not in text and "Menu" not in text
    assert document_text("notes.md", b"# Title\n\ntext") == "# Title\n\ntext"


PIECES = [
    "Qwen3.5",
    "Qwen 3.5 Plus",
    "the Qwen app",
    "Alibaba",
    "It",
    "The model",
    "has",
    "reached",
    "over 1 trillion",
    "397 billion parameters",
    "a context window of 256K tokens",
    "100 million monthly active users",
    "approximately 30%",
    "RMB 0.8 (USD 0.11) per million tokens",
    "released on February 16",
    "in 2025",
    "according to 36Kr",
    "(VentureBeat)",
    "Zhenwu M890",
    "and",
    ",",
    "—",
    "•",
    "\n",
    ".",
]


@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=40))
def test_every_proposal_is_verbatim_readable_and_fits_its_metric(pieces):
    from claims.values import read_date, read_quantity

    text = " ".join(pieces)
    result = extract(text, CATALOGUE, published=MARCH)
    slugs = {e.slug for e in CATALOGUE.entities}
    metrics = {m.slug: m for m in CATALOGUE.metrics}
    for proposal in result.proposals:
        start = proposal.quote_start
        assert text[start : start + len(proposal.quote)] == proposal.quote
        assert proposal.value_text in proposal.quote
        assert proposal.subject in slugs
        assert 0.05 <= proposal.confidence <= 0.99
        metric = metrics[proposal.metric]
        if metric.value_type == "date":
            assert read_date(proposal.value_text, context=MARCH).start <= MARCH
        else:
            read_quantity(proposal.value_text)
    for candidate in result.candidates:
        assert text[candidate.start : candidate.end] == candidate.name


def test_the_as_of_phrase_of_the_sentence_dates_the_figure():
    proposal = one("The Qwen app had 90 million monthly active users as of February 2026.")
    assert proposal.as_of_text == "as of February 2026"
    assert proposal.as_of == (datetime.date(2026, 2, 1), datetime.date(2026, 2, 28), "month")
    # A date that is the value itself is not its as-of.
    released = one("Alibaba released Qwen3.5 on February 16.")
    assert (released.value_text, released.as_of, released.note) == ("February 16", None, "")
    # Without a phrase the source's own date stands (None here).
    assert one("The Qwen app has 100 million monthly active users.").as_of is None


def test_a_projection_keeps_the_sources_date_and_says_so():
    proposal = one("The Qwen app will have 500 million monthly active users by 2027.")
    assert proposal.as_of is None
    assert proposal.note.startswith("A projection (\u201cby 2027\u201d)")


def test_a_date_after_the_source_is_a_plan_not_a_release():
    result = extract("Alibaba released Qwen3.5 in 2027.", CATALOGUE, published=MARCH)
    assert result.proposals == []

"""Entities and sources found by name (``claims.search.entity_matches``,
``sources.search.source_matches``).

Each way of matching is a look-up of its own that an index can serve (claims migration 0017);
together they must find exactly what the rule says: an entity whose compact name or slug holds
the words, or one of whose aliases' compact name does, or (on PostgreSQL) whose name or an
alias is at least ``TRIGRAM_THRESHOLD`` similar; a source whose title, author or publisher's
name holds them, or (on PostgreSQL) whose title and text hold its words.
"""

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims.models import Entity
from claims.search import TRIGRAM_THRESHOLD, entity_matches
from sources.models import Source
from sources.search import compact, on_postgres, source_matches
from tests import factories

pytestmark = pytest.mark.django_db

NAMES = (
    ("Qwen3.5-Max", ("Qwen 3.5 Max Preview",)),
    ("Qwen2.5-72B-Instruct", ()),
    ("Tongyi Lab", ("Tongyi Qianwen", "TongyiQW")),
    ("Alibaba Cloud", ("Aliyun",)),
    ("QwQ-32B", ()),
    ("Max.Q Labs", ()),
    ("Qwen", ("千问",)),
    ("50% Model_x", ()),
)
SOURCES = (
    (
        "Qwen3.5-Max tops the charts",
        "Ana Li",
        "Tech Daily",
        "A model with over 1 trillion parameters.",
    ),
    ("Alibaba Cloud results", "", "Money Times", "Revenue of the cloud unit grew."),
    ("Tongyi Lab interview", "Bo Chen", "Qwen Blog", "The lab trains models on tokens."),
    ("50% of users", "Max Q", "Tech Daily", "Half of the users chose it."),
)
WORDS = (
    "qwen",
    "Qwen 3.5 Maks",
    "max",
    "3.5",
    "qwen35max",
    "tongyi",
    "Aliyun",
    "aliyn",
    "labs",
    "q",
    "%",
    "_",
    "QwQ",
    "千",
    "zzz",
    "72b instruct",
    "instruct-72",
    "entity",
    "Max.Q",
    "tech",
    "trillion",
    "models",
    "cloud unit",
    "chen",
    "Qwen Blog",
    "tokens",
)
FRAGMENTS = st.text(alphabet="qwenmaxQWEN 3.5-_%aliybTongChrs千", min_size=1, max_size=10)


@pytest.fixture
def names(db):
    return [factories.entity(name=name, aliases=aliases) for name, aliases in NAMES]


@pytest.fixture
def sources(db):
    publishers = {}
    made = []
    for title, author, publisher, text in SOURCES:
        pub = publishers.get(publisher) or factories.publisher(name=publisher)
        publishers[publisher] = pub
        made.append(factories.source(title=title, author=author, pub=pub, text=text))
    return made


def _similar(name: str, q: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT similarity(%s, %s) >= %s", [name, q, TRIGRAM_THRESHOLD])
        return cursor.fetchone()[0]


def _entities_by_the_rule(q: str) -> set[int]:
    key = compact(q)
    if not key:
        return set()
    found = set()
    for entity in Entity.objects.prefetch_related("aliases"):
        names = [entity.name, *(alias.name for alias in entity.aliases.all())]
        if (
            any(key in compact(name) for name in names)
            or q.upper() in entity.slug.upper()
            or (on_postgres() and any(_similar(name, q) for name in names))
        ):
            found.add(entity.pk)
    return found


def _words_match(source: Source, q: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_tsvector('english', %s) @@ websearch_to_tsquery('english', %s)",
            [f"{source.title} {source.text}", q],
        )
        return cursor.fetchone()[0]


def _sources_by_the_rule(q: str) -> set[int]:
    found = set()
    for source in Source.objects.select_related("publisher"):
        fields = (source.title, source.author, source.publisher.name)
        if any(q.upper() in field.upper() for field in fields) or (
            on_postgres() and _words_match(source, q)
        ):
            found.add(source.pk)
    return found


def _check_entities(q: str) -> None:
    found = list(entity_matches(Entity.objects.all(), q))
    assert {e.pk for e in found} == _entities_by_the_rule(q), q
    assert len(found) == len({e.pk for e in found}), q  # no entity twice
    ranks = [e.match for e in found]
    assert ranks == sorted(ranks), (q, ranks)  # exact names first, then prefixes


def _check_sources(q: str) -> None:
    found = list(source_matches(Source.objects.all(), q))
    assert {s.pk for s in found} == _sources_by_the_rule(q), q
    assert len(found) == len({s.pk for s in found}), q


@pytest.mark.parametrize("q", WORDS)
def test_entities_found_are_those_the_rule_names(names, q):
    _check_entities(q)


def test_an_exact_name_or_alias_comes_first_and_a_near_miss_is_found(names):
    assert entity_matches(Entity.objects.all(), "qwen35max")[0].name == "Qwen3.5-Max"
    assert entity_matches(Entity.objects.all(), "Tongyi Qianwen")[0].name == "Tongyi Lab"
    if on_postgres():
        found = [e.name for e in entity_matches(Entity.objects.all(), "Qwen 3.5 Maks")]
        assert "Qwen3.5-Max" in found


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(q=FRAGMENTS)
def test_any_fragment_finds_the_entities_the_rule_names(names, q):
    _check_entities(q)


@pytest.mark.parametrize("q", WORDS)
def test_sources_found_are_those_the_rule_names(sources, q):
    _check_sources(q)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(q=FRAGMENTS)
def test_any_fragment_finds_the_sources_the_rule_names(sources, q):
    _check_sources(q)


def _plan(queryset) -> str:
    """The plan of ``queryset`` with reading a whole table priced out, as at a million rows."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        return queryset.explain()


@pytest.mark.needs("postgresql")
def test_each_way_of_finding_an_entity_can_use_its_trigram_index(names):
    """The indexes are on the very expressions the look-ups write; were either to change, a
    search would compute every entity's compact name and similarity (0.1 s at 40,000)."""
    plan = _plan(entity_matches(Entity.objects.all(), "tongyi"))
    for index in (
        "claims_entity_name_trgm",
        "claims_entity_compact_name_trgm",
        "claims_entity_slug_trgm",
        "claims_entityalias_name_trgm",
        "claims_entityalias_compact_name_trgm",
    ):
        assert f"Bitmap Index Scan on {index}" in plan, plan


@pytest.mark.needs("postgresql")
def test_each_way_of_finding_a_source_can_use_its_index(sources):
    plan = _plan(source_matches(Source.objects.all(), "tongyi"))
    for index in (
        "sources_source_title_trgm",
        "sources_source_author_trgm",
        "sources_source_title_text_fts",
    ):
        assert f"Bitmap Index Scan on {index}" in plan, plan

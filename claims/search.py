"""Search across the knowledge base: entities and aliases, metrics, publishers, sources, quotes.

One selector module for the search page and the API's ``q=`` on entities, so both rank alike.
Names are compared by their *compact* form (case, spaces, hyphens and dots dropped), so
"qwen35max" finds "Qwen3.5-Max" on every database; an exact name or alias comes first. On
PostgreSQL, text (quotes, source titles and texts) is also matched with full-text search
(``SearchVector``/``SearchRank``, GIN-indexed by migration 0010) and names by trigram
similarity (pg_trgm), so a near miss still finds its entity; on SQLite text is matched by
substring. Snippets are escaped first and only then given their ``<mark>``s.
"""

import re
from dataclasses import dataclass, field

from django.contrib.postgres.lookups import TrigramSimilar
from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVector,
    TrigramSimilarity,
)
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, QuerySet, When
from django.db.models.functions import Length
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from claims.models import Claim, Entity, EntityAlias, Metric
from claims.selectors import LIVE, claim_queryset
from sources.models import Publisher, Source
from sources.search import (
    FTS_CONFIG,
    compact,
    compact_expression,
    on_postgres,
    publisher_matches,
    source_matches,
)

LIMIT = 50
SNIPPET_WIDTH = 180
TRIGRAM_THRESHOLD = 0.3
# Expressions that must stay equal to the GIN indexes of migration 0010 for them to be used.
QUOTE_VECTOR = SearchVector("quote", config=FTS_CONFIG)


def entity_matches(queryset: QuerySet[Entity], q: str) -> QuerySet[Entity]:
    """Entities whose name, slug or alias matches ``q``: exact matches first, then prefixes.

    Each way of matching is its own look-up of ids (of entities, of aliases), so that on
    PostgreSQL each is served by a trigram index (claims migration 0017) and only the
    entities found are ranked."""
    key = compact(q)
    if not key:
        return queryset.none()
    aliases = EntityAlias.objects.annotate(compact=compact_expression(F("name")))
    named = Entity.objects.annotate(compact_name=compact_expression(F("name")))
    own = Q(compact_name__contains=key) | Q(slug__icontains=q)
    by_alias = Q(compact__contains=key)
    similar = aliases
    if on_postgres():  # a near miss ("Qwen 3.5 Maks") still finds the name or alias
        named = named.annotate(similarity=TrigramSimilarity("name", q))
        similar = aliases.annotate(similarity=TrigramSimilarity("name", q))
        queryset = queryset.annotate(similarity=TrigramSimilarity("name", q))
        own |= near(q)
        by_alias |= near(q)
    found = named.filter(own).order_by().values("pk")
    found = found.union(similar.filter(by_alias).order_by().values("entity_id"))
    queryset = queryset.annotate(compact_name=compact_expression(F("name"))).filter(pk__in=found)
    alias_of = aliases.filter(entity=OuterRef("pk"))
    queryset = queryset.annotate(
        match=Case(
            When(Q(compact_name=key) | Q(slug=q) | Exists(alias_of.filter(compact=key)), then=0),
            When(compact_name__startswith=key, then=1),
            When(Exists(alias_of.filter(compact__startswith=key)), then=2),
            default=3,
            output_field=IntegerField(),
        )
    )
    order: list = ["match", Length("name"), "name"]
    if on_postgres():
        order.insert(1, F("similarity").desc())
    return queryset.order_by(*order)


def near(q: str) -> Q:
    """A name at least ``TRIGRAM_THRESHOLD`` similar to ``q`` (on a queryset annotated with
    its ``similarity``). pg_trgm's ``%`` (similarity at least ``pg_trgm.similarity_threshold``,
    0.3 unless a server says otherwise) is what a trigram index of the name can answer; the
    similarity itself keeps the threshold ours."""
    return Q(TrigramSimilar(F("name"), q), similarity__gte=TRIGRAM_THRESHOLD)


def metric_matches(queryset: QuerySet[Metric], q: str) -> QuerySet[Metric]:
    """Metrics by name, slug or description; a name equal to ``q`` first."""
    key = compact(q)
    queryset = queryset.annotate(compact_name=compact_expression(F("name")))
    matches = (
        Q(name__icontains=q)
        | Q(slug__icontains=q)
        | Q(description__icontains=q)
        | Q(compact_name__contains=key)
    )
    exact = Case(
        When(Q(compact_name=key) | Q(slug=q), then=0), default=1, output_field=IntegerField()
    )
    return queryset.filter(matches).annotate(match=exact).order_by("match", Length("name"), "name")


def claim_text_contains(q: str) -> Q:
    """Claims whose quote, value as written or notes contain ``q`` in any case: the API's
    ``q=`` and the search page's substring match (trigram-indexed on PostgreSQL by migration
    0016, on these very expressions)."""
    return Q(quote__icontains=q) | Q(value_text__icontains=q) | Q(notes__icontains=q)


def claim_matches(queryset: QuerySet[Claim], q: str) -> QuerySet[Claim]:
    """Claims by quote, value as written or notes; on PostgreSQL quotes by full-text rank."""
    matches = claim_text_contains(q)
    if on_postgres():
        query = SearchQuery(q, config=FTS_CONFIG, search_type="websearch")
        queryset = queryset.annotate(words=QUOTE_VECTOR, search_rank=SearchRank(F("words"), query))
        return queryset.filter(matches | Q(words=query)).order_by(
            "-search_rank", "subject__name", "pk"
        )
    return queryset.filter(matches).order_by("subject__name", "pk")


def highlight(text: str, q: str, width: int = SNIPPET_WIDTH) -> SafeString:
    """A window of ``text`` around the first match of ``q`` or its words, escaped, matches marked."""
    words = [w for w in re.split(r"\s+", q.strip()) if w]
    patterns = [re.escape(q.strip())] + [re.escape(w) for w in words if len(w) > 2]
    pattern = re.compile("|".join(p for p in patterns if p), re.IGNORECASE) if words else None
    found = pattern.search(text) if pattern else None
    start = max(0, found.start() - width // 3) if found else 0
    end = min(len(text), start + width)
    window = text[start:end]
    parts: list[str] = []
    last = 0
    for match in pattern.finditer(window) if pattern else ():
        parts.append(escape(window[last : match.start()]))
        parts.append(f"<mark>{escape(match.group())}</mark>")
        last = match.end()
    parts.append(escape(window[last:]))
    prefix, suffix = ("…" if start > 0 else ""), ("…" if end < len(text) else "")
    return mark_safe(prefix + "".join(parts) + suffix)  # every part was escaped above


@dataclass
class Hit:
    """One search result: what it is, where it is shown, and why it matched."""

    title: str
    url: str
    meta: str = ""
    snippet: SafeString | str = ""
    exact: bool = False
    obj: object = None


@dataclass
class Group:
    """The results of one kind, in rank order, at most ``LIMIT`` of them."""

    kind: str
    label: str
    hits: list[Hit] = field(default_factory=list)
    more: bool = False


def _group(kind: str, label: str, rows: list, to_hit) -> Group:
    return Group(kind, label, [to_hit(row) for row in rows[:LIMIT]], more=len(rows) > LIMIT)


def search_everything(q: str) -> list[Group]:
    """Every kind's matches for ``q``, grouped, each group ranked; empty groups left out."""
    q = q.strip()
    if not q:
        return []
    entities = entity_matches(
        Entity.objects.select_related("parent").prefetch_related("aliases"), q
    )
    live = claim_queryset().filter(LIVE)
    groups = [
        _group(
            "entities",
            "Entities",
            list(entities[: LIMIT + 1]),
            lambda e: Hit(
                title=e.name,
                url=reverse("web:entity", args=[e.slug]),
                meta=e.get_kind_display()
                + (f" in {e.parent.name}" if e.parent else "")
                + (
                    " · also " + ", ".join(a.name for a in e.aliases.all())
                    if e.aliases.all()
                    else ""
                ),
                snippet=highlight(e.description, q) if e.description else "",
                exact=e.match == 0,
                obj=e,
            ),
        ),
        _group(
            "metrics",
            "Metrics",
            list(metric_matches(Metric.objects.all(), q)[: LIMIT + 1]),
            lambda m: Hit(
                title=m.name,
                url=reverse("web:metric", args=[m.slug]),
                meta=m.get_value_type_display() + (f", in {m.unit}" if m.unit else ""),
                snippet=highlight(m.description, q) if m.description else "",
                exact=m.match == 0,
                obj=m,
            ),
        ),
        _group(
            "publishers",
            "Publishers",
            list(publisher_matches(Publisher.objects.all(), q)[: LIMIT + 1]),
            lambda p: Hit(
                title=p.name,
                url=reverse("web:publisher", args=[p.slug]),
                meta=f"default grade {p.reliability}",
                exact=p.match == 0,
                obj=p,
            ),
        ),
        _group(
            "sources",
            "Sources",
            list(
                source_matches(Source.objects.select_related("publisher").defer("text"), q)[
                    : LIMIT + 1
                ]
            ),
            lambda s: Hit(
                title=s.title,
                url=reverse("web:source", args=[s.pk]),
                meta=s.publisher.name + (f" · {s.author}" if s.author else ""),
                obj=s,
            ),
        ),
        _group(
            "claims",
            "Quotes",
            list(claim_matches(live, q)[: LIMIT + 1]),
            lambda c: Hit(
                title=f"{c.subject.name} · {c.metric.name}: {c.value_text}",
                url=reverse("web:entity", args=[c.subject.slug]) + f"#claim-{c.pk}",
                meta=f"{c.source.title} · {c.source.publisher.name}",
                snippet=highlight(c.quote, q),
                obj=c,
            ),
        ),
    ]
    return [group for group in groups if group.hits]

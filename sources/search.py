"""Search of publishers and sources, and the name folding ``claims.search`` shares.

Names are compared by their *compact* form (case, spaces, hyphens and dots dropped), the same
on SQLite and PostgreSQL. On PostgreSQL a source's title and text are also matched with
full-text search (``SearchVector``/``SearchRank``, GIN-indexed by claims migration 0010).
"""

import re

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Lower, Replace

from sources.models import Publisher, Source

FTS_CONFIG = "english"
# The expression must stay equal to the GIN index of claims migration 0010 for it to be used.
SOURCE_VECTOR = SearchVector("title", "text", config=FTS_CONFIG)


def compact(text: str) -> str:
    """A name folded for comparison: lower case, without spaces, hyphens or dots."""
    folded = re.sub(r"[\s.\-]+", "", text)
    return "".join(ch.lower() if ch.isascii() else ch for ch in folded)


def compact_expression(expression):
    """``compact`` as a database expression, the same on SQLite and PostgreSQL."""
    for ch in (" ", "-", "."):
        expression = Replace(expression, Value(ch), Value(""))
    return Lower(expression)


def on_postgres() -> bool:
    return connection.vendor == "postgresql"


def publisher_matches(queryset: QuerySet[Publisher], q: str) -> QuerySet[Publisher]:
    """Publishers by name or slug; a name equal to ``q`` first."""
    key = compact(q)
    queryset = queryset.annotate(compact_name=compact_expression(F("name")))
    matches = Q(compact_name__contains=key) | Q(slug__icontains=q) | Q(name__icontains=q)
    exact = Case(
        When(Q(compact_name=key) | Q(slug=q), then=0), default=1, output_field=IntegerField()
    )
    return queryset.filter(matches).annotate(match=exact).order_by("match", "name")


def source_matches(queryset: QuerySet[Source], q: str) -> QuerySet[Source]:
    """Sources by title, author or publisher; on PostgreSQL also by words of their text.

    The sources' own matches and their publishers' are looked up apart, so that on PostgreSQL
    each is served by an index (trigrams of title and author, claims migration 0017; the
    words of title and text, 0010) and only the sources found are ranked."""
    own = Q(title__icontains=q) | Q(author__icontains=q)
    if on_postgres():
        query = SearchQuery(q, config=FTS_CONFIG, search_type="websearch")
        words = Source.objects.annotate(words=SOURCE_VECTOR).filter(own | Q(words=query))
        found = (
            words.order_by()
            .values("pk")
            .union(Source.objects.filter(publisher__name__icontains=q).order_by().values("pk"))
        )
        queryset = queryset.filter(pk__in=found).annotate(
            search_rank=SearchRank(SOURCE_VECTOR, query)
        )
        return queryset.order_by("-search_rank", "title")
    return queryset.filter(own | Q(publisher__name__icontains=q)).order_by("title")

"""The admin's lists at a million claims: the search box, counts of related rows, filters.

**Search.** Django's admin searches every word in every ``search_fields`` path at once: one
``WHERE`` with an ``OR`` of ``icontains`` over the model's own columns and over columns of
joined tables (a claim's subject's name, its source's title). No index can answer such an
``OR``, so at a million claims every search read every claim with its joins (about 5 s, even
for a word found nowhere). ``IndexedSearchMixin`` finds the same rows, path by path: one look-up
of ids for the model's own fields (trigram indexes, claims migrations 0016 and 0017) and one
for each joined path, which PostgreSQL can drive from the small side (the few entities named,
then their claims by the foreign key's index). A word found in few rows gives the list their
ids as values, and the other words are looked for among those only; when every word is in
many rows, each word's ids stay a subquery. A search of more than 16 distinct words is
refused with a message. The meaning is
Django's: every word (or "quoted phrase") in at least one field, in any case.

**Counts of related rows** (an entity's or a source's claims): ``Count`` over a join groups
the list's query by its rows, and the list's other queries with it: the count of all rows and
the choices of its filters each joined and grouped every claim (0.5–1 s apiece).
``qwenkb.related.related_count`` counts by a correlated subquery instead, computed for the
rows shown.

**Filters of related objects** (``RelatedWithRowsFilter``): Django's ``RelatedOnlyFieldListFilter``
finds the objects the list's rows refer to with a ``DISTINCT`` over all of them (every claim's
source's publisher: 0.5 s); this asks of each object whether a row refers to it (``EXISTS``,
by the foreign key's index), which gives the same choices.
"""

from functools import reduce
from operator import or_

from django.contrib import admin, messages
from django.core.exceptions import ImproperlyConfigured
from django.db.models import (
    Exists,
    Model,
    OuterRef,
    Q,
    QuerySet,
)
from django.utils.text import smart_split, unescape_string_literal


def search_words(search_term: str) -> list[str]:
    """The words of a search, as Django's admin splits them: by spaces, a quoted phrase kept."""
    words = []
    for bit in smart_split(search_term):
        if bit.startswith(('"', "'")) and bit[0] == bit[-1]:
            bit = unescape_string_literal(bit)
        words.append(bit)
    return words


def ids_holding(
    model: type[Model], fields: list[str], word: str, among: set | None = None
) -> QuerySet:
    """The ids of ``model``'s rows with ``word`` in any of ``fields`` (admin ``search_fields``
    paths, substring in any case), as one statement: the model's own fields in one look-up,
    each joined path in its own, all together (an id may come more than once). ``among``: only
    those ids."""
    own = [field for field in fields if "__" not in field]
    joined = [field for field in fields if "__" in field]
    look_ups = []
    if own:
        matches = reduce(or_, (Q(**{f"{field}__icontains": word}) for field in own))
        look_ups.append(model._default_manager.filter(matches))
    look_ups += [model._default_manager.filter(**{f"{path}__icontains": word}) for path in joined]
    if among is not None:
        look_ups = [look_up.filter(pk__in=among) for look_up in look_ups]
    ids = [look_up.order_by().values("pk") for look_up in look_ups]
    return ids[0].union(*ids[1:], all=True) if len(ids) > 1 else ids[0]


def _few(ids: QuerySet) -> set | None:
    """The ids, if there are at most ``FEW_IDS`` of them (counting repeats); else none."""
    rows = list(ids.values_list("pk", flat=True)[: FEW_IDS + 1])
    return set(rows) if len(rows) <= FEW_IDS else None


# Up to this many rows found, their ids are read first and the list filtered by them as
# values: PostgreSQL then fetches them by the primary key, or checks each row against a hash
# of them. With ``id IN (subquery)`` it may instead, misjudging how many ids the subquery
# gives (a word's matches are hard to guess), walk the list in its order and compare each
# row with every id found: 1.4 s for 8,000 contradictions against 2,221 ids. Past this many,
# the ids stay a subquery (a list that long would cost more to send than that risk).
FEW_IDS = 10_000
# Words of one search, at most: each costs a look-up or two. (Django's own search, one
# statement, failed on SQLite past a thousand words, and its OR grows with every word.)
MOST_WORDS = 16


def rows_holding_every(queryset: QuerySet, fields: list[str], words: list[str]) -> QuerySet:
    """Rows of ``queryset`` with each of ``words`` in some of ``fields``: once a word has found
    few rows (``FEW_IDS``), the other words are looked for among those only; if every word
    finds many, each word's ids stay a subquery."""
    model = queryset.model
    among: set | None = None
    many = []  # words that found many rows before any found few
    for word in words:
        found = _few(ids_holding(model, fields, word, among))
        if found is None:
            many.append(word)
        else:
            among = found
    if among is None:
        for word in many:
            queryset = queryset.filter(pk__in=ids_holding(model, fields, word))
        return queryset
    for word in many:
        among = set(ids_holding(model, fields, word, among).values_list("pk", flat=True))
    return queryset.filter(pk__in=among)


class IndexedSearchMixin(admin.ModelAdmin):
    """Admin search by ``search_fields``, each path looked up on its own (module docstring).
    Only plain paths: Django's prefixes (``^``, ``=``, ``@``) ask for other look-ups."""

    def get_search_results(self, request, queryset, search_term):
        fields = list(self.get_search_fields(request))
        prefixed = [field for field in fields if field[:1] in "^=@"]
        if prefixed:
            raise ImproperlyConfigured(
                f"{type(self).__name__}.search_fields: {prefixed} have a prefix, which "
                "IndexedSearchMixin does not read; name plain paths."
            )
        words = list(dict.fromkeys(search_words(search_term))) if fields else []
        if not words:
            return queryset, False
        if len(words) > MOST_WORDS:
            messages.error(request, too_many_words(len(words)))
            return queryset.none(), False
        return rows_holding_every(queryset, fields, words), False  # by id: no row twice


def too_many_words(count: int) -> str:
    return (
        f"Search for at most {MOST_WORDS} words at a time (this search has {count}); "
        'put a phrase in "quotes" to find it whole.'
    )


class RelatedWithRowsFilter(admin.RelatedOnlyFieldListFilter):
    """The objects some row of the list refers to, found one ``EXISTS`` each (module
    docstring): the choices of ``RelatedOnlyFieldListFilter``, without reading every row."""

    def field_choices(self, field, request, model_admin):
        rows = model_admin.get_queryset(request).order_by()
        referring = rows.filter(**{self.field_path: OuterRef("pk")})
        ordering = self.field_admin_ordering(field, request, model_admin)
        return field.get_choices(
            include_blank=False, limit_choices_to=Q(Exists(referring)), ordering=ordering
        )

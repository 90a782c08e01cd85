"""API pagination: numbered pages, or keyset (cursor) pages; page sizes above 500 are refused.

How a numbered page counts (the one rule; DESIGN.md's contract ``{"count", "next",
"previous", "results"}``): a list of up to ``COUNT_CAP`` rows is counted exactly. Beyond it,
counting every match would cost as much as the list is long, so ``count`` is PostgreSQL's
planner estimate (on a database without one, the rows known to exist), never less than the
rows known to exist, and the page says so with ``"count_exact": false`` (the key appears only
then). ``?page=N`` works at any depth within the rows that exist: a page past the estimate
that has rows is served and raises the count, an empty one is a 404; the page where the list
ends gives its exact count and drops the flag; ``?page=last`` counts every row. Cursor pages
(``?pagination=cursor``) never count.
"""

import json
from functools import cached_property

from django.core.paginator import EmptyPage
from django.core.paginator import Paginator as DjangoPaginator
from django.db import connections
from django.db.models import QuerySet
from rest_framework import exceptions
from rest_framework.pagination import CursorPagination, PageNumberPagination

from qwenkb.prepared import values_rows

MAX_PAGE_SIZE = 500
COUNT_CAP = 1000  # a list is counted exactly up to this many rows (see the module's text)


def page_size_from(request, default: int) -> int:
    """The requested page size, or a 400 naming ``page_size`` when it is out of range."""
    raw = request.query_params.get("page_size")
    if raw in (None, ""):
        return default
    try:
        size = int(raw)
    except ValueError:
        size = 0
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise exceptions.ValidationError(
            {
                "page_size": [
                    f"Must be a whole number from 1 to {MAX_PAGE_SIZE}; got \u201c{raw}\u201d."
                ]
            }
        )
    return size


class RowsOf:
    """A queryset's rows as plain dicts of ``columns``, counted on the queryset itself.

    Counting a ``values()`` queryset would join every table its columns come from; the
    count needs only the filtered rows.
    """

    def __init__(self, queryset, columns):
        self.queryset, self.columns = queryset, columns
        self.ordered = queryset.ordered

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if isinstance(index, slice):  # a page: its wide statement compiled once per shape
            return values_rows(self.queryset[index], self.columns)
        return self.queryset.values(*self.columns)[index]


def planner_estimate(queryset: QuerySet) -> int | None:
    """PostgreSQL's estimate of the queryset's rows (no rows read), or None elsewhere."""
    if connections[queryset.db].vendor != "postgresql":
        return None
    plan = json.loads(queryset.order_by().values("pk").explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


class CountWhenNeededPaginator(DjangoPaginator):
    """Counts the rows only when the first page cannot tell, and never past ``count_cap``.

    A first page read with one row more than its size tells whether it is the whole list,
    and then its length is the count: the common question (one subject's figures for a
    metric) costs one query, not two.
    A longer list is counted over at most ``count_cap + 1`` rows; beyond that the count is an
    estimate and ``count_exact`` is False (the rule: this module's text).
    """

    count_cap: int | None = COUNT_CAP  # None: count every row

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.count_exact = True

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        queryset = rows.queryset if isinstance(rows, RowsOf) else rows
        if self.count_cap is None or not isinstance(queryset, QuerySet):
            return super().count
        counted = queryset.order_by()[: self.count_cap + 1].count()
        if counted <= self.count_cap:
            return counted
        self.count_exact = False
        return max(planner_estimate(queryset) or 0, counted)

    def validate_number(self, number):
        try:
            return super().validate_number(number)
        except EmptyPage:
            if self.count_exact or int(number) < 1:
                raise
            return int(number)  # past the estimate: the page's own rows say if it exists

    def page(self, number):
        if str(number) == "1" and "count" not in self.__dict__:
            number = 1  # the first page needs no count to exist
        else:
            number = self.validate_number(number)
            if self.count_exact:
                return super().page(number)
        # One row more than the page says whether another page follows.
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if len(rows) > self.per_page:
            rows.pop()
            count = self.count  # counted now, when the first page did not tell
            if not self.count_exact:
                self._known(max(count, bottom + self.per_page + 1), exact=False)
        elif rows or number == 1:
            self._known(bottom + len(rows), exact=True)  # the list ends on this page
        else:
            raise EmptyPage("That page contains no results")
        return self._get_page(rows, number, self)

    def _known(self, count: int, *, exact: bool) -> None:
        self.__dict__["count"] = count
        self.__dict__.pop("num_pages", None)  # cached from the count
        self.__dict__.pop("page_range", None)
        self.count_exact = exact


class ExactCountPaginator(CountWhenNeededPaginator):
    """Counts every row: for ``?page=last``, which must know where the list ends."""

    count_cap = None


class Pagination(PageNumberPagination):
    """Numbered pages: {"count", "next", "previous", "results"}, and ``"count_exact": false``
    after ``count`` when it is an estimate (the rule: this module's text)."""

    django_paginator_class = CountWhenNeededPaginator
    template = None  # JSON only: no page controls to render
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    # DRF answers a page past the end 404 "Invalid page."; say which parameter and why.
    invalid_page_message = "page: there is no page {page_number} ({message})."

    def get_page_size(self, request):
        return page_size_from(request, self.page_size)

    def paginate_queryset(self, queryset, request, view=None):
        raw = request.query_params.get(self.page_query_param)
        readable = raw in (None, "", *self.last_page_strings) or (
            raw.isascii() and raw.isdigit() and int(raw) >= 1
        )
        if not readable:
            raise exceptions.ValidationError(
                {
                    "page": [
                        f"Must be a whole number from 1 (or \u201clast\u201d); got \u201c{raw}\u201d."
                    ]
                }
            )
        if raw in self.last_page_strings:
            self.django_paginator_class = ExactCountPaginator
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        if not self.page.paginator.count_exact:
            body = response.data
            response.data = {"count": body.pop("count"), "count_exact": False, **body}
        return response

    def paginate_rows(self, queryset, columns, request, view=None) -> list[dict] | None:
        """A page of the queryset as plain rows of ``columns``."""
        return self.paginate_queryset(RowsOf(queryset, columns), request, view)

    def get_paginated_response_schema(self, schema):
        paged = _loose_count(super().get_paginated_response_schema(schema))
        paged["properties"] = {
            "count": paged["properties"]["count"],
            "count_exact": {
                "type": "boolean",
                "description": (
                    f"Present, and false, only when the list has more than {COUNT_CAP} rows: "
                    "`count` is then the database's estimate (never less than the rows known "
                    "to exist), and the page where the list ends gives the exact count."
                ),
            },
            **paged["properties"],
        }
        return paged


class KeysetPagination(CursorPagination):
    """Cursor pages in id order: a deep page costs the same as the first."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = "id"

    def get_page_size(self, request):
        return page_size_from(request, self.page_size)

    def decode_cursor(self, request):
        """The cursor, or a 400 naming ``cursor`` when it is not one this API gave out."""
        try:
            cursor = super().decode_cursor(request)
            if cursor is not None and cursor.position is not None:
                int(cursor.position)  # positions are ids
        except (exceptions.NotFound, ValueError) as exc:
            raise exceptions.ValidationError(
                {"cursor": ["Not a cursor this API gave out; use a `next` or `previous` link."]}
            ) from exc
        return cursor

    def paginate_rows(self, queryset, columns, request, view=None) -> list[dict] | None:
        """A page of the queryset as plain rows of ``columns``."""
        return self.paginate_queryset(queryset.values(*columns), request, view)

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data = {"count": None, **response.data}
        return response


def _loose_count(schema: dict) -> dict:
    """Numbered and cursor pages share one documented shape; cursor pages have no count."""
    schema["properties"]["count"]["nullable"] = True
    schema["required"] = [name for name in schema.get("required", []) if name != "count"]
    return schema

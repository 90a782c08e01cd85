"""API pagination: numbered pages, or keyset (cursor) pages; page sizes above 500 are refused."""

from django.core.paginator import Paginator as DjangoPaginator
from rest_framework import exceptions
from rest_framework.pagination import CursorPagination, PageNumberPagination

MAX_PAGE_SIZE = 500


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
        return self.queryset.values(*self.columns)[index]


class CountWhenNeededPaginator(DjangoPaginator):
    """Counts the rows only when the first page cannot tell.

    A first page shorter than the page size is the whole list, so its length is the count:
    the common question (one subject's figures for a metric) then costs one query, not two.
    """

    def page(self, number):
        if str(number) != "1" or "count" in self.__dict__:
            return super().page(number)
        rows = list(self.object_list[: self.per_page])
        if len(rows) < self.per_page:
            self.__dict__["count"] = len(rows)  # the cached_property, known without a query
        return self._get_page(rows, 1, self)


class Pagination(PageNumberPagination):
    """Numbered pages: {"count", "next", "previous", "results"}."""

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
        return super().paginate_queryset(queryset, request, view)

    def paginate_rows(self, queryset, columns, request, view=None) -> list[dict] | None:
        """A page of the queryset as plain rows of ``columns``."""
        return self.paginate_queryset(RowsOf(queryset, columns), request, view)

    def get_paginated_response_schema(self, schema):
        return _loose_count(super().get_paginated_response_schema(schema))


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

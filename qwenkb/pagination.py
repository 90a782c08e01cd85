"""API pagination: numbered pages, or keyset (cursor) pages; page sizes above 500 are refused."""

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


class Pagination(PageNumberPagination):
    """Numbered pages: {"count", "next", "previous", "results"}."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request):
        return page_size_from(request, self.page_size)

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

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data = {"count": None, **response.data}
        return response


def _loose_count(schema: dict) -> dict:
    """Numbered and cursor pages share one documented shape; cursor pages have no count."""
    schema["properties"]["count"]["nullable"] = True
    schema["required"] = [name for name in schema.get("required", []) if name != "count"]
    return schema

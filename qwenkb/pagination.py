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


class KeysetPagination(CursorPagination):
    """Cursor pages in id order: a deep page costs the same as the first."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = "id"

    def get_page_size(self, request):
        return page_size_from(request, self.page_size)

from django.conf import settings
from rest_framework import pagination
from rest_framework.exceptions import NotFound

BIGINT_MAX = 2**63 - 1


class PageNumberPagination(pagination.PageNumberPagination):
    """`{count, next, previous, results}` with `?page=` and a capped `?page_size=`."""

    page_size_query_param = "page_size"
    max_page_size = settings.API_MAX_PAGE_SIZE


class IdCursorPagination(pagination.CursorPagination):
    """`{next, previous, results}` by primary key: every page costs the same, however deep.

    For clients that walk the whole collection (exports, synchronisation jobs); page numbers
    cost more the deeper they go (OFFSET) and need a COUNT(*) of the whole result.
    """

    ordering = ("id",)
    page_size_query_param = "page_size"
    max_page_size = settings.API_MAX_PAGE_SIZE

    def decode_cursor(self, request):
        """DRF's cursor, whose position must be an id: a forged one answers 404 like any cursor
        that does not decode, not a failed query."""
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None:
            try:
                position = int(cursor.position)
            except ValueError:
                raise NotFound(self.invalid_cursor_message) from None
            if not 0 <= position <= BIGINT_MAX:
                raise NotFound(self.invalid_cursor_message)
        return cursor

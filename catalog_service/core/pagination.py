from django.conf import settings
from rest_framework import pagination


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

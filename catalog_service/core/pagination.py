import hashlib
from collections.abc import Callable
from functools import cached_property, partial

from django.conf import settings
from django.core.paginator import Paginator
from rest_framework import exceptions, pagination, status
from rest_framework.exceptions import NotFound
from rest_framework.settings import api_settings

BIGINT_MAX = 2**63 - 1


class PageTooDeep(exceptions.APIException):
    """A numbered page that starts beyond API_MAX_PAGE_DEPTH rows: 400 `page_too_deep`."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "This page is deeper than numbered pages go."
    default_code = "page_too_deep"


class CountingPaginator(Paginator):
    """Django's paginator, which gets its count from `count_of`, handing it the function that
    counts: the pagination may answer with a count it remembers instead."""

    def __init__(self, object_list, per_page, *, count_of: Callable[[Callable[[], int]], int]):
        super().__init__(object_list, per_page)
        self._count_of = count_of

    @cached_property
    def count(self) -> int:
        return self._count_of(lambda: Paginator.count.func(self))


class PageNumberPagination(pagination.PageNumberPagination):
    """`{count, next, previous, results}` with `?page=` and a capped `?page_size=`.

    Pages reach the first API_MAX_PAGE_DEPTH rows: each page deeper costs a larger OFFSET, so a
    page that starts beyond them answers 400 `page_too_deep`, before anything is counted. A page
    past the last one (within the depth) is still 404. Subclasses may remember the count
    (`list_count`), for instance under `count_key`.
    """

    page_size_query_param = "page_size"
    max_page_size = settings.API_MAX_PAGE_SIZE
    too_deep_message = (
        "Page {page} starts after row {depth}, the deepest numbered pages go (page {deepest} at "
        "{page_size} a page)."
    )

    def __init__(self):
        # DRF builds the paginator as django_paginator_class(queryset, page_size).
        self.django_paginator_class = partial(CountingPaginator, count_of=self.list_count)

    def list_count(self, count: Callable[[], int]) -> int:
        """The number of rows of the list being paged (`self.request` is set); `count()` counts
        them. A hook: subclasses may answer from a cache."""
        return count()

    def count_key(self, request) -> str:
        """A digest of what selects the list's rows: its path and query parameters, except those
        that only pick a page of it (page, page_size) or its format."""
        ignored = {
            self.page_query_param,
            self.page_size_query_param,
            api_settings.URL_FORMAT_OVERRIDE,
        }
        query = request.query_params
        parameters = sorted((name, query.getlist(name)) for name in query if name not in ignored)
        raw = repr((request.path, parameters))
        return hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()

    def get_page_number(self, request, paginator):
        number = super().get_page_number(request, paginator)
        rows = paginator.object_list
        self.check_depth(number, paginator.per_page, self.depth_of(rows), self.too_deep(rows))
        return number

    def depth_of(self, rows) -> int:
        """The rows numbered pages of `rows` reach. A hook: subclasses may go less deep."""
        return settings.API_MAX_PAGE_DEPTH

    def too_deep(self, rows) -> str:
        """What a page too deep says (a format string: page, depth, deepest, page_size)."""
        return self.too_deep_message

    def check_depth(self, number, page_size: int, depth: int, message: str) -> None:
        """Raises PageTooDeep when page `number` would start beyond `depth` rows. The first page
        is always served; a number that is no integer is left to Django's paginator (404), which
        reads it the same way."""
        try:
            number = int(number)
        except (TypeError, ValueError):
            return
        if number > 1 and (number - 1) * page_size >= depth:
            deepest = max(1, -(-depth // page_size))
            raise PageTooDeep(
                message.format(page=number, depth=depth, deepest=deepest, page_size=page_size)
            )


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

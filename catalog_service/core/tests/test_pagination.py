"""The numbered pages' generic parts: the depth cap, its error, and the count hooks."""

import pytest
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from catalog_service.core.errors import api_exception_handler
from catalog_service.core.pagination import PageNumberPagination, PageTooDeep

ROWS = list(range(1, 13))


def request_for(query: str = "", path: str = "/api/v1/things/") -> Request:
    return Request(APIRequestFactory().get(f"{path}?{query}"))


def page(query: str, paginator=None):
    paginator = paginator or PageNumberPagination()
    return paginator, paginator.paginate_queryset(ROWS, request_for(query))


@pytest.fixture(autouse=True)
def depth_ten(settings):
    settings.API_MAX_PAGE_DEPTH = 10


@pytest.mark.parametrize(
    ("query", "rows"),
    [
        ("page=2&page_size=5", ROWS[5:10]),
        ("page=3&page_size=4", ROWS[8:]),  # starts at row 9, runs past the depth
        ("page=10&page_size=1", [10]),
        ("page=last&page_size=6", ROWS[6:]),
    ],
)
def test_pages_starting_within_the_depth_are_served(query, rows):
    paginator, served = page(query)
    assert served == rows
    assert paginator.get_paginated_response(served).data["count"] == 12


@pytest.mark.parametrize(
    ("query", "number", "deepest"),
    [
        ("page=3&page_size=5", 3, "page 2 at 5 a page"),
        ("page=11&page_size=1", 11, "page 10 at 1 a page"),
        ("page=last&page_size=5", 3, "page 2 at 5 a page"),
        ("page=99999999999999999999", 99999999999999999999, "page 1 at 25 a page"),
    ],
)
def test_pages_starting_beyond_the_depth_are_too_deep(query, number, deepest):
    with pytest.raises(PageTooDeep) as raised:
        page(query)
    assert str(raised.value.detail) == (
        f"Page {number} starts after row 10, the deepest numbered pages go ({deepest})."
    )


def test_page_too_deep_has_its_own_code_in_the_error_shape():
    with pytest.raises(PageTooDeep) as raised:
        page("page=3&page_size=5")
    response = api_exception_handler(raised.value, {})
    assert response.status_code == 400
    assert response.data == {"code": "page_too_deep", "message": str(raised.value.detail)}


@pytest.mark.parametrize("query", ["page=0", "page=-3", "page=x", "page=1.5", "page=4&page_size=4"])
def test_pages_that_are_no_page_are_still_not_found(query, settings):
    settings.API_MAX_PAGE_DEPTH = 100  # page 4 of 4 starts at row 13, past the last one
    with pytest.raises(NotFound):
        page(query)


def test_first_page_is_served_whatever_the_depth(settings):
    settings.API_MAX_PAGE_DEPTH = 0
    assert page("page=1&page_size=5")[1] == ROWS[:5]
    with pytest.raises(PageTooDeep):
        page("page=2&page_size=5")


def test_the_count_hook_is_asked_once_a_page(settings):
    settings.API_MAX_PAGE_DEPTH = 1000
    asked = []

    class Remembering(PageNumberPagination):
        def list_count(self, count):
            asked.append(self.request.query_params.get("page"))
            return count() + 100  # what a cache would answer instead of counting

    paginator, served = page("page=last&page_size=5", Remembering())
    assert paginator.get_paginated_response(served).data["count"] == 112
    assert asked == ["last"]
    assert served == []  # page 23 of 112 rows, of which the list holds 12


def test_count_key_is_the_list_not_the_page():
    key = PageNumberPagination().count_key
    base = key(request_for("brand=1&search=chair"))
    assert key(request_for("search=chair&brand=1&page=3&page_size=7&format=json")) == base
    assert key(request_for("brand=2&search=chair")) != base
    assert key(request_for("brand=1&search=chair&ordering=name")) != base
    assert key(request_for("brand=1&brand=2&search=chair")) != base
    assert key(request_for("brand=1&search=chair", path="/api/v1/others/")) != base

"""Numbered product pages stay cheap at any size: they reach API_MAX_PAGE_DEPTH rows (deeper is
400 `page_too_deep`, pointing to the cursor feed) and the list's count is computed once per
catalog version and filter, kept in the product cache's Redis."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog_service.catalog.tests.factories import BrandFactory, ProductFactory
from catalog_service.core.redis import redis_reset

URL = "/api/v1/product/"
FEED = "/api/v1/product/feed/"
ROLES = ["anon", "admin"]


@pytest.fixture
def twelve(brand):
    return ProductFactory.create_batch(12, brand=brand)


@pytest.fixture
def depth_ten(settings):
    settings.API_MAX_PAGE_DEPTH = 10


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def counts_run(queries: CaptureQueriesContext) -> int:
    return sum("COUNT(*)" in query["sql"].upper() for query in queries.captured_queries)


def get_counting(client, query: dict) -> tuple[dict, int]:
    """(the page's JSON, the COUNT queries it ran)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, query)
    assert response.status_code == 200, response.content
    return response.json(), counts_run(queries)


def assert_too_deep(response, page: int) -> None:
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"code", "message"}  # not a validation_error with fields
    assert body["code"] == "page_too_deep"
    assert f"Page {page} starts after row" in body["message"]
    assert FEED in body["message"]


# --- the depth ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("cache", ["off", "on"])
def test_pages_within_the_depth_answer_as_before(
    request, role, cache, twelve, depth_ten, settings, redis_db
):
    settings.PRODUCT_CACHE_SECONDS = 300 if cache == "on" else 0
    client = request.getfixturevalue(role)
    # page 2 of 5 holds rows 6-10, page 3 of 4 starts at row 9 and runs past the depth
    assert ids(client.get(URL, {"page": 2, "page_size": 5})) == [p.id for p in twelve[5:10]]
    body = client.get(URL, {"page": 3, "page_size": 4}).json()
    assert body["count"] == 12
    assert [row["id"] for row in body["results"]] == [p.id for p in twelve[8:12]]
    assert body["next"] is None
    assert body["previous"].endswith("page=2&page_size=4")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("cache", ["off", "on"])
def test_page_starting_beyond_the_depth_is_400_pointing_to_the_feed(
    request, role, cache, twelve, depth_ten, settings, redis_db
):
    settings.PRODUCT_CACHE_SECONDS = 300 if cache == "on" else 0
    client = request.getfixturevalue(role)
    response = client.get(URL, {"page": 3, "page_size": 5})  # would start at row 11
    assert_too_deep(response, 3)
    assert "the deepest numbered pages go (page 2 at 5 a page)" in response.json()["message"]
    # the last page is as deep as any other
    assert_too_deep(client.get(URL, {"page": "last", "page_size": 5}), 3)
    assert ids(client.get(URL, {"page": "last", "page_size": 6})) == [p.id for p in twelve[6:]]


@pytest.mark.parametrize("role", ROLES)
def test_deep_page_is_refused_before_counting(request, role, twelve, depth_ten):
    client = request.getfixturevalue(role)
    with CaptureQueriesContext(connection) as queries:
        assert_too_deep(client.get(URL, {"page": 99999999999999999999}), 99999999999999999999)
    assert counts_run(queries) == 0


@pytest.mark.parametrize("role", ROLES)
def test_default_depth_is_ten_thousand_rows(request, role, twelve):
    client = request.getfixturevalue(role)
    # page 400 of 25 starts at row 9,976: within the depth, past the last page (the usual 404)
    response = client.get(URL, {"page": 400})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert_too_deep(client.get(URL, {"page": 401}), 401)  # starts at row 10,001
    assert client.get(URL, {"page": 100, "page_size": 100}).status_code == 404
    assert_too_deep(client.get(URL, {"page": 101, "page_size": 100}), 101)


@pytest.mark.parametrize("role", ROLES)
def test_depth_setting_is_honoured_with_the_page_size(request, role, twelve, settings):
    client = request.getfixturevalue(role)
    settings.API_MAX_PAGE_DEPTH = 4
    assert ids(client.get(URL, {"page": 2, "page_size": 3})) == [p.id for p in twelve[3:6]]
    assert_too_deep(client.get(URL, {"page": 3, "page_size": 3}), 3)  # starts at row 7
    assert ids(client.get(URL, {"page": 4, "page_size": 1})) == [twelve[3].id]
    assert_too_deep(client.get(URL, {"page": 5, "page_size": 1}), 5)
    settings.API_MAX_PAGE_DEPTH = 12
    assert ids(client.get(URL, {"page": 4, "page_size": 3})) == [p.id for p in twelve[9:]]
    assert_too_deep(client.get(URL, {"page": 5, "page_size": 3}), 5)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", ["0", "-1", "two", "1.5"])
def test_pages_that_are_no_page_are_still_404(request, role, page, twelve, depth_ten):
    response = request.getfixturevalue(role).get(URL, {"page": page})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_page_past_the_last_within_the_depth_is_still_404(anon, admin, twelve, depth_ten):
    for client in (anon, admin):
        response = client.get(URL, {"page": 4, "page_size": 3})  # rows 10-12 exist, 13 does not
        assert response.status_code == 200
        response = client.get(URL, {"page": 3, "page_size": 3, "brand": BrandFactory().id})
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


# --- the count, once per catalog version and filter ---------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_two_pages_of_a_list_count_once(request, role, twelve, cached):
    client = request.getfixturevalue(role)
    first, counted_first = get_counting(client, {"page": 1, "page_size": 5})
    second, counted_second = get_counting(client, {"page": 2, "page_size": 5})
    third, counted_third = get_counting(client, {"page": 1, "page_size": 4})  # another page size
    assert counted_first + counted_second + counted_third == 1
    assert first["count"] == second["count"] == third["count"] == 12
    assert [row["id"] for row in second["results"]] == [p.id for p in twelve[5:10]]


@pytest.mark.parametrize("role", ROLES)
def test_a_product_write_makes_the_next_page_count_again(
    request, role, admin, twelve, cached, django_capture_on_commit_callbacks
):
    client = request.getfixturevalue(role)
    assert get_counting(client, {"page": 2, "page_size": 5})[1] == 1
    assert get_counting(client, {"page": 1, "page_size": 5})[1] == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert admin.delete(f"{URL}{twelve[0].id}/").status_code == 204
    body, counted = get_counting(client, {"page": 2, "page_size": 5})
    assert (body["count"], counted) == (11, 1)
    assert get_counting(client, {"page": 1, "page_size": 5})[0]["count"] == 11
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            URL,
            {"sku": "NEW-1", "name": "New", "price": "1.00", "brand": twelve[1].brand_id},
            format="json",
        )
        assert response.status_code == 201, response.content
    body, counted = get_counting(client, {"page": 1, "page_size": 5})
    assert (body["count"], counted) == (12, 1)


@pytest.mark.parametrize("role", ROLES)
def test_each_filter_is_counted_on_its_own(request, role, twelve, cached):
    client = request.getfixturevalue(role)
    other = BrandFactory()
    ProductFactory.create_batch(3, brand=other)
    queries = [
        ({}, 15),
        ({"brand": other.id}, 3),
        ({"brand": twelve[0].brand_id}, 12),
        ({"search": "Product"}, 15),
        ({"brand": other.id, "ordering": "-price"}, 3),
    ]
    for query, count in queries:
        body, counted = get_counting(client, {**query, "page_size": 2})
        assert (body["count"], counted) == (count, 1), query
    for query, count in queries:  # other pages of each: no count
        body, counted = get_counting(client, {**query, "page": 2, "page_size": 1, "format": "json"})
        assert (body["count"], counted) == (count, 0), query


def test_admins_and_anonymous_clients_share_the_count(anon, admin, twelve, cached):
    assert get_counting(anon, {"page": 2, "page_size": 5})[1] == 1
    assert get_counting(admin, {"page": 1, "page_size": 5})[1] == 0


@pytest.mark.parametrize("role", ROLES)
def test_with_the_cache_off_every_page_counts(request, role, twelve, settings, redis_db):
    settings.PRODUCT_CACHE_SECONDS = 0
    client = request.getfixturevalue(role)
    for page in (1, 2, 1):
        body, counted = get_counting(client, {"page": page, "page_size": 5})
        assert (body["count"], counted) == (12, 1)
    assert redis_db.keys("*counts*") == []


@pytest.mark.parametrize("role", ROLES)
def test_redis_down_still_answers_with_the_right_count(request, role, twelve, cached, settings):
    client = request.getfixturevalue(role)
    assert get_counting(client, {"page": 2, "page_size": 5})[0]["count"] == 12  # cached
    ProductFactory(brand=twelve[0].brand)  # no write-through: only a recount shows it
    settings.CACHE_REDIS_URL = settings.REDIS_URL = "redis://127.0.0.1:1/0"
    redis_reset()
    for page in (1, 2, 3):
        body, counted = get_counting(client, {"page": page, "page_size": 5})
        assert (body["count"], counted) == (13, 1)
    assert ids(client.get(URL, {"page": 3, "page_size": 5}))[-1] == body["results"][-1]["id"]


def test_count_made_before_a_write_is_not_stored_for_later_readers(
    anon, admin_user, twelve, cached, monkeypatch, django_capture_on_commit_callbacks
):
    """A reader that read the version, then counted the rows as they were before a write, stores
    nothing where readers after the write look."""
    from catalog_service.catalog import services
    from catalog_service.catalog.pagination import ProductPageNumberPagination

    list_count = ProductPageNumberPagination.list_count

    def slow_reader(self, count):
        def count_then_write():
            counted = count()
            with django_capture_on_commit_callbacks(execute=True):
                services.product_delete(product=twelve[0], actor=admin_user)
            return counted

        return list_count(self, count_then_write)

    monkeypatch.setattr(ProductPageNumberPagination, "list_count", slow_reader)
    assert anon.get(URL, {"page_size": 5}).json()["count"] == 12
    monkeypatch.undo()
    body, counted = get_counting(anon, {"page": 2, "page_size": 5})
    assert (body["count"], counted) == (11, 1)

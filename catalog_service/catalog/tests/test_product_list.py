from decimal import Decimal

import pytest

from catalog_service.catalog.tests.factories import BrandFactory, ProductFactory

URL = "/api/v1/product/"


@pytest.fixture
def catalog(db):
    denon, sony = BrandFactory(name="Denon"), BrandFactory(name="Sony")
    return {
        "cd": ProductFactory(sku="CD-1", name="CD Player", price=Decimal("120.00"), brand=denon),
        "amp": ProductFactory(sku="AMP-1", name="Amplifier", price=Decimal("450.00"), brand=denon),
        "tv": ProductFactory(sku="TV-9", name="Bravia TV", price=Decimal("999.99"), brand=sony),
        "denon": denon,
        "sony": sony,
    }


def skus(response):
    assert response.status_code == 200, response.content
    return [row["sku"] for row in response.json()["results"]]


def test_product_list_is_paginated(anon, catalog):
    body = anon.get(URL, {"page_size": 2}).json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"].endswith("page=2&page_size=2")
    assert body["previous"] is None


def test_product_list_page_size_is_capped(anon, brand):
    ProductFactory.create_batch(105, brand=brand)
    body = anon.get(URL, {"page_size": 1000}).json()
    assert len(body["results"]) == 100


def test_product_list_filters_by_brand(anon, catalog):
    assert skus(anon.get(URL, {"brand": catalog["sony"].id})) == ["TV-9"]


def test_product_list_filters_by_price_range(anon, catalog):
    assert skus(anon.get(URL, {"price_min": "200", "price_max": "999.99"})) == ["AMP-1", "TV-9"]


def test_product_list_filters_by_sku_ignoring_case(anon, catalog):
    assert skus(anon.get(URL, {"sku": "amp-1"})) == ["AMP-1"]


def test_product_list_bad_filter_value_is_400(anon, catalog):
    response = anon.get(URL, {"price_min": "cheap"})
    assert response.status_code == 400
    assert "price_min" in response.json()["fields"]


def test_product_list_searches_name_and_sku(anon, catalog):
    assert skus(anon.get(URL, {"search": "player"})) == ["CD-1"]
    assert skus(anon.get(URL, {"search": "tv-"})) == ["TV-9"]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("name", ["AMP-1", "TV-9", "CD-1"]),
        ("-price", ["TV-9", "AMP-1", "CD-1"]),
        ("created_at", ["CD-1", "AMP-1", "TV-9"]),
    ],
)
def test_product_list_orders(anon, catalog, ordering, expected):
    assert skus(anon.get(URL, {"ordering": ordering})) == expected


@pytest.mark.parametrize(
    ("role", "queries"),
    [
        ("anon", 3),  # COUNT(*), the page with brands joined, one upsert of the impressions
        ("admin", 4),  # the admin, COUNT(*), the page with view totals, the stock with locations
    ],
)
def test_product_list_page_costs_constant_queries(
    request, role, queries, brand, django_assert_num_queries
):
    client = request.getfixturevalue(role)
    ProductFactory.create_batch(5, brand=brand)
    with django_assert_num_queries(queries):
        assert len(client.get(URL, {"page_size": 5}).json()["results"]) == 5
    ProductFactory.create_batch(50, brand=BrandFactory())
    with django_assert_num_queries(queries):
        assert len(client.get(URL, {"page_size": 50}).json()["results"]) == 50


def test_product_list_out_of_range_page_is_404(anon, catalog):
    response = anon.get(URL, {"page": 99})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_product_feed_walks_everything_once_in_id_order(anon, brand, django_assert_max_num_queries):
    products = ProductFactory.create_batch(60, brand=brand)
    seen, url = [], f"{URL}feed/?page_size=25"
    while url:
        with django_assert_max_num_queries(2):  # the page, and the impression upsert: no COUNT(*)
            body = anon.get(url).json()
        assert set(body) == {"next", "previous", "results"}
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert seen == [p.id for p in products]


def test_product_feed_applies_filters(anon, catalog):
    body = anon.get(f"{URL}feed/", {"brand": catalog["denon"].id}).json()
    assert [row["sku"] for row in body["results"]] == ["CD-1", "AMP-1"]

"""The report queries, by their numbers: zero where nothing was read, each product its own.

The reports that rank products with their brand: catalog/tests/test_reports.py."""

from datetime import date

import pytest

from catalog_service.analytics import counters, selectors
from catalog_service.analytics.counters import IMPRESSION, VIEW
from catalog_service.catalog.models import Product
from catalog_service.catalog.tests.factories import ProductFactory

D1, D2 = date(2026, 3, 1), date(2026, 3, 2)
SPAN = {"date_from": D1, "date_to": D2}


@pytest.fixture
def three(brand):
    """Two products read on two days, one never read."""
    read_often, read_once, unread = ProductFactory.create_batch(3, brand=brand)
    counters.counts_upsert(
        {
            (read_often.id, D1, VIEW): 5,
            (read_often.id, D2, VIEW): 2,
            (read_often.id, D1, IMPRESSION): 10,
            (read_once.id, D2, VIEW): 1,
            (read_once.id, D2, IMPRESSION): 3,
        }
    )
    return read_often, read_once, unread


def test_totals_of_a_range_without_reads_are_zero(three):
    empty = {"date_from": date(2025, 1, 1), "date_to": date(2025, 1, 31)}
    totals = selectors.views_totals(**empty)
    assert totals == {"views": 0, "impressions": 0}
    assert all(type(value) is int for value in totals.values())
    assert selectors.views_totals(**SPAN) == {"views": 8, "impressions": 13}


def test_report_of_a_range_without_reads_shows_zero_totals(admin, three):
    body = admin.get("/api/v1/report/views/", {"from": "2025-01-01", "to": "2025-01-31"}).json()
    assert (body["totals"], body["results"]) == ({"views": 0, "impressions": 0}, [])
    _, _, unread = three
    span = {"from": "2026-03-01", "to": "2026-03-02"}
    series = admin.get(f"/api/v1/product/{unread.id}/views/", span).json()
    assert series["totals"] == {"views": 0, "impressions": 0}
    assert [(day["views"], day["impressions"]) for day in series["days"]] == [(0, 0), (0, 0)]


def test_top_is_limited_to_20_by_default(brand):
    products = ProductFactory.create_batch(21, brand=brand)
    counters.counts_upsert({(p.id, D1, VIEW): n + 1 for n, p in enumerate(products)})
    top = selectors.views_top(**SPAN)
    assert [row.product_id for row in top] == [p.id for p in reversed(products[1:])]


def test_top_breaks_ties_by_impressions_then_id(brand):
    first, second, third = ProductFactory.create_batch(3, brand=brand)
    counters.counts_upsert(
        {
            (third.id, D1, VIEW): 4,
            (third.id, D1, IMPRESSION): 9,
            (second.id, D1, VIEW): 4,
            (first.id, D1, VIEW): 4,
        }
    )
    top = selectors.views_top(**SPAN)
    assert [(row.product_id, row.views, row.impressions) for row in top] == [
        (third.id, 4, 9),
        (first.id, 4, 0),
        (second.id, 4, 0),
    ]


def test_top_and_totals_of_some_products_count_only_theirs(three):
    _, read_once, unread = three
    some = {"product_ids": [read_once.id, unread.id]}
    top = selectors.views_top(**SPAN, **some)
    assert [(row.product_id, row.views, row.impressions) for row in top] == [(read_once.id, 1, 3)]
    assert selectors.views_totals(**SPAN, **some) == {"views": 1, "impressions": 3}
    everyone = Product.objects.values("id")  # a queryset runs as a subquery
    assert selectors.views_totals(**SPAN, product_ids=everyone) == {"views": 8, "impressions": 13}
    assert selectors.views_top(**SPAN, product_ids=[]) == []


def test_view_totals_are_each_products_own(three):
    read_often, read_once, unread = three
    rows = selectors.with_view_totals(Product.objects.order_by("id"))
    assert [(p.id, p.view_total, p.impression_total) for p in rows] == [
        (read_often.id, 7, 10),
        (read_once.id, 1, 3),
        (unread.id, 0, 0),
    ]
    assert selectors.product_view_totals(unread.id) == (0, 0)
    assert selectors.product_view_totals(read_often.id) == (7, 10)


def test_admin_list_shows_each_products_counters(admin, three):
    results = admin.get("/api/v1/product/", {"ordering": "created_at"}).json()["results"]
    assert {(row["id"], row["views"], row["impressions"]) for row in results} == {
        (product.id, views, impressions)
        for product, views, impressions in zip(three, (7, 1, 0), (10, 3, 0), strict=True)
    }

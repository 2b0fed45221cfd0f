"""The cached anonymous representation: served without the database, never stale after a write."""

import pytest

from catalog_service.analytics import counters
from catalog_service.analytics.models import ProductDailyViews
from catalog_service.catalog import cache as product_cache
from catalog_service.catalog.models import Product

URL = "/api/v1/product/"


@pytest.fixture
def cached(settings, redis_db):
    settings.PRODUCT_CACHE_SECONDS = 300
    settings.VIEW_COUNTING = "redis"
    return redis_db


def test_second_anonymous_read_needs_no_query(anon, product, cached, django_assert_num_queries):
    first = anon.get(f"{URL}{product.id}/")
    with django_assert_num_queries(0):
        second = anon.get(f"{URL}{product.id}/")
    assert second.status_code == 200
    assert second.json() == first.json()
    assert second["ETag"] == first["ETag"]
    assert second["Content-Type"] == "application/json"


def test_cached_reads_are_counted_exactly(anon, product, cached):
    for _ in range(5):
        anon.get(f"{URL}{product.id}/")
    counters.counts_flush()
    assert ProductDailyViews.objects.get(product_id=product.id).views == 5


def test_write_is_visible_to_the_next_read(
    anon, admin, product, cached, django_capture_on_commit_callbacks
):
    anon.get(f"{URL}{product.id}/")
    with django_capture_on_commit_callbacks(execute=True):
        admin.patch(f"{URL}{product.id}/", {"price": "99.99"}, format="json")
    assert anon.get(f"{URL}{product.id}/").json()["price"] == "99.99"


def test_reader_holding_an_old_row_cannot_overwrite_a_commit(
    anon, admin, product, cached, django_capture_on_commit_callbacks
):
    stale = Product.objects.select_related("brand").get(pk=product.pk)  # read before the write
    with django_capture_on_commit_callbacks(execute=True):
        admin.patch(f"{URL}{product.id}/", {"price": "55.00"}, format="json")
    product_cache.fill((stale.pk, product_cache.entry(stale)))  # the slow reader caches its row
    assert anon.get(f"{URL}{product.id}/").json()["price"] == "55.00"


def test_deleted_product_is_404_from_the_cache(
    anon, admin, product, cached, django_capture_on_commit_callbacks
):
    anon.get(f"{URL}{product.id}/")
    with django_capture_on_commit_callbacks(execute=True):
        admin.delete(f"{URL}{product.id}/")
    response = anon.get(f"{URL}{product.id}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_brand_rename_refreshes_its_cached_products(
    anon, admin, product, cached, django_capture_on_commit_callbacks
):
    anon.get(f"{URL}{product.id}/")
    with django_capture_on_commit_callbacks(execute=True):
        admin.patch(f"/api/v1/brand/{product.brand_id}/", {"name": "Denon Japan"}, format="json")
    assert anon.get(f"{URL}{product.id}/").json()["brand"]["name"] == "Denon Japan"


def test_redis_down_reads_come_from_the_database(anon, product, cached, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    from catalog_service.core.redis import redis_reset

    redis_reset()
    assert anon.get(f"{URL}{product.id}/").json()["sku"] == product.sku
    assert ProductDailyViews.objects.get(product_id=product.id).views == 1


def test_cached_list_matches_the_uncached_one(anon, brand, settings, redis_db):
    from catalog_service.catalog.tests.factories import ProductFactory

    ProductFactory.create_batch(30, brand=brand)
    query = {"page": 2, "page_size": 10, "ordering": "-price", "search": "Product"}
    settings.PRODUCT_CACHE_SECONDS = 0
    uncached = anon.get(URL, query).json()
    settings.PRODUCT_CACHE_SECONDS = 300
    cold = anon.get(URL, query).json()
    warm = anon.get(URL, query).json()
    assert cold == uncached
    assert warm == uncached


def test_cached_list_page_reads_rows_only_once(anon, brand, cached, django_assert_num_queries):
    from catalog_service.catalog.tests.factories import ProductFactory

    ProductFactory.create_batch(25, brand=brand)
    with django_assert_num_queries(3):  # COUNT(*), the page's ids, the 25 missing representations
        anon.get(URL)
    with django_assert_num_queries(2):  # COUNT(*) and the ids: the rest comes from Redis
        assert len(anon.get(URL).json()["results"]) == 25


def test_cached_list_shows_writes_and_counts_impressions(
    anon, admin, product, cached, django_capture_on_commit_callbacks
):
    anon.get(URL)
    with django_capture_on_commit_callbacks(execute=True):
        admin.patch(f"{URL}{product.id}/", {"name": "Renamed"}, format="json")
    assert anon.get(URL).json()["results"][0]["name"] == "Renamed"
    with django_capture_on_commit_callbacks(execute=True):
        admin.delete(f"{URL}{product.id}/")
    assert anon.get(URL).json() == {"count": 0, "next": None, "previous": None, "results": []}
    counters.counts_flush()
    assert ProductDailyViews.objects.get(product_id=product.id).impressions == 2

"""The cached anonymous representation: served without the database, never stale after a write."""

import pytest

from catalog_service.analytics import counters
from catalog_service.analytics.models import ProductDailyViews
from catalog_service.catalog import cache as product_cache
from catalog_service.catalog.models import Product

URL = "/api/v1/product/"


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


def test_cached_list_page_needs_no_query_the_second_time(
    anon, brand, cached, django_assert_num_queries
):
    from catalog_service.catalog.tests.factories import ProductFactory

    ProductFactory.create_batch(25, brand=brand)
    with django_assert_num_queries(3):  # COUNT(*), the page's ids, the 25 missing representations
        first = anon.get(URL, {"page_size": 25, "ordering": "-price"}).json()
    with django_assert_num_queries(0):  # the same page, its parameters in another order
        second = anon.get(URL, {"ordering": "-price", "page_size": 25}).json()
    assert second == first
    with django_assert_num_queries(2):  # another page: COUNT(*) and ids; rows come from Redis
        assert len(anon.get(URL, {"page": 2, "page_size": 10}).json()["results"]) == 10


@pytest.mark.parametrize("mode", ["redis", "database"])
def test_cached_list_pages_count_every_impression(anon, brand, cached, settings, mode):
    from catalog_service.catalog.tests.factories import ProductFactory

    settings.VIEW_COUNTING = mode
    products = ProductFactory.create_batch(3, brand=brand)
    for _ in range(4):  # one miss, then three hits
        assert anon.get(URL).status_code == 200
    counters.counts_flush()
    counted = dict(ProductDailyViews.objects.values_list("product_id", "impressions"))
    assert counted == {product.id: 4 for product in products}


def test_page_built_from_old_rows_is_never_served_after_a_write(
    anon, admin, product, cached, django_capture_on_commit_callbacks
):
    from catalog_service.catalog.anonymous import page_key

    request = anon.get(URL).wsgi_request
    version, ids, body = product_cache.page_read(page_key(request))
    with django_capture_on_commit_callbacks(execute=True):
        admin.patch(f"{URL}{product.id}/", {"price": "77.00"}, format="json")
    product_cache.page_store(version, page_key(request), ids, body)  # a slow reader, too late
    assert anon.get(URL).json()["results"][0]["price"] == "77.00"


def test_logged_in_reads_are_not_answered_from_the_cache(admin, anon, product, cached):
    anon.get(f"{URL}{product.id}/")
    anon.get(URL)
    assert "views" in admin.get(f"{URL}{product.id}/").json()
    assert "views" in admin.get(URL).json()["results"][0]


def test_throttled_anonymous_reads_get_429_from_the_cache_path(
    anon, product, cached, anon_read_rate
):
    anon_read_rate("3/min")
    # a miss, a hit, a page miss (DRF builds it: the throttle must not count it twice)
    statuses = [anon.get(path).status_code for path in (f"{URL}{product.id}/",) * 2 + (URL,)]
    refused = anon.get(URL)
    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert int(refused["Retry-After"]) > 0


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


def test_warm_caches_every_product_without_overwriting_fresher_entries(
    anon, admin, brand, cached, django_assert_num_queries, django_capture_on_commit_callbacks
):
    from io import StringIO

    from django.core.management import call_command

    from catalog_service.catalog.tests.factories import ProductFactory

    products = ProductFactory.create_batch(5, brand=brand)
    fresher = products[0]
    fresher.price = "1.00"  # a value only the cache holds: warming must not replace it
    product_cache.fill((fresher.pk, product_cache.entry(fresher)))
    out = StringIO()
    call_command("warm_product_cache", stdout=out)
    assert out.getvalue().strip() == "Read 5 product(s) into the cache."
    with django_assert_num_queries(0):
        bodies = [anon.get(f"{URL}{product.id}/").json() for product in products]
    assert [body["sku"] for body in bodies] == [product.sku for product in products]
    assert bodies[0]["price"] == "1.00"


def test_cached_feed_matches_the_uncached_one_and_counts_impressions(
    anon, brand, settings, redis_db, django_assert_num_queries
):
    from catalog_service.catalog.tests.factories import ProductFactory

    products = ProductFactory.create_batch(12, brand=brand)
    settings.PRODUCT_CACHE_SECONDS = 0
    settings.VIEW_COUNTING = "database"
    uncached = anon.get(f"{URL}feed/", {"page_size": 5}).json()
    second_page_url = uncached["next"]
    settings.PRODUCT_CACHE_SECONDS = 300
    anon.get(f"{URL}feed/", {"page_size": 5})  # fills the five entries
    with django_assert_num_queries(2):  # the ids by keyset, the impressions upsert: rows cached
        assert anon.get(f"{URL}feed/", {"page_size": 5}).json() == uncached
    assert [row["id"] for row in anon.get(second_page_url).json()["results"]] == [
        product.id for product in products[5:10]
    ]
    counted = dict(ProductDailyViews.objects.values_list("product_id", "impressions"))
    assert counted == {
        **{product.id: 3 for product in products[:5]},
        **{product.id: 1 for product in products[5:10]},
    }


def test_cached_feed_still_filters_and_refuses_a_bad_cursor(anon, brand, cached):
    from catalog_service.catalog.tests.factories import BrandFactory, ProductFactory

    ProductFactory.create_batch(3, brand=brand)
    other = ProductFactory(brand=BrandFactory(name="Other"))
    assert len(anon.get(f"{URL}feed/").json()["results"]) == 4
    filtered = anon.get(f"{URL}feed/", {"brand": other.brand_id}).json()["results"]
    assert [row["id"] for row in filtered] == [other.id]
    refused = anon.get(f"{URL}feed/", {"cursor": "not-a-cursor"})
    assert refused.status_code == 404
    assert refused.json()["code"] == "not_found"


def test_cached_feed_counts_hits_in_redis_with_one_query(
    anon, brand, cached, django_assert_num_queries
):
    from catalog_service.catalog.tests.factories import ProductFactory

    products = ProductFactory.create_batch(4, brand=brand)
    anon.get(f"{URL}{products[0].id}/")  # one entry cached, one view
    anon.get(f"{URL}feed/")  # one hit counted in Redis, three misses counted after the fill
    with django_assert_num_queries(1):  # the ids; the rows and every count in one Redis call
        assert len(anon.get(f"{URL}feed/").json()["results"]) == 4
    counters.counts_flush()
    counted = dict(ProductDailyViews.objects.values_list("product_id", "impressions"))
    assert counted == {product.id: 2 for product in products}


def test_write_through_lost_in_a_redis_outage_is_repaired_when_redis_is_back(
    anon, admin, product, cached, settings, django_capture_on_commit_callbacks
):
    from catalog_service.catalog.models import ProductCacheRepair
    from catalog_service.catalog.tasks import product_cache_repair
    from catalog_service.core.redis import UNAVAILABLE, redis_reset

    old_price = anon.get(f"{URL}{product.id}/").json()["price"]
    anon.get(URL)  # the page is cached too
    reachable = settings.REDIS_URL
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # Redis unreachable for the writer
    redis_reset()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.patch(f"{URL}{product.id}/", {"price": "66.00"}, format="json")
    assert response.status_code == 200
    assert list(ProductCacheRepair.objects.values_list("product_id", flat=True)) == [product.id]
    with pytest.raises(UNAVAILABLE):  # still down: the record stays for the next run
        product_cache.repair()
    assert ProductCacheRepair.objects.count() == 1

    settings.REDIS_URL = reachable
    redis_reset()
    assert anon.get(f"{URL}{product.id}/").json()["price"] == old_price  # what repair is for
    assert product_cache_repair() == 1
    assert anon.get(f"{URL}{product.id}/").json()["price"] == "66.00"
    assert anon.get(URL).json()["results"][0]["price"] == "66.00"
    assert not ProductCacheRepair.objects.exists()

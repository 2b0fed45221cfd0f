"""Whatever anonymous clients send, the product cache stays bounded and keyed by what changes the
answer, and it lives apart from the counts, the throttles and the broker."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis as redis_lib
import requests

from catalog_service.analytics import counters
from catalog_service.analytics.models import ProductDailyViews
from catalog_service.catalog import cache as product_cache
from catalog_service.catalog.tests.factories import BrandFactory, ProductFactory
from catalog_service.core.redis import redis_reset

URL = "/api/v1/product/"


def _pages(client: redis_lib.Redis) -> dict[bytes, int]:
    """Each version's page hash and how many pages it holds."""
    return {key: client.hlen(key) for key in client.scan_iter(f"{product_cache._PAGES_PREFIX}*")}


def test_junk_parameters_share_one_cached_page_and_never_reach_the_links(anon, brand, cached):
    ProductFactory.create_batch(3, brand=brand)
    bodies = [
        anon.get(URL, {"page_size": 2, "utm_source": uuid.uuid4().hex, "x": "1"}).json()
        for _ in range(20)
    ]
    assert list(_pages(cached).values()) == [1]
    assert all(body == bodies[0] for body in bodies)
    assert bodies[0]["next"] == "http://testserver/api/v1/product/?page=2&page_size=2"


def test_repeated_parameters_are_read_as_the_last_value_in_the_key_and_the_answer(
    anon, cached, brand
):
    other = ProductFactory(brand=BrandFactory())
    mine = ProductFactory(brand=brand)
    first = anon.get(f"{URL}?brand={other.brand_id}&brand={brand.id}").json()
    second = anon.get(f"{URL}?brand={brand.id}&brand={other.brand_id}").json()
    assert [row["id"] for row in first["results"]] == [mine.id]
    assert [row["id"] for row in second["results"]] == [other.id]


def test_cached_pages_are_bounded_in_number_whatever_the_queries(anon, product, cached, settings):
    settings.PRODUCT_CACHE_MAX_PAGES = 5
    for _ in range(30):
        assert anon.get(URL, {"search": uuid.uuid4().hex}).status_code == 200
    assert list(_pages(cached).values()) == [5]
    # pages over the bound are still answered, from the database
    assert anon.get(URL, {"search": "CD"}).json()["results"][0]["id"] == product.id


def test_storing_a_page_never_extends_the_version_expiry(anon, product, cached):
    anon.get(URL, {"page": 1})
    (pages,) = _pages(cached)
    cached.expire(pages, 100)  # as if the first page were stored 200 s ago
    anon.get(URL, {"page_size": 5})
    assert cached.hlen(pages) == 2
    assert 0 < cached.ttl(pages) <= 100


def test_cache_on_its_own_redis_counts_reads_exactly_on_the_main_one(
    anon, brand, cached, settings, private_redis
):
    try:
        settings.CACHE_REDIS_URL = private_redis.url
        redis_reset()
        products = ProductFactory.create_batch(2, brand=brand)
        for _ in range(3):  # a miss, then hits: detail, list and feed
            assert anon.get(f"{URL}{products[0].id}/").status_code == 200
            assert anon.get(URL).status_code == 200
            assert anon.get(f"{URL}feed/").status_code == 200
        cache = redis_lib.Redis.from_url(private_redis.url)
        assert cache.exists(product_cache._key(products[0].id, "0"))
        assert not cache.exists(counters.LIVE_KEY)  # counts never live on the evictable server
        assert cached.exists(counters.LIVE_KEY)
        assert not list(cached.scan_iter("catalog:product:*"))
        counters.counts_flush()
        counted = {
            row.product_id: (row.views, row.impressions) for row in ProductDailyViews.objects.all()
        }
        assert counted == {products[0].id: (3, 6), products[1].id: (0, 6)}
    finally:
        redis_reset()


@pytest.mark.timeout(180)
def test_3000_requests_with_junk_parameters_grow_redis_by_under_2_mb(
    live_api, brand, private_redis
):
    ProductFactory.create_batch(100, brand=brand)
    server = live_api(
        REDIS_URL=private_redis.url,
        VIEW_COUNTING="redis",
        PRODUCT_CACHE_SECONDS=300,
        THROTTLE_ANON_RATE="",
    )
    client = redis_lib.Redis.from_url(private_redis.url)
    session = requests.Session()
    assert session.get(f"{server.url}{URL}", params={"page_size": 100}).status_code == 200
    before = client.info("memory")["used_memory"]

    def read(n: int) -> int:
        junk = {"page_size": 100, "utm_source": uuid.uuid4().hex, f"junk{n}": n}
        return requests.get(f"{server.url}{URL}", params=junk, timeout=30).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(read, range(3000)))
    grown = client.info("memory")["used_memory"] - before
    assert statuses == [200] * 3000
    assert grown < 2 * 1024 * 1024, f"Redis grew by {grown} bytes"
    assert list(_pages(client).values()) == [1]


def test_cache_keys_follow_the_representation_shape():
    from rest_framework import serializers

    from catalog_service.catalog.serializers import ProductSerializer

    class WithStock(ProductSerializer):
        stock = serializers.IntegerField()

        class Meta(ProductSerializer.Meta):
            fields = (*ProductSerializer.Meta.fields, "stock")

    shape = product_cache.representation_shape(ProductSerializer())
    assert product_cache._key(7, "0") == f"catalog:product:{shape}:e0:7"
    assert product_cache._PAGES_PREFIX.startswith(f"catalog:product:{shape}:")
    assert product_cache.representation_shape(WithStock()) != shape

"""Exact counts under real concurrency: 50 clients, 2,000 anonymous reads, a live server."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.db import connection

from catalog_service.analytics import counters
from catalog_service.analytics.models import ProductDailyViews
from catalog_service.catalog import cache as product_cache
from catalog_service.catalog.tests.factories import ProductFactory

CLIENTS, READS_EACH = 50, 40


def hammer(url: str) -> int:
    """CLIENTS concurrent clients each read `url` READS_EACH times; returns the 200s."""

    failures = []

    def one_client(_):
        ok = 0
        with requests.Session() as session:
            for _ in range(READS_EACH):
                response = session.get(url, timeout=30)
                if response.status_code == 200:
                    ok += 1
                else:
                    failures.append((response.status_code, response.text[:300]))
        return ok

    with ThreadPoolExecutor(CLIENTS) as pool:
        ok = sum(pool.map(one_client, range(CLIENTS)))
    assert not failures, failures[:5]
    return ok


def stored_views(product_id: int) -> int:
    return sum(
        ProductDailyViews.objects.filter(product_id=product_id).values_list("views", flat=True)
    )


@pytest.mark.timeout(300)
def test_concurrent_reads_counted_exactly_in_database_mode(live_api, brand):
    product = ProductFactory(brand=brand)
    server = live_api(VIEW_COUNTING="database")
    ok = hammer(f"{server.url}/api/v1/product/{product.id}/")
    assert ok == CLIENTS * READS_EACH
    assert stored_views(product.id) == ok


@pytest.mark.timeout(300)
def test_concurrent_reads_counted_exactly_in_redis_mode_with_movers_running(
    live_api, brand, redis_db, settings
):
    """Two movers run over and over while the reads arrive: nothing lost, nothing twice."""
    product = ProductFactory(brand=brand)
    server = live_api(VIEW_COUNTING="redis", REDIS_URL=settings.REDIS_URL)
    done = threading.Event()
    flushed = []

    def mover():
        try:
            while not done.is_set():
                flushed.append(counters.counts_flush().views)
        finally:
            connection.close()

    movers = [threading.Thread(target=mover) for _ in range(2)]
    for thread in movers:
        thread.start()
    try:
        ok = hammer(f"{server.url}/api/v1/product/{product.id}/")
    finally:
        done.set()
        for thread in movers:
            thread.join()
    counters.counts_flush()
    assert ok == CLIENTS * READS_EACH
    assert stored_views(product.id) == ok
    assert sum(flushed) > 0, "the movers ran during the load"
    assert redis_db.keys("*") == []


@pytest.mark.timeout(300)
@pytest.mark.parametrize("web_server", ["gunicorn", "granian"])
def test_concurrent_cached_reads_counted_exactly(live_api, brand, redis_db, settings, web_server):
    """Detail reads and list pages answered from the cache (one Lua call each, no DRF), under
    both servers bin/start-api offers: every view and every impression counted once."""
    products = ProductFactory.create_batch(3, brand=brand)
    server = live_api(
        WEB_SERVER=web_server,
        VIEW_COUNTING="redis",
        REDIS_URL=settings.REDIS_URL,
        PRODUCT_CACHE_SECONDS="300",
    )
    views = hammer(f"{server.url}/api/v1/product/{products[0].id}/")
    pages = hammer(f"{server.url}/api/v1/product/")
    counters.counts_flush()
    assert views == pages == CLIENTS * READS_EACH
    rows = ProductDailyViews.objects.values_list("product_id", "views", "impressions")
    assert {pid: (v, i) for pid, v, i in rows} == {
        products[0].id: (views, pages),
        products[1].id: (0, pages),
        products[2].id: (0, pages),
    }
    assert redis_db.exists(product_cache._VERSION_KEY) == 0, "no write bumped the version"
    assert len(redis_db.keys(f"{product_cache._PAGES_PREFIX}*")) == 1, "the page was cached"

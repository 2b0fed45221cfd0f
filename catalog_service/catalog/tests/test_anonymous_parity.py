"""The anonymous read path (catalog.anonymous) answers exactly as the DRF viewset would: status,
the headers that matter and the body's bytes, with the cache on (cold and warm), off, and with
its Redis down. The reference is the viewset alone, at the same paths (drf_only_urls)."""

from decimal import Decimal

import pytest

from catalog_service.catalog.tests.factories import BrandFactory, ProductFactory
from catalog_service.core.redis import redis_reset

HEADERS = ("Content-Type", "ETag", "Allow", "Vary", "Link")
URL = "/api/v1/product/"


@pytest.fixture
def catalog(db):
    denon, sony = BrandFactory(name="Denon"), BrandFactory(name="Sony")
    for n in range(12):
        ProductFactory(
            brand=denon if n % 3 else sony,
            sku=f"AMP-{n:02d}",
            name=f"Amplifier {n}" if n % 2 else f"Speaker {n}",
            price=Decimal("10.00") + n * 7 % 5,
        )
    return {
        "denon": denon.pk,
        "sony": sony.pk,
        "first": ProductFactory._meta.model.objects.first().pk,
    }


def requests(catalog) -> list[tuple[str, dict]]:
    first = catalog["first"]
    return [
        (f"{URL}{first}/", {}),
        (f"{URL}{first + 1000}/", {}),  # 404
        (URL, {}),
        (URL, {"page": 2, "page_size": 5}),
        (URL, {"page": 99}),  # 404
        (URL, {"brand": catalog["sony"]}),
        (URL, {"price_min": "11", "price_max": "13"}),
        (URL, {"sku": "amp-03"}),
        (URL, {"search": "Speaker"}),
        (URL, {"search": "AMP-1", "ordering": "-price"}),
        (URL, {"ordering": "name"}),
        (URL, {"ordering": "-created_at", "page_size": 4}),
        (URL, {"brand": "sony"}),  # a bad filter: 400
        (URL, {"ordering": "nope"}),  # ignored, as DRF ignores it
        (f"{URL}feed/", {"page_size": 5}),
        (f"{URL}feed/", {"brand": catalog["denon"], "page_size": 3}),
        (f"{URL}feed/", {"cursor": "forged"}),  # 404
    ]


def answer(response) -> tuple:
    return (
        response.status_code,
        {name: response.get(name) for name in HEADERS},
        response.content,
    )


def answers(client, catalog) -> list[tuple]:
    """Each request's answer, then the feed's second page by its own `next` link."""
    got = [answer(client.get(url, query)) for url, query in requests(catalog)]
    feed_next = client.get(f"{URL}feed/", {"page_size": 5}).json()["next"]
    got.append(answer(client.get(feed_next)))
    return got


@pytest.mark.parametrize("mode", ["cache on", "cache off", "redis down"])
def test_anonymous_answers_are_the_viewsets(anon, catalog, settings, redis_db, mode):
    settings.VIEW_COUNTING = "redis"
    settings.PRODUCT_CACHE_SECONDS = 0 if mode == "cache off" else 300
    settings.ROOT_URLCONF = "catalog_service.catalog.tests.drf_only_urls"
    reference = answers(anon, catalog)
    settings.ROOT_URLCONF = "config.urls"
    if mode == "redis down":
        settings.REDIS_URL = "redis://127.0.0.1:1/0"
        redis_reset()
    cold = answers(anon, catalog)
    warm = answers(anon, catalog)  # from the cache, when it is on
    for asked, expected, first, second in zip(
        [*requests(catalog), ("next", {})], reference, cold, warm, strict=True
    ):
        assert first == expected, asked
        assert second == expected, asked
    assert {status for status, _, _ in reference} == {200, 400, 404}

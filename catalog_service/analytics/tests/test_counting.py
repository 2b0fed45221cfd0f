"""What is counted, in the database mode (the embedded default) and the Redis mode."""

from datetime import date

import pytest
from django.db.models import Count, Sum

from catalog_service.analytics import counters
from catalog_service.analytics.models import AppliedCountBatch, ProductDailyViews
from catalog_service.catalog.tests.factories import ProductFactory
from catalog_service.core.redis import redis_reset

URL = "/api/v1/product/"


def stored(product_id) -> tuple[int, int]:
    row = ProductDailyViews.objects.filter(product_id=product_id, day=counters.today()).first()
    return (row.views, row.impressions) if row else (0, 0)


@pytest.fixture(params=["database", "redis"])
def mode(request, settings):
    settings.VIEW_COUNTING = request.param
    if request.param == "redis":
        request.getfixturevalue("redis_db")
    return request.param


def settle(mode):
    if mode == "redis":
        counters.counts_flush()


def test_anonymous_detail_counts_one_view(anon, product, mode):
    for _ in range(3):
        assert anon.get(f"{URL}{product.id}/").status_code == 200
    settle(mode)
    assert stored(product.id) == (3, 0)


def test_anonymous_list_counts_one_impression_per_row(anon, brand, mode):
    shown = ProductFactory.create_batch(3, brand=brand)
    hidden = ProductFactory(brand=brand)
    assert anon.get(URL, {"page_size": 3}).status_code == 200
    anon.get(URL, {"search": shown[0].name})
    settle(mode)
    assert [stored(p.id) for p in shown] == [(0, 2), (0, 1), (0, 1)]
    assert stored(hidden.id) == (0, 0)


def test_authenticated_reads_are_not_counted(admin, member, product, mode):
    admin.get(f"{URL}{product.id}/")
    member.get(f"{URL}{product.id}/")
    member.get(URL)
    settle(mode)
    assert stored(product.id) == (0, 0)


def test_head_options_and_failures_are_not_counted(anon, product, mode):
    assert anon.head(f"{URL}{product.id}/").status_code == 200
    assert anon.options(f"{URL}{product.id}/").status_code == 200
    assert anon.get(f"{URL}{product.id + 1000}/").status_code == 404
    assert anon.get(URL, {"price_min": "x"}).status_code == 400
    settle(mode)
    assert stored(product.id) == (0, 0)


def test_counts_are_kept_per_utc_day(product, settings):
    settings.VIEW_COUNTING = "database"
    counters.counts_upsert(
        {(product.id, date(2026, 1, 1), counters.VIEW): 2, (product.id, date(2026, 1, 2), "v"): 5}
    )
    counters.counts_upsert({(product.id, date(2026, 1, 1), counters.IMPRESSION): 7})
    rows = ProductDailyViews.objects.order_by("day").values_list("day", "views", "impressions")
    assert list(rows) == [(date(2026, 1, 1), 2, 7), (date(2026, 1, 2), 5, 0)]


def test_counting_off_counts_nothing(anon, product, settings):
    settings.VIEW_COUNTING = "off"
    anon.get(f"{URL}{product.id}/")
    assert not ProductDailyViews.objects.exists()


def test_admin_reads_show_all_time_counts(anon, admin, product, settings):
    settings.VIEW_COUNTING = "database"
    counters.counts_upsert({(product.id, date(2025, 12, 31), counters.VIEW): 40})
    anon.get(f"{URL}{product.id}/")
    anon.get(URL)
    body = admin.get(f"{URL}{product.id}/").json()
    assert (body["views"], body["impressions"]) == (41, 1)
    assert admin.get(URL).json()["results"][0]["views"] == 41


def test_redis_mode_counts_in_redis_until_flushed(anon, product, settings, redis_db):
    settings.VIEW_COUNTING = "redis"
    anon.get(f"{URL}{product.id}/")
    assert stored(product.id) == (0, 0)
    assert redis_db.hgetall(counters.LIVE_KEY) == {
        f"{counters.today().isoformat()}:{product.id}:v".encode(): b"1"
    }
    result = counters.counts_flush()
    assert (result.batches, result.views) == (1, 1)
    assert stored(product.id) == (1, 0)
    assert redis_db.keys("*") == []


def test_redis_unreachable_counts_in_the_database(anon, product, settings, redis_db):
    settings.VIEW_COUNTING = "redis"
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    redis_reset()
    for _ in range(3):
        assert anon.get(f"{URL}{product.id}/").status_code == 200
    assert stored(product.id) == (3, 0)


# --- the mover: crashes between its steps, concurrent runs -------------------------------------


def test_flush_after_crash_before_apply_counts_once(anon, product, settings, redis_db):
    settings.VIEW_COUNTING = "redis"
    anon.get(f"{URL}{product.id}/")
    client = counters.redis_client()
    assert counters.batch_take(client)  # the mover dies here: the batch is out of the live key
    anon.get(f"{URL}{product.id}/")  # reads keep arriving in a new live key
    counters.counts_flush()
    assert stored(product.id) == (2, 0)
    assert redis_db.keys("*") == []


def test_flush_after_crash_after_commit_does_not_double_count(anon, product, settings, redis_db):
    settings.VIEW_COUNTING = "redis"
    anon.get(f"{URL}{product.id}/")
    client = counters.redis_client()
    batch_id = counters.batch_take(client)
    assert counters.batch_apply(client, batch_id)  # committed; the mover dies before forgetting
    assert stored(product.id) == (1, 0)
    counters.counts_flush()
    assert stored(product.id) == (1, 0)
    assert AppliedCountBatch.objects.filter(batch_id=batch_id).exists()
    assert redis_db.keys("*") == []


def test_flush_with_nothing_pending(redis_db, db):
    assert counters.counts_flush().batches == 0


def test_flush_command_moves_counts(anon, product, settings, redis_db):
    from io import StringIO

    from django.core.management import call_command

    settings.VIEW_COUNTING = "redis"
    anon.get(f"{URL}{product.id}/")
    anon.get(URL)
    out = StringIO()
    call_command("flush_view_counts", stdout=out)
    assert out.getvalue().strip() == "Applied 1 batch(es): 1 views, 1 impressions."
    assert stored(product.id) == (1, 1)


def test_a_flush_larger_than_one_statement_can_bind_is_applied_whole(settings, redis_db, db):
    """20,000 products in one batch: 80,000 values, more than PostgreSQL binds in one statement."""
    settings.VIEW_COUNTING = "redis"
    product_ids = range(1, 20_001)
    counters.product_reads_record(product_ids=product_ids, kind=counters.VIEW)
    counters.product_reads_record(product_ids=product_ids[:10], kind=counters.IMPRESSION)
    counters.counts_flush()
    stored = ProductDailyViews.objects.aggregate(
        rows=Count("id"), views=Sum("views"), impressions=Sum("impressions")
    )
    assert stored == {"rows": 20_000, "views": 20_000, "impressions": 10}
    assert not redis_db.exists(counters.LIVE_KEY, counters.BATCHES_KEY)  # nothing left behind

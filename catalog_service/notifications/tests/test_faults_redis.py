"""Redis stopped and started under a live API: reads still answer and are counted, writes still
succeed and their notifications arrive once Redis is back. Lost: nothing."""

import time

import pytest
import redis
import requests
from django.test import override_settings
from rest_framework_simplejwt.tokens import RefreshToken

from catalog_service.accounts.tests.factories import AdminFactory
from catalog_service.analytics import counters
from catalog_service.analytics.models import ProductDailyViews
from catalog_service.catalog.tests.factories import ProductFactory
from catalog_service.core.redis import redis_reset
from catalog_service.notifications.models import Delivery

pytestmark = pytest.mark.timeout(180)


def views(product_id: int) -> int:
    return sum(
        ProductDailyViews.objects.filter(product_id=product_id).values_list("views", flat=True)
    )


def flush(redis_url: str) -> None:
    with override_settings(REDIS_URL=redis_url):
        redis_reset()
        counters.counts_flush()
    redis_reset()


def test_redis_down_reads_and_writes_go_on_and_nothing_is_lost(
    live_api, celery_worker_process, private_redis, smtp_server, brand
):
    actor, colleague = AdminFactory(username="alice"), AdminFactory()
    product = ProductFactory(brand=brand)
    env = {
        "REDIS_URL": private_redis.url,
        "VIEW_COUNTING": "redis",
        "VIEW_COUNTING_REDIS_RETRY_SECONDS": 1,
        "THROTTLE_ANON_RATE": "100000/min",
        "THROTTLE_AUTH_RATE": "1000/min",
        "NOTIFICATION_CHANNELS": "smtp",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": smtp_server.port,
        "NOTIFICATION_SWEEP_SECONDS": 1,
        "NOTIFICATION_SWEEP_GRACE_SECONDS": 1,
        "NOTIFICATION_DIGEST_SECONDS": 0,
    }
    api = live_api(**env)
    detail = f"{api.url}/api/v1/product/{product.id}/"
    token = str(RefreshToken.for_user(actor).access_token)
    session = requests.Session()

    assert all(session.get(detail, timeout=10).status_code == 200 for _ in range(5))
    flush(private_redis.url)  # the periodic move ran: only counts made since would be at risk
    assert views(product.id) == 5
    private_redis.stop()
    down = [session.get(detail, timeout=10) for _ in range(20)]
    assert [r.status_code for r in down] == [200] * 20, down[0].text
    # Credential endpoints fail closed without their throttle's store; bearer tokens still work.
    verify = session.post(f"{api.url}/api/v1/token/verify/", json={"token": token}, timeout=10)
    assert verify.status_code == 503
    assert verify.json()["code"] == "service_unavailable"
    patch = session.patch(
        detail, json={"price": "77.00"}, headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert patch.status_code == 200, patch.text
    assert views(product.id) == 25  # counted in PostgreSQL while Redis was away

    private_redis.start()
    live = redis.Redis.from_url(private_redis.url)
    reads, deadline = 0, time.monotonic() + 30
    while not live.exists(counters.LIVE_KEY):  # past the retry window, the API counts in Redis
        assert time.monotonic() < deadline, "the API never counted in Redis again"
        assert session.get(detail, timeout=10).status_code == 200
        reads += 1
        time.sleep(0.1)
    assert all(session.get(detail, timeout=10).status_code == 200 for _ in range(5))
    flush(private_redis.url)
    assert views(product.id) == 30 + reads

    celery_worker_process(**env, CELERY_BROKER_URL=private_redis.url, WORKER_BEAT="true")
    sent = Delivery.objects.filter(status=Delivery.Status.SENT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (sent.exists() and smtp_server.inbox.messages):
        time.sleep(0.2)
    assert list(Delivery.objects.values_list("recipient_id", "status")) == [
        (colleague.pk, Delivery.Status.SENT)
    ]
    assert smtp_server.inbox.recipients() == [colleague.email]

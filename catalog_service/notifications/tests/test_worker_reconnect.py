"""The broker's Redis restarted under a worker that holds countdown tasks (the digest window):
the worker, and the scheduler inside it, reconnect by themselves and every mail arrives."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
import requests
from rest_framework_simplejwt.tokens import RefreshToken

from catalog_service.accounts.tests.factories import AdminFactory
from catalog_service.catalog.tests.factories import ProductFactory
from catalog_service.notifications.models import Delivery
from testing.services import wait_for

pytestmark = pytest.mark.timeout(120)

DIGEST_SECONDS = 6  # long enough to restart Redis while the tasks wait, short for the test


def test_worker_survives_redis_restart_while_deliveries_wait_and_mails_arrive(
    private_redis, smtp_server, live_api, celery_worker_process, brand
):
    actor, others = AdminFactory(username="alice"), AdminFactory.create_batch(3)
    product = ProductFactory(brand=brand, price="10.00")
    env = {
        "REDIS_URL": private_redis.url,
        "CELERY_BROKER_URL": private_redis.url,
        "VIEW_COUNTING": "database",
        "NOTIFICATION_CHANNELS": "smtp",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": smtp_server.port,
        "NOTIFICATION_DIGEST_SECONDS": DIGEST_SECONDS,
        "NOTIFICATION_RELAY_SECONDS": 0.3,
        "NOTIFICATION_SWEEP_SECONDS": 1,
        "NOTIFICATION_SWEEP_GRACE_SECONDS": 1,
    }
    with ThreadPoolExecutor(max_workers=1) as pool:
        api_started = pool.submit(live_api, **env)  # the slower start: both at once
        worker = celery_worker_process(**env, WORKER_BEAT="true")  # as `make worker` runs it
        api = api_started.result()
    token = RefreshToken.for_user(actor).access_token
    response = requests.patch(
        f"{api.url}/api/v1/product/{product.id}/",
        json={"price": "11.00"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text

    # The worker has taken the three countdown tasks and holds them unacknowledged.
    broker = redis.Redis.from_url(private_redis.url)
    assert wait_for(lambda: broker.hlen("unacked") == len(others), timeout=15), worker.output()
    assert not smtp_server.inbox.messages  # still inside the digest window

    # A restart closes the worker's connections in no set order. Celery 5.7.0 exits when its
    # pub/sub (remote control) connection fails first while a BRPOP still waits on the other, so
    # that one is dropped first and Redis shuts down at once, before the BRPOP can return.
    assert broker.client_kill_filter(_type="pubsub") >= 1
    broker.shutdown(nosave=True)
    private_redis.stop()  # reaps the exited server
    private_redis.start()  # same port, empty: what a Redis without persistence comes back as

    def worker_exited() -> bool:
        return worker.process.poll() is not None

    def all_sent() -> bool:  # re-queued by the sweep, which the worker's own scheduler runs
        return Delivery.objects.filter(status=Delivery.Status.SENT).count() == len(others)

    arrived = wait_for(lambda: all_sent() or worker_exited(), timeout=30)
    log = worker.log.read_text()
    assert not worker_exited(), f"the worker exited:\n{log[-3000:]}"
    assert "Connection to broker lost" in log  # the restart did reach the worker
    assert "Unrecoverable error" not in log
    assert arrived, f"mails: {smtp_server.inbox.recipients()}\n{log[-3000:]}"
    assert smtp_server.inbox.recipients() == sorted(o.email for o in others)

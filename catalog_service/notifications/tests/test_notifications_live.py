"""End to end with the real processes: gunicorn API, Celery worker on Redis, an SMTP server.

Each test states what was lost: nothing. Every notification arrives, once.
"""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from rest_framework_simplejwt.tokens import RefreshToken

from catalog_service.accounts.tests.factories import AdminFactory
from catalog_service.catalog.tests.factories import ProductFactory
from catalog_service.notifications.models import Delivery, ProductChangeEvent
from testing.services import free_port, wait_for

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def stack_env(redis_db, smtp_server, settings):
    return {
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.REDIS_URL,
        "VIEW_COUNTING": "database",
        "NOTIFICATION_CHANNELS": "smtp",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": smtp_server.port,
        "EMAIL_USE_TLS": "false",
        "EMAIL_TIMEOUT": 30,
        "NOTIFICATION_RETRY_BASE_SECONDS": 0.5,
        "NOTIFICATION_SWEEP_SECONDS": 1,
        "NOTIFICATION_SWEEP_GRACE_SECONDS": 1,
        "NOTIFICATION_CLAIM_SECONDS": 4,
        "NOTIFICATION_DIGEST_SECONDS": 0,
        "NOTIFICATION_RELAY_SECONDS": 0.3,
        "WORKER_BEAT": "true",  # the scheduler runs the relay
    }


@pytest.fixture
def team(postgres, brand):
    actor = AdminFactory(username="alice")
    others = AdminFactory.create_batch(3)
    product = ProductFactory(sku="LIVE-1", price="12.50", brand=brand)
    return actor, others, product


def patch_price(server, actor, product, price: str) -> tuple[requests.Response, float]:
    token = RefreshToken.for_user(actor).access_token
    started = time.perf_counter()
    response = requests.patch(
        f"{server.url}/api/v1/product/{product.id}/",
        json={"price": price},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    return response, time.perf_counter() - started


def settled() -> bool:
    """Every change event fanned out and every delivery sent: nothing more is on its way."""
    return (
        not ProductChangeEvent.objects.filter(fanned_out_at=None).exists()
        and Delivery.objects.exists()
        and not Delivery.objects.exclude(status=Delivery.Status.SENT).exists()
    )


def test_api_change_reaches_every_other_admin_through_the_worker(
    live_api, celery_worker_process, stack_env, team, smtp_server
):
    actor, others, product = team
    celery_worker_process(**stack_env)
    server = live_api(**stack_env)
    response, _ = patch_price(server, actor, product, "30.50")
    assert response.status_code == 200, response.text
    inbox = smtp_server.inbox
    assert wait_for(lambda: len(inbox.messages) >= 3 and settled()), "mails did not arrive"
    assert inbox.recipients() == sorted(o.email for o in others)
    assert all(
        "price: 12.50 → 30.50" in m.get_body(("plain",)).get_content() for m in inbox.messages
    )


def test_slow_mail_server_does_not_slow_the_admin(
    live_api, celery_worker_process, stack_env, team, smtp_server
):
    actor, others, product = team
    smtp_server.inbox.delay = 5  # seconds per message
    celery_worker_process(**stack_env)
    server = live_api(**stack_env)
    patch_price(server, actor, product, "13.00")  # warm the connection pools
    response, elapsed = patch_price(server, actor, product, "14.00")
    assert response.status_code == 200
    assert elapsed < 1.0, f"PATCH took {elapsed:.2f} s with a mail server taking 5 s per message"
    sent = Delivery.objects.filter(status=Delivery.Status.SENT)
    assert wait_for(lambda: sent.count() == 6, timeout=90), "the slow mail server never got them"
    # Both changes reach each admin (possibly combined into one digest mail).
    for admin in others:
        mails = [m for m in smtp_server.inbox.messages if str(m["To"]) == admin.email]
        text = "".join(m.get_body(("plain",)).get_content() for m in mails)
        assert "12.50 → 13.00" in text and "13.00 → 14.00" in text


def test_broker_down_at_commit_is_relayed_once_it_is_back(
    live_api, celery_worker_process, stack_env, team, smtp_server
):
    actor, others, product = team
    dead_broker = f"redis://127.0.0.1:{free_port()}/0"
    server = live_api(**{**stack_env, "CELERY_BROKER_URL": dead_broker})
    response, elapsed = patch_price(server, actor, product, "31.00")
    assert response.status_code == 200, response.text
    assert elapsed < 3.0
    assert ProductChangeEvent.objects.get().fanned_out_at is None  # waiting in the outbox
    assert smtp_server.inbox.messages == []

    celery_worker_process(**stack_env)  # the broker is back, with the scheduler and the relay
    assert wait_for(lambda: len(smtp_server.inbox.messages) >= 3 and settled()), (
        "the sweep did not deliver"
    )
    assert smtp_server.inbox.recipients() == sorted(o.email for o in others)


def test_worker_killed_mid_delivery_delivers_exactly_once(
    live_api, celery_worker_process, stack_env, team, smtp_server
):
    actor, others, product = team
    for extra in others[1:]:
        extra.delete()  # one recipient keeps the timing simple
    smtp_server.inbox.rcpt_delay = 3  # the worker will be stuck talking to the server
    doomed = celery_worker_process(**stack_env)
    server = live_api(**stack_env)
    response, _ = patch_price(server, actor, product, "32.00")
    assert response.status_code == 200
    assert wait_for(lambda: Delivery.objects.filter(status=Delivery.Status.SENDING).exists(), 30)
    doomed.kill()  # SIGKILL mid-delivery: no clean shutdown, no acknowledgement

    smtp_server.inbox.rcpt_delay = 0
    celery_worker_process(**stack_env)
    assert wait_for(lambda: len(smtp_server.inbox.messages) >= 1 and settled()), (
        "not delivered after the kill"
    )
    assert smtp_server.inbox.recipients() == [others[0].email]
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.SENT, 2), delivery.last_error


def test_bulk_edit_reaches_each_admin_as_one_digest(
    live_api, celery_worker_process, stack_env, team, smtp_server
):
    actor, others, product = team
    env = {**stack_env, "NOTIFICATION_DIGEST_SECONDS": 3}
    celery_worker_process(**env)
    server = live_api(**env)
    for price in ("40.00", "41.00", "42.00", "43.00", "44.00"):
        assert patch_price(server, actor, product, price)[0].status_code == 200
    assert wait_for(lambda: len(smtp_server.inbox.messages) >= 3 and settled())
    assert smtp_server.inbox.recipients() == sorted(o.email for o in others)
    assert {str(m["Subject"]) for m in smtp_server.inbox.messages} == {
        "[Catalog] 5 product changes"
    }
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.SENT}


def test_concurrent_changes_and_two_relays_notify_each_admin_once_per_change(
    live_api, celery_worker_process, stack_env, team, smtp_server
):
    actor, others, product = team
    products = [product, *(ProductFactory(brand=product.brand) for _ in range(3))]
    # Two workers, each asked to run the scheduler: the second one's refuses (one per database),
    # and both workers take relay and send tasks at once.
    for _ in range(2):
        celery_worker_process(**stack_env)
    server = live_api(**stack_env)
    changes = [(p, f"{n}.00") for n in range(50, 60) for p in products]
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda change: patch_price(server, actor, *change), changes))
    assert [response.status_code for response, _ in answers] == [200] * len(changes)

    sent = Delivery.objects.filter(status=Delivery.Status.SENT)
    assert wait_for(lambda: sent.count() >= len(changes) * len(others) and settled(), timeout=120)
    assert sorted(Delivery.objects.values_list("event_id", "recipient_id")) == sorted(
        (event_id, admin.pk)
        for event_id in ProductChangeEvent.objects.values_list("pk", flat=True)
        for admin in others
    )
    assert sent.count() == len(changes) * len(others)
    for admin in others:
        mails = [m for m in smtp_server.inbox.messages if str(m["To"]) == admin.email]
        text = "".join(m.get_body(("plain",)).get_content() for m in mails)
        assert text.count(" → ") == len(changes), admin.email

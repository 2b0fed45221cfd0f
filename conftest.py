"""Fixtures shared by every test module."""

import contextlib
import io
import os
import shutil
import uuid
from pathlib import Path

import pika
import pytest
import redis as redis_lib
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import DatabaseError, connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from catalog_service.accounts.tests.factories import AdminFactory, UserFactory
from catalog_service.catalog.tests.factories import BrandFactory, ProductFactory
from catalog_service.core.redis import redis_reset
from testing.services import (
    RABBITMQ_SERVER,
    Beat,
    LiveServer,
    PostgresServer,
    PrometheusServer,
    RabbitMQServer,
    RedisServer,
    Worker,
    unavailable,
)


@pytest.fixture
def anon() -> APIClient:
    return APIClient()


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture
def admin_user(db):
    return AdminFactory()


@pytest.fixture
def admin(admin_user) -> APIClient:
    """An API client logged in as an admin (JWT bearer)."""
    return client_for(admin_user)


@pytest.fixture
def member_user(db):
    """An authenticated account without admin rights."""
    return UserFactory()


@pytest.fixture
def member(member_user) -> APIClient:
    return client_for(member_user)


@pytest.fixture
def order_system(db):
    """The order system's service account, as `manage.py service_account_create` makes it."""
    call_command("service_account_create", "--username", "orders", stdout=io.StringIO())
    return client_for(Group.objects.get(name="order-system").user_set.get())


@pytest.fixture
def brand(db):
    return BrandFactory(name="Denon")


@pytest.fixture
def product(brand):
    return ProductFactory(sku="00105-SKU", name="CD Player", brand=brand)


@pytest.fixture
def anon_read_rate():
    """Sets the anonymous read throttle's rate for one test (tests run without throttling)."""
    from django.core.cache import cache

    from catalog_service.core.throttling import AnonymousReadThrottle

    original = AnonymousReadThrottle.THROTTLE_RATES

    def set_rate(rate: str) -> None:
        cache.clear()  # DRF's histories; with Redis configured, the whole test database
        AnonymousReadThrottle.THROTTLE_RATES = {**original, "anon": rate}

    yield set_rate
    AnonymousReadThrottle.THROTTLE_RATES = original
    cache.clear()


# --- real services ------------------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def _test_database_released(django_db_setup, django_db_blocker):
    """At the end, ends the connections that processes a test started may still hold (a server
    killed mid-request leaves its backend behind a while), so the test database can be dropped."""
    yield
    if connection.vendor != "postgresql":
        return
    try:
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
    except DatabaseError:
        pass  # no test database was created (no test used one): nothing to release


@pytest.fixture
def redis_db(settings):
    """The test Redis database, emptied before and after the test."""
    client = redis_lib.Redis.from_url(settings.REDIS_URL)
    try:
        client.flushdb()
    except redis_lib.RedisError as exc:
        unavailable(f"Redis at {settings.REDIS_URL} is unreachable: {exc}")
    redis_reset()
    yield client
    client.flushdb()
    redis_reset()


@pytest.fixture
def cached(settings, redis_db):
    """The product cache on, and reads counted in Redis (the production setup)."""
    settings.PRODUCT_CACHE_SECONDS = 300
    settings.VIEW_COUNTING = "redis"
    return redis_db


@pytest.fixture
def postgres(transactional_db):
    """Committed data visible to other processes: needs PostgreSQL (SQLite here is in memory)."""
    if connection.vendor != "postgresql":
        unavailable("needs PostgreSQL (the suite is running on SQLite)")


def _tracked(make, begin, end):
    """A starter: `make(**kwargs)`, remembered, then `begin(it)`; `end(each)` at teardown (also
    those whose `begin` failed)."""
    started = []

    def start(**kwargs):
        item = make(**kwargs)
        started.append(item)
        return begin(item)

    yield start
    for item in started:
        end(item)


def _processes(kind):
    """A starter for `kind` processes (with environment overrides), all stopped at teardown."""

    def end(process) -> None:
        process.stop()
        process.files_remove()

    yield from _tracked(kind, lambda process: process.start(), end)


@pytest.fixture
def live_api(postgres):
    """Starts the API (bin/start-api) with the given environment overrides."""
    yield from _processes(LiveServer)


@pytest.fixture
def postgres_cluster():
    """Starts private PostgreSQL clusters (server settings as keywords: `max_connections=20`),
    destroyed at teardown."""
    if os.geteuid() != 0 or not shutil.which("runuser"):
        unavailable("needs root to run a private PostgreSQL cluster as the postgres user")
    if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        unavailable("the PostgreSQL server (initdb, pg_ctl) is not installed")
    yield from _tracked(
        PostgresServer, lambda server: server.init().start(), lambda server: server.destroy()
    )


@pytest.fixture
def beat_process(postgres):
    """Starts the real scheduler (bin/start-beat) with the given environment overrides."""
    yield from _processes(Beat)


@pytest.fixture
def celery_worker_process(postgres):
    """Starts a real Celery worker (bin/start-worker) with the given environment overrides."""
    yield from _processes(Worker)


@pytest.fixture
def private_redis():
    """A redis-server of the test's own on a free port, which the test may stop and start."""
    if not shutil.which("redis-server"):
        unavailable("redis-server is not installed")
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
def private_rabbitmq():
    """A RabbitMQ node of the test's own on free ports, which the test may stop and start."""
    if not Path(RABBITMQ_SERVER).exists():
        unavailable("rabbitmq-server is not installed")
    server = RabbitMQServer().start()
    yield server
    server.destroy()


@pytest.fixture
def events_broker(settings):
    """Events published to the machine's RabbitMQ (EVENTS_TEST_BROKER_URL), on an exchange of
    this test's own, deleted afterwards."""
    url = os.environ.get("EVENTS_TEST_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
    try:
        connection_ = pika.BlockingConnection(pika.URLParameters(url))
    except (pika.exceptions.AMQPError, OSError) as exc:
        unavailable(f"RabbitMQ at {url} is unreachable: {exc!r}")
    settings.EVENTS_BROKER_URL = url
    settings.EVENTS_EXCHANGE = f"catalog.events.test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    yield url
    with contextlib.suppress(pika.exceptions.AMQPError):
        connection_.channel().exchange_delete(settings.EVENTS_EXCHANGE)
    connection_.close()


@pytest.fixture
def prometheus():
    """Starts Debian's prometheus scraping the given targets (`{job: ["host:port"]}`, a bearer
    token as `bearer=`), stopped and its data removed at teardown."""
    if not shutil.which("prometheus"):
        unavailable("prometheus is not installed (Debian's prometheus package)")
    yield from _tracked(
        PrometheusServer, lambda server: server.start(), lambda server: server.stop()
    )

"""Fixtures shared by every test module."""

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import redis as redis_lib
import requests
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from catalog_service.accounts.tests.factories import AdminFactory, UserFactory
from catalog_service.catalog.tests.factories import BrandFactory, ProductFactory


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
def brand(db):
    return BrandFactory(name="Denon")


@pytest.fixture
def product(brand):
    return ProductFactory(sku="00105-SKU", name="CD Player", brand=brand)


# --- real services ------------------------------------------------------------------------------


ROOT = Path(__file__).resolve().parent
ON_CI = os.environ.get("CI", "").lower() == "true"


def unavailable(reason: str):
    """Skips a test whose service is missing, except on CI where that is a failure."""
    if ON_CI:
        pytest.fail(f"{reason} (CI=true: every service must be up)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_db(settings):
    """The test Redis database, emptied before and after the test."""
    client = redis_lib.Redis.from_url(settings.REDIS_URL)
    try:
        client.flushdb()
    except redis_lib.RedisError as exc:
        unavailable(f"Redis at {settings.REDIS_URL} is unreachable: {exc}")
    from catalog_service.analytics.counters import _RedisState

    _RedisState.client, _RedisState.down_until = None, 0.0
    yield client
    client.flushdb()
    _RedisState.client, _RedisState.down_until = None, 0.0


@pytest.fixture
def postgres(transactional_db):
    """Committed data visible to other processes: needs PostgreSQL (SQLite here is in memory)."""
    if connection.vendor != "postgresql":
        unavailable("needs PostgreSQL (the suite is running on SQLite)")


def database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class LiveServer:
    """The API started the production way (bin/start-api: gunicorn) against the test database."""

    def __init__(self, **env):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = Path(tempfile.gettempdir()) / f"live-api-{self.port}.log"
        self.env = {
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DEBUG": "false",
            "SECURE_SSL_REDIRECT": "false",
            "SECRET_KEY": settings.SECRET_KEY,
            "JWT_SIGNING_KEY": settings.SIMPLE_JWT["SIGNING_KEY"],
            "DATABASE_URL": database_url(),
            "DB_CONN_MAX_AGE": "60",
            "ALLOWED_HOSTS": "127.0.0.1",
            "BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": "3",
            "GUNICORN_THREADS": "8",
            "GUNICORN_WORKER_CLASS": "gthread",
            "GUNICORN_ACCESS_LOG": "/dev/null",
            "LOG_LEVEL": "WARNING",
            **{k: str(v) for k, v in env.items()},
        }
        self.process: subprocess.Popen | None = None

    def start(self) -> "LiveServer":
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [str(ROOT / "bin" / "start-api")], env=self.env, stdout=log, stderr=log, cwd=ROOT
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"API exited at start:\n{self.log.read_text()[-3000:]}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=5).status_code == 200:
                    return self
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError(f"API did not answer in 30 s:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def live_api(postgres):
    """Starts the API with the given environment overrides; stops it after the test."""
    servers: list[LiveServer] = []

    def start(**env) -> LiveServer:
        server = LiveServer(**env).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()

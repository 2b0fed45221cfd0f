"""Each way of serving the API holds at most a stated number of PostgreSQL connections, whatever
the number of clients: 64 concurrent clients against a PostgreSQL that accepts 20 connections get
every answer, and the server's sessions never exceed its budget (docs/operations.md)."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
import requests

from testing.services import DevelopmentServer, LiveServer

pytestmark = pytest.mark.timeout(300)

MAX_CONNECTIONS = 20
CLIENTS = 64
REQUESTS = 1200
# Each answer reads the database: /readyz checks it, a list page queries it.
PATHS = ("/readyz", "/api/v1/product/")

SERVERS = {
    # `make run`: a thread per client, a pool of DB_POOL_MAX_SIZE (4) connections.
    "development server": (DevelopmentServer, {}, 4),
    # bin/start-api: one persistent connection per thread, WEB_CONCURRENCY x threads.
    "gunicorn": (LiveServer, {"WEB_CONCURRENCY": 2, "GUNICORN_THREADS": 6}, 12),
    "granian": (
        LiveServer,
        {"WEB_SERVER": "granian", "WEB_CONCURRENCY": 2, "GRANIAN_BLOCKING_THREADS": 4},
        8,
    ),
}


class SessionsPeak:
    """The most sessions other than its own the server has had at once, sampled every 10 ms."""

    def __init__(self, url: str):
        self.url, self.peak, self.stop = url, 0, threading.Event()
        self.thread = threading.Thread(target=self._sample)

    def _sample(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self.stop.is_set():
                count = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
                    " AND pid <> pg_backend_pid()"
                ).fetchone()[0]
                self.peak = max(self.peak, count)
                time.sleep(0.01)

    def __enter__(self) -> "SessionsPeak":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()


@pytest.mark.parametrize("kind", SERVERS)
def test_connections_stay_within_the_budget_at_64_clients(postgres_cluster, kind):
    server_class, env, budget = SERVERS[kind]
    database = postgres_cluster(max_connections=MAX_CONNECTIONS).migrate()
    server = server_class(DATABASE_URL=database.url, **env)
    server.start()
    local = threading.local()

    def read(index: int) -> int:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        path = PATHS[index % len(PATHS)]
        return local.session.get(f"{server.url}{path}", timeout=30).status_code

    try:
        with SessionsPeak(database.url) as sessions, ThreadPoolExecutor(CLIENTS) as clients:
            statuses = list(clients.map(read, range(REQUESTS)))
    finally:
        server.stop()

    assert statuses.count(200) == REQUESTS, {s: statuses.count(s) for s in set(statuses)}
    assert 2 <= sessions.peak <= budget, f"{kind}: {sessions.peak} sessions, budget {budget}"

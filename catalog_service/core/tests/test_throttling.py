"""The anonymous read throttle: one Lua call per request on Redis, fixed windows, fail-open."""

import pytest

from catalog_service.core.redis import redis_reset


@pytest.fixture
def two_per_minute(redis_db, anon_read_rate):
    anon_read_rate("2/min")
    return redis_db


def test_reads_over_the_rate_are_refused_until_the_window_ends(anon, brand, two_per_minute):
    statuses = [anon.get("/api/v1/brand/").status_code for _ in range(3)]
    refused = anon.get("/api/v1/brand/")
    assert statuses == [200, 200, 429]
    assert 0 < int(refused["Retry-After"]) <= 60
    (key,) = two_per_minute.keys("catalog:throttle:*")
    assert int(two_per_minute.get(key)) == 4  # one counter per client and window
    assert 0 < two_per_minute.ttl(key) <= 61


def test_clients_are_counted_apart(anon, brand, two_per_minute, settings):
    # DRF reloads its settings on the change (and back after the test).
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    for client_ip in ("203.0.113.1", "203.0.113.2"):
        statuses = [
            anon.get("/api/v1/brand/", HTTP_X_FORWARDED_FOR=client_ip).status_code for _ in range(2)
        ]
        assert statuses == [200, 200]
    assert len(two_per_minute.keys("catalog:throttle:*")) == 2


def test_redis_down_lets_reads_through(anon, brand, two_per_minute, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    redis_reset()
    responses = [anon.get("/api/v1/brand/") for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert all([b["name"] for b in r.json()["results"]] == ["Denon"] for r in responses)

"""Password guessing: a limit per client address and a backoff per username, on `token/` and on
the Django admin's login; both refuse to run without their store (Redis) rather than let guesses
through."""

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import override_settings
from rest_framework.test import APIClient

from catalog_service.accounts import login_backoff
from catalog_service.accounts.tests.factories import PASSWORD
from catalog_service.core.redis import redis_reset
from catalog_service.core.throttling import AuthEndpointThrottle

TOKEN = "/api/v1/token/"
ADMIN_LOGIN = "/admin/login/"
ADMIN_INVALID = (
    "Please enter the correct username and password for a staff account. "
    "Note that both fields may be case-sensitive."
)
DEAD_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def auth_rate(redis_db):
    """Sets the per-address rate of the token endpoints and the admin login for one test."""
    original = AuthEndpointThrottle.THROTTLE_RATES
    cache.clear()  # DRF's request histories

    def set_rate(rate: str | None) -> None:
        AuthEndpointThrottle.THROTTLE_RATES = {**original, "auth": rate}

    yield set_rate
    AuthEndpointThrottle.THROTTLE_RATES = original
    cache.clear()


@pytest.fixture
def behind_a_proxy(settings):
    """One trusted proxy: each request's X-Forwarded-For is its client address."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}


@pytest.fixture
def backoff(settings, redis_db):
    def configure(allowed: int, base: float, cap: float = 60) -> None:
        settings.LOGIN_FAILURES_ALLOWED = allowed
        settings.LOGIN_BACKOFF_BASE_SECONDS = base
        settings.LOGIN_BACKOFF_MAX_SECONDS = cap

    return configure


def api_login(username: str, password: str, address: str = "203.0.113.1"):
    body = {"username": username, "password": password}
    return APIClient().post(TOKEN, body, HTTP_X_FORWARDED_FOR=address)


def admin_login(client, username: str, password: str, address: str = "203.0.113.1"):
    body = {"username": username, "password": password, "next": "/admin/"}
    return client.post(ADMIN_LOGIN, body, HTTP_X_FORWARDED_FOR=address)


def form_errors(response) -> list[str]:
    return list(response.context["form"].non_field_errors())


def assert_locked(response) -> None:
    assert response.status_code == 429, response.content
    body = response.json()
    assert body["code"] == "throttled"
    assert body["message"].startswith("Too many failed logins for this username")
    assert "access" not in body
    assert 0 < int(response["Retry-After"]) <= 60


def assert_logged_out(client) -> None:
    assert "_auth_user_id" not in client.session


# --- token/ --------------------------------------------------------------------------------------


def test_token_guesses_on_one_username_from_many_addresses_are_locked_out(
    admin_user, auth_rate, behind_a_proxy, backoff
):
    auth_rate("20/min")  # per address: 5 addresses x 20 guesses all pass it
    backoff(allowed=5, base=30)
    addresses = [f"203.0.113.{n}" for n in range(1, 6)]
    spellings = [admin_user.username, admin_user.username.upper()]
    responses = [
        api_login(spellings[n % 2], f"guess-{n}", address)
        for n in range(20)
        for address in addresses
    ]
    assert [r.status_code for r in responses] == [401] * 5 + [429] * 95
    assert_locked(responses[-1])

    # The right password is refused too while the lock lasts: guessing it confirms nothing.
    assert_locked(api_login(admin_user.username, PASSWORD, "198.51.100.7"))


def test_token_backoff_doubles_up_to_its_cap_and_a_success_clears_it(admin_user, backoff, redis_db):
    backoff(allowed=2, base=1, cap=4)
    name = admin_user.username
    count_key, lock_key = login_backoff.keys(name)
    assert [api_login(name, "wrong").status_code for _ in range(3)] == [401, 401, 429]
    locks = []
    for _ in range(4):
        locks.append(redis_db.pttl(lock_key))
        redis_db.delete(lock_key)  # as if the lock had run out
        assert api_login(name, "wrong").status_code == 401
    for lock, seconds in zip(locks, [1, 2, 4, 4], strict=True):
        assert seconds * 1000 - 500 < lock <= seconds * 1000
    redis_db.delete(lock_key)

    assert api_login(name, PASSWORD).status_code == 200
    assert redis_db.exists(count_key, lock_key) == 0
    assert [api_login(name, "wrong").status_code for _ in range(3)] == [401, 401, 429]


def test_token_username_count_ignores_case_and_surrounding_spaces(admin_user, backoff):
    backoff(allowed=3, base=30)
    name = admin_user.username
    spellings = [name.upper(), name.capitalize(), f"  {name}  "]
    assert [api_login(n, "wrong").status_code for n in spellings] == [401, 401, 401]
    assert_locked(api_login(name, PASSWORD))


def test_token_backoff_uses_the_django_cache_without_redis(admin_user, backoff, settings):
    settings.REDIS_URL = ""
    redis_reset()
    cache.clear()
    backoff(allowed=2, base=30)
    name = admin_user.username
    assert [api_login(name, "wrong").status_code for _ in range(2)] == [401, 401]
    assert_locked(api_login(name, PASSWORD))
    cache.clear()


# --- the Django admin's login --------------------------------------------------------------------


def test_admin_login_is_throttled_per_address(client, admin_user, auth_rate):
    auth_rate("3/min")
    for n in range(3):
        response = admin_login(client, f"nobody{n}", "wrong")
        assert response.status_code == 200
        assert form_errors(response) == [ADMIN_INVALID]
    refused = admin_login(client, admin_user.username, PASSWORD)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    (error,) = form_errors(refused)
    assert error.startswith("Too many login attempts from your address; try again in ")
    assert_logged_out(client)


def test_admin_login_guesses_on_one_username_are_locked_out(
    client, admin_user, behind_a_proxy, backoff
):
    backoff(allowed=5, base=30)
    responses = [
        admin_login(client, admin_user.username, f"guess-{n}", f"203.0.113.{n}") for n in range(60)
    ]
    assert [r.status_code for r in responses] == [200] * 5 + [429] * 55
    assert all(form_errors(r) == [ADMIN_INVALID] for r in responses[:5])

    refused = admin_login(client, admin_user.username, PASSWORD, "198.51.100.7")
    assert refused.status_code == 429
    (error,) = form_errors(refused)
    assert error.startswith("Too many failed logins for this username; try again in ")
    assert_logged_out(client)


def test_admin_and_token_logins_share_the_username_count(client, admin_user, backoff):
    backoff(allowed=4, base=30)
    assert [api_login(admin_user.username, "wrong").status_code for _ in range(2)] == [401, 401]
    assert [admin_login(client, admin_user.username, "wrong").status_code for _ in range(2)] == [
        200,
        200,
    ]
    assert_locked(api_login(admin_user.username, PASSWORD))
    assert admin_login(client, admin_user.username, PASSWORD).status_code == 429
    assert_logged_out(client)


def test_admin_login_success_clears_the_username_count(client, admin_user, backoff):
    backoff(allowed=3, base=30)
    assert [admin_login(client, admin_user.username, "wrong").status_code for _ in range(2)] == [
        200,
        200,
    ]
    assert admin_login(client, admin_user.username, PASSWORD).status_code == 302
    client.logout()
    assert [api_login(admin_user.username, "wrong").status_code for _ in range(3)] == [401] * 3


# --- fail closed ---------------------------------------------------------------------------------

AUTH_REQUESTS = {
    "token": (f"{TOKEN}", {"username": "someone", "password": "something"}),
    "refresh": (f"{TOKEN}refresh/", {"refresh": "not-a-token"}),
    "verify": (f"{TOKEN}verify/", {"token": "not-a-token"}),
    "blacklist": (f"{TOKEN}blacklist/", {"refresh": "not-a-token"}),
    "admin": (ADMIN_LOGIN, {"username": "someone", "password": "something"}),
}


@pytest.fixture
def redis_unreachable(redis_db):
    """The store of the throttles (Redis, also behind the Django cache) refuses connections."""
    dead_cache = {"default": {**django_settings.CACHES["default"], "LOCATION": DEAD_REDIS}}
    with override_settings(CACHES=dead_cache, REDIS_URL=DEAD_REDIS):
        redis_reset()
        yield
    redis_reset()


def assert_unavailable(response) -> None:
    assert response.status_code == 503, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "service_unavailable"
    assert int(response["Retry-After"]) >= 1


@pytest.mark.parametrize("endpoint", AUTH_REQUESTS)
def test_auth_endpoints_fail_closed_when_their_store_is_unreachable(
    client, db, auth_rate, redis_unreachable, endpoint
):
    auth_rate("20/min")
    url, body = AUTH_REQUESTS[endpoint]
    poster = client if endpoint == "admin" else APIClient()
    for _ in range(2):  # the first finds Redis down, the next does not wait for it again
        assert_unavailable(poster.post(url, body))


@pytest.mark.parametrize("endpoint", ["token", "admin"])
def test_logins_fail_closed_without_their_store_even_with_no_address_limit(
    client, admin_user, redis_unreachable, endpoint
):
    url, _ = AUTH_REQUESTS[endpoint]
    poster = client if endpoint == "admin" else APIClient()
    assert_unavailable(poster.post(url, {"username": admin_user.username, "password": PASSWORD}))
    assert_logged_out(client)

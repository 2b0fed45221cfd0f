"""Logins and tokens against the API as production runs it: gunicorn workers in separate
processes, real parallel requests, PostgreSQL and Redis."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
from rest_framework_simplejwt.tokens import RefreshToken

from catalog_service.accounts.tests.factories import PASSWORD, AdminFactory
from catalog_service.catalog.tests.factories import ProductFactory

THREADS = 12
ROUNDS = 4


def live_admin():
    """An admin whose password the API can check: the test settings hash with MD5 only."""
    admin = AdminFactory()
    hasher = PBKDF2PasswordHasher()
    admin.password = hasher.encode(PASSWORD, hasher.salt())
    admin.save(update_fields=["password"])
    return admin


def post_together(url: str, bodies: list[dict], headers: list[dict] | None = None) -> list:
    """Sends every body at once, one thread each, released together by a barrier."""
    headers = headers or [{}] * len(bodies)
    barrier = threading.Barrier(len(bodies))

    def send(body, header):
        barrier.wait()
        return requests.post(url, json=body, headers=header, timeout=30)

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(send, bodies, headers))


def test_parallel_refreshes_of_one_refresh_token_let_exactly_one_through(live_api):
    admin = AdminFactory()
    api = live_api()
    url = f"{api.url}/api/v1/token/refresh/"
    for _ in range(ROUNDS):
        refresh = RefreshToken.for_user(admin)
        responses = post_together(url, [{"refresh": str(refresh)}] * THREADS)

        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200] + [401] * (THREADS - 1), [r.text for r in responses]
        assert {r.json()["code"] for r in responses if r.status_code == 401} == {"token_not_valid"}
        assert BlacklistedToken.objects.filter(token__jti=refresh["jti"]).count() == 1
        (winner,) = [r.json() for r in responses if r.status_code == 200]
        # The one new refresh token works (once), the old one stays refused.
        assert requests.post(url, json={"refresh": winner["refresh"]}, timeout=10).ok
        again = requests.post(url, json={"refresh": str(refresh)}, timeout=10)
        assert again.status_code == 401


def test_parallel_guesses_from_many_addresses_reach_the_password_check_only_n_times(
    live_api, redis_db, settings
):
    admin = live_admin()
    api = live_api(
        REDIS_URL=settings.REDIS_URL,
        NUM_PROXIES=1,
        THROTTLE_AUTH_RATE="20/min",
        LOGIN_FAILURES_ALLOWED=5,
        LOGIN_BACKOFF_BASE_SECONDS=60,
    )
    url = f"{api.url}/api/v1/token/"
    guesses = [
        {"username": admin.username.upper() if n % 2 else admin.username, "password": f"g{n}"}
        for n in range(40)
    ]
    addresses = [{"X-Forwarded-For": f"203.0.113.{n % 8}"} for n in range(40)]
    responses = post_together(url, guesses, addresses)

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [401] * 5 + [429] * 35, [r.text for r in responses]
    assert {r.json()["code"] for r in responses} == {"no_active_account", "throttled"}
    right = requests.post(
        url,
        json={"username": admin.username, "password": PASSWORD},
        headers={"X-Forwarded-For": "198.51.100.7"},
        timeout=10,
    )
    assert right.status_code == 429, right.text
    assert right.json()["code"] == "throttled"
    assert 0 < int(right.headers["Retry-After"]) <= 60


def test_parallel_requests_from_one_address_are_held_to_its_rate(live_api, redis_db, settings):
    api = live_api(REDIS_URL=settings.REDIS_URL, THROTTLE_AUTH_RATE="5/min")
    # Distinct usernames: only the per-address limit applies.
    guesses = [{"username": f"nobody{n}", "password": "guess"} for n in range(20)]
    responses = post_together(f"{api.url}/api/v1/token/", guesses)

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [401] * 5 + [429] * 15, [r.text for r in responses]
    refused = next(r for r in responses if r.status_code == 429)
    assert refused.json()["code"] == "throttled"
    assert 0 < int(refused.headers["Retry-After"]) <= 60


def test_auth_endpoints_fail_closed_while_redis_is_down(live_api, private_redis, brand):
    admin = live_admin()
    product = ProductFactory(brand=brand)
    api = live_api(
        REDIS_URL=private_redis.url,
        THROTTLE_AUTH_RATE="1000/min",
        THROTTLE_ANON_RATE="100000/min",
        VIEW_COUNTING_REDIS_RETRY_SECONDS=1,
    )
    refresh = str(RefreshToken.for_user(admin))
    login = {"username": admin.username, "password": PASSWORD}
    token_url = f"{api.url}/api/v1/token/"
    assert requests.post(token_url, json=login, timeout=10).status_code == 200

    private_redis.stop()
    requests_while_down = {
        "token/": (token_url, login),
        "token/refresh/": (f"{token_url}refresh/", {"refresh": refresh}),
        "token/verify/": (f"{token_url}verify/", {"token": refresh}),
        "token/blacklist/": (f"{token_url}blacklist/", {"refresh": refresh}),
    }
    for name, (url, body) in requests_while_down.items():
        response = requests.post(url, json=body, timeout=10)
        assert response.status_code == 503, (name, response.text)
        assert response.json()["code"] == "service_unavailable", name
        assert int(response.headers["Retry-After"]) >= 1, name

    # As through the TLS proxy: production's CSRF cookie is Secure.
    https = {"X-Forwarded-Proto": "https", "Referer": f"https://127.0.0.1:{api.port}/admin/"}
    form = requests.get(f"{api.url}/admin/login/", headers=https, timeout=10)
    csrf = form.cookies["csrftoken"]
    admin_login = requests.post(
        f"{api.url}/admin/login/",
        data={**login, "csrfmiddlewaretoken": csrf, "next": "/admin/"},
        headers={**https, "Cookie": f"csrftoken={csrf}"},
        allow_redirects=False,
        timeout=10,
    )
    assert admin_login.status_code == 503, admin_login.text
    assert admin_login.json()["code"] == "service_unavailable"
    assert "sessionid" not in admin_login.cookies

    # Anonymous reads keep failing open.
    assert requests.get(f"{api.url}/api/v1/product/{product.id}/", timeout=10).status_code == 200

    private_redis.start()
    deadline = time.monotonic() + 20
    while (status := requests.post(token_url, json=login, timeout=10).status_code) == 503:
        assert time.monotonic() < deadline, "logins did not come back with Redis"
        time.sleep(0.2)
    assert status == 200

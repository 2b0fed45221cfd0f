"""OWASP API Security Top 10 (2023) guards not covered elsewhere: broken authentication, resource
consumption, mass assignment, security misconfiguration.

Authorization (API1, API5) is the permission table in test_permissions.py and the admin-only
reports, history and notification tests; bad input (API8 inputs) lives with each resource.
"""

import base64
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from catalog_service.core.throttling import AnonymousReadThrottle, AuthEndpointThrottle

ROOT = Path(__file__).resolve().parents[3]


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


# --- API2 broken authentication ----------------------------------------------------------------


def test_token_with_alg_none_is_401(admin_user):
    header = b64({"alg": "none", "typ": "JWT"})
    claims = b64({"user_id": str(admin_user.id), "token_type": "access"})
    unsigned = f"{header}.{claims}."
    response = bearer(unsigned).get("/api/v1/user/")
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_expired_token_is_401(admin_user):
    token = AccessToken.for_user(admin_user)
    token.set_exp(lifetime=-timedelta(seconds=1))
    response = bearer(str(token)).get("/api/v1/user/")
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_refresh_token_is_not_an_access_token(admin_user):
    response = bearer(str(RefreshToken.for_user(admin_user))).get("/api/v1/user/")
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"
    assert "results" not in response.json()


# --- API4 unrestricted resource consumption ----------------------------------------------------


@pytest.fixture
def tight_rates():
    cache.clear()
    originals = (AnonymousReadThrottle.THROTTLE_RATES, AuthEndpointThrottle.THROTTLE_RATES)
    rates = {"anon": "2/min", "auth": "2/min"}
    AnonymousReadThrottle.THROTTLE_RATES = AuthEndpointThrottle.THROTTLE_RATES = rates
    yield
    AnonymousReadThrottle.THROTTLE_RATES, AuthEndpointThrottle.THROTTLE_RATES = originals
    cache.clear()


def test_token_endpoint_is_throttled_with_retry_after(anon, admin_user, tight_rates):
    statuses = [
        anon.post("/api/v1/token/", {"username": "x", "password": "y"}).status_code
        for _ in range(3)
    ]
    assert statuses == [401, 401, 429]
    response = anon.post("/api/v1/token/", {"username": admin_user.username, "password": "y"})
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) > 0


def test_forwarded_for_cannot_dodge_the_limit_without_trusted_proxies(anon, db, tight_rates):
    statuses = [
        anon.get("/api/v1/brand/", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
        for n in range(3)
    ]
    assert statuses == [200, 200, 429]


def test_client_ip_is_read_through_the_configured_proxies(anon, db, tight_rates, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    # The proxy appends the real client; whatever the client wrote before it is ignored.
    spoofed = [
        anon.get("/api/v1/brand/", HTTP_X_FORWARDED_FOR=f"10.9.9.{n}, 198.51.100.7").status_code
        for n in range(3)
    ]
    assert spoofed == [200, 200, 429]
    other_client = anon.get("/api/v1/brand/", HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert other_client.status_code == 200


# --- API3 mass assignment ------------------------------------------------------------------------


def test_product_counters_and_timestamps_are_not_writable(admin, product):
    response = admin.patch(
        f"/api/v1/product/{product.id}/",
        {"views": 1_000_000, "impressions": 5, "created_at": "2000-01-01T00:00:00Z", "id": 999},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["views"], body["impressions"]) == (product.id, 0, 0)
    assert not body["created_at"].startswith("2000")


# --- API8 security misconfiguration --------------------------------------------------------------


def test_production_settings_pass_check_deploy():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DEBUG": "false",
        "SECRET_KEY": "a-production-like-secret-key-that-is-long-and-random-enough-0123456789",
        "JWT_SIGNING_KEY": "a-production-like-jwt-signing-key-of-enough-length-0123456789",
        "DATABASE_URL": "sqlite:///:memory:",
        "REDIS_URL": "",
    }
    env.pop("SECURE_SSL_REDIRECT", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_cors_wildcard_refuses_to_start():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.base", "DEBUG": "true"}
    env["CORS_ALLOWED_ORIGINS"] = "*"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "'*' is never allowed" in result.stderr


def test_cors_allows_only_listed_origins(anon, db, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://shop.example.com"]
    allowed = anon.get("/api/v1/brand/", HTTP_ORIGIN="https://shop.example.com")
    assert allowed["Access-Control-Allow-Origin"] == "https://shop.example.com"
    assert "Access-Control-Allow-Credentials" not in allowed
    refused = anon.get("/api/v1/brand/", HTTP_ORIGIN="https://evil.example.com")
    assert "Access-Control-Allow-Origin" not in refused

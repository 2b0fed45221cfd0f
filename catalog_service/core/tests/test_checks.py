"""The project's own deploy checks (`manage.py check --deploy`, run by bin/release)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import run_checks

ROOT = Path(__file__).resolve().parents[3]
STRONG = "Xq3v9LmZ0pRt7YwB2nK5sD8fH1jG4cVe6uA0iO9lP3kN7mQ2bT"


def deploy_check_ids(settings, **jwt) -> set[str]:
    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, **jwt}
    return {message.id for message in run_checks(include_deployment_checks=True)}


@pytest.mark.parametrize(
    "key",
    ["x", "", "a" * 80, "0123" * 20, STRONG[:49]],
    ids=["one-character", "empty", "one-repeated", "four-different", "49-characters"],
)
def test_a_weak_jwt_signing_key_fails_the_deploy_checks(settings, key):
    assert "core.W001" in deploy_check_ids(settings, SIGNING_KEY=key)


def test_a_strong_jwt_signing_key_passes(settings):
    ids = deploy_check_ids(settings, SIGNING_KEY=STRONG)
    assert not {"core.W001", "core.W002"} & ids


def test_a_jwt_signing_key_equal_to_the_secret_key_fails(settings):
    settings.SECRET_KEY = STRONG
    assert "core.W002" in deploy_check_ids(settings, SIGNING_KEY=STRONG)


def test_the_release_step_refuses_a_weak_jwt_signing_key():
    """bin/release runs exactly this command; a warning stops the deployment."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DEBUG": "false",
        "SECRET_KEY": "a-production-like-secret-key-that-is-long-and-random-enough-0123456789",
        "JWT_SIGNING_KEY": "x",
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
    assert result.returncode != 0
    assert "(core.W001) JWT_SIGNING_KEY" in result.stderr

"""Configuration from the environment, checked in fresh interpreters."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
CLEAN_ENV = {
    k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "JWT_SIGNING_KEY", "DEBUG")
}


def settings_value(expression: str, **env) -> subprocess.CompletedProcess:
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings.base'; "
        f"django.setup(); from django.conf import settings; print({expression})"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**CLEAN_ENV, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_settings_refuse_to_start_without_secret_key_when_debug_off():
    result = settings_value("settings.DEBUG", DEBUG="False")
    assert result.returncode != 0
    assert "SECRET_KEY and JWT_SIGNING_KEY must be set" in result.stderr


def test_settings_debug_false_string_means_false():
    result = settings_value("settings.DEBUG", DEBUG="False", SECRET_KEY="s", JWT_SIGNING_KEY="j")
    assert result.stdout.strip() == "False", result.stderr


def test_settings_accept_legacy_variable_names():
    result = settings_value(
        "settings.DEBUG, settings.SECRET_KEY, settings.ALLOWED_HOSTS, "
        "settings.CSRF_TRUSTED_ORIGINS, "
        "settings.DATABASES['default']['HOST'], settings.DATABASES['default']['NAME']",
        API_DEBUG="False",
        API_SECRET_KEY="legacy-secret",
        JWT_SIGNING_KEY="j",
        DJANGO_ALLOWED_HOSTS="api.example.com,localhost",
        CSFR_TRUSTED_ORIGINS="https://shop.example.com",
        POSTGRES_HOST="db.internal",
        POSTGRES_DB="retail",
        DATABASE_URL="",
    )
    assert result.stdout.strip() == (
        "False legacy-secret ['api.example.com', 'localhost'] ['https://shop.example.com'] "
        "db.internal retail"
    ), result.stderr


def test_settings_default_to_embedded_sqlite_with_debug():
    result = settings_value(
        "settings.DATABASES['default']['ENGINE']", DEBUG="true", DATABASE_URL=""
    )
    assert result.stdout.strip() == "django.db.backends.sqlite3", result.stderr


def test_settings_prepare_repeated_postgres_statements_unless_told_not_to():
    expression = "settings.DATABASES['default']['ENGINE'], settings.DATABASES['default']['OPTIONS']"
    url = "postgres://postgres@db.internal:5432/catalog"
    default = settings_value(expression, DEBUG="true", DATABASE_URL=url)
    assert default.stdout.strip() == (
        "catalog_service.core.postgresql {'server_side_binding': True, 'prepare_threshold': 5}"
    ), default.stderr
    behind_a_pooler = settings_value(
        expression, DEBUG="true", DATABASE_URL=url, DB_PREPARED_STATEMENTS="false"
    )
    assert "'prepare_threshold': None" in behind_a_pooler.stdout, behind_a_pooler.stderr
    sqlite = settings_value(expression, DEBUG="true", DATABASE_URL="sqlite:///:memory:")
    assert sqlite.stdout.strip() == "django.db.backends.sqlite3 {}", sqlite.stderr


def test_worker_without_a_broker_refuses_to_start_and_says_why():
    env = {**CLEAN_ENV, "DEBUG": "true", "REDIS_URL": "", "CELERY_BROKER_URL": ""}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    result = subprocess.run(
        [str(Path(sys.executable).parent / "celery"), "-A", "config", "worker", "--pool", "solo"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "No broker: set REDIS_URL" in result.stdout + result.stderr

"""Tests: PostgreSQL and Redis from DATABASE_URL / REDIS_URL, defaulting to 127.0.0.1.

If PostgreSQL is unreachable the suite falls back to SQLite and says so, except with CI=true,
where an unreachable service is a failure. Each run has its own test database
(TEST_DATABASE_NAME, default `test_catalog_<pid>`) and its own Redis (testing/pytest_plugin.py),
so two runs on one machine never collide.
"""

import os
import sys

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/catalog")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("THROTTLE_ANON_RATE", "")
os.environ.setdefault("VIEW_COUNTING", "database")
os.environ.setdefault("PRODUCT_CACHE_SECONDS", "0")  # tests of the cache turn it on
os.environ.setdefault("THROTTLE_AUTH_RATE", "")
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("JWT_SIGNING_KEY", "test-jwt-signing-key-not-for-production")

from config.env import env_read

from .base import *  # noqa: F403
from .base import DATABASES


def _postgres_reachable(config: dict) -> bool:
    import psycopg

    try:
        psycopg.connect(
            host=config.get("HOST") or "127.0.0.1",
            port=config.get("PORT") or 5432,
            user=config.get("USER") or None,
            password=config.get("PASSWORD") or None,
            dbname="postgres",
            connect_timeout=3,
        ).close()
    except psycopg.OperationalError:
        return False
    return True


if "postgresql" in DATABASES["default"]["ENGINE"] and not _postgres_reachable(DATABASES["default"]):
    if env_read("bool", "CI", default=False):
        raise RuntimeError(f"PostgreSQL at {os.environ['DATABASE_URL']} is unreachable (CI=true).")
    print("PostgreSQL unreachable: running the suite on SQLite instead.", file=sys.stderr)
    DATABASES["default"] = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}

DATABASES["default"]["CONN_MAX_AGE"] = 0
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {
        "NAME": env_read("str", "TEST_DATABASE_NAME", default=f"test_catalog_{os.getpid()}")
    }
# In-process tasks, as in the embedded setup; tests of the real worker start one explicitly.
CELERY_TASK_ALWAYS_EAGER = True
NOTIFICATION_CHANNELS = ["console"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

"""Environment reading shared by every settings module.

Each setting has one canonical variable name; the names of the system this service replaced
(its sample.env) are accepted as aliases so an existing .env keeps working.
"""

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# The tests set everything they need themselves: a developer's .env (DEBUG=true, a database)
# must not change what they test.
if (BASE_DIR / ".env").is_file() and os.environ.get("DJANGO_SETTINGS_MODULE") != (
    "config.settings.test"
):
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

_MISSING = object()


def env_read(cast: str, name: str, *aliases: str, default=_MISSING):
    """Read `name` (or the first alias that is set) with the django-environ cast `cast`."""
    for candidate in (name, *aliases):
        if candidate in os.environ:
            return getattr(env, cast)(candidate)
    if default is _MISSING:
        raise ImproperlyConfigured(f"Set the environment variable {name}.")
    return default


def database_config(default_sqlite_path: Path) -> dict:
    """DATABASE_URL, else the older POSTGRES_* variables, else an embedded SQLite file."""
    if os.environ.get("DATABASE_URL"):
        return env.db_url("DATABASE_URL")
    if os.environ.get("POSTGRES_HOST"):
        return {
            "ENGINE": "django.db.backends.postgresql",
            "HOST": env.str("POSTGRES_HOST"),
            "PORT": env.int("POSTGRES_PORT", default=5432),
            "USER": env.str("POSTGRES_USER", default="postgres"),
            "PASSWORD": env.str("POSTGRES_PASSWORD", default=""),
            "NAME": env.str("POSTGRES_DB", default="catalog"),
        }
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(default_sqlite_path)}

"""Gives each test run its own Redis, so two runs on one machine never empty each other's keys.

Loaded first (`-p testing.pytest_plugin` in pyproject), before Django reads its settings: unless
TEST_REDIS_URL names a Redis to use, a private redis-server starts on a free port for the run and
stops with it. The PostgreSQL test database is named per run in config/settings/test.py.
"""

import atexit
import os
import shutil

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    if os.environ.get("TEST_REDIS_URL"):
        os.environ["REDIS_URL"] = os.environ["TEST_REDIS_URL"]
        return
    if not shutil.which("redis-server"):
        return  # config/settings/test.py falls back to the standard port, database 15
    from testing.services import RedisServer

    server = RedisServer().start()
    atexit.register(server.stop)
    os.environ["REDIS_URL"] = server.url

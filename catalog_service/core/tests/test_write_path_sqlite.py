"""The write path on SQLite too, the database `make run` embeds: the suite itself runs on
PostgreSQL, so the tests of writes, history and notifications run again here on SQLite."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
WRITE_PATH_TESTS = [
    "catalog_service/catalog/tests/test_product_api.py",
    "catalog_service/catalog/tests/test_conditional_writes.py",
    "catalog_service/notifications/tests/test_history_api.py",
    "catalog_service/notifications/tests/test_notifications.py",
]


@pytest.mark.timeout(600)
def test_write_path_tests_pass_on_sqlite():
    env = {**os.environ, "DATABASE_URL": "sqlite:///:memory:"}
    env.pop("PYTEST_ADDOPTS", None)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *WRITE_PATH_TESTS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=580,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    assert " passed" in output and "skipped" not in output, output[-3000:]

"""Rerunning tests on SQLite (what `make run` uses), in a subprocess with its own settings."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def pytest_on_sqlite(*args: str, timeout: int) -> None:
    """Runs pytest with `args` on an in-memory SQLite database; fails with its output unless
    every selected test ran and passed (none skipped)."""
    env = {**os.environ, "DATABASE_URL": "sqlite:///:memory:"}
    env.pop("PYTEST_ADDOPTS", None)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    assert " passed" in output and "skipped" not in output, output[-3000:]

"""`make mutate`: mutmut on the modules pyproject.toml's [tool.mutmut] lists, then their scores.

A fresh run each time: mutmut never refreshes the copies of test files it already made in mutants/.
Each mutant's tests run in a process forked from mutmut's, so they use an in-memory SQLite database
of their own (a PostgreSQL test database is named per process and would be built again for every
mutant) and one private Redis started here (forked runs end without their exit handlers: the
per-run redis-server of testing/pytest_plugin.py would outlive each of them).

The score of a module is killed / all its mutants (a timeout counts as killed, a mutant no
selected test reaches as survived). Exits 1 if a module scores under MUTATE_MIN_SCORE (80).
"""

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from testing.services import RedisServer  # noqa: E402

KILLED = {1, 3, 24, -24, 36, 152, 255}  # failed tests, pytest errors, timeouts (mutmut's codes)


def modules() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
    return config["only_mutate"]


def scores() -> list[tuple[str, int, int, list[str]]]:
    rows = []
    for module in modules():
        meta = ROOT / "mutants" / f"{module}.meta"
        results = json.loads(meta.read_text())["exit_code_by_key"] if meta.exists() else {}
        survivors = sorted(name for name, code in results.items() if code not in KILLED)
        rows.append((module, len(results) - len(survivors), len(results), survivors))
    return rows


def main() -> int:
    shutil.rmtree(ROOT / "mutants", ignore_errors=True)
    env = {**os.environ, "DATABASE_URL": "sqlite://:memory:"}
    env.pop("CI", None)  # tests that need PostgreSQL skip here; `make test` runs them
    redis = RedisServer().start() if shutil.which("redis-server") else None
    if redis:
        env["TEST_REDIS_URL"] = redis.url
    children = os.environ.get("MUTATE_CHILDREN", "1")  # one: the runs share that Redis
    try:
        run = subprocess.run(
            [str(Path(sys.executable).parent / "mutmut"), "run", "--max-children", children],
            cwd=ROOT,
            env=env,
            check=False,
        )
    finally:
        if redis:
            redis.stop()
    if run.returncode != 0:
        return run.returncode

    floor = float(os.environ.get("MUTATE_MIN_SCORE", "80"))
    print(f"\n{'module':<45} {'killed':>8} {'score':>7}")
    failed = False
    for module, killed, total, survivors in scores():
        score = 100 * killed / total if total else 0.0
        failed |= score < floor
        print(f"{module:<45} {killed:>3}/{total:<4} {score:>6.1f}%")
        for name in survivors:
            print(f"    survived: {name}  (mutmut show {name})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Bulk import and export at scale: `make bench-import` (BENCH_IMPORT_ROWS, default 100,000;
BENCH_EXPORT_PRODUCTS=1000000 also exports a seeded catalog of that size).

On a database of its own: a CSV of N new products (100 brands, categories by path) is imported
by `manage.py import_products` (all or nothing: every row checked, then all written in one
transaction), the same file again (every row unchanged), then exported by `export_products`.
Each step runs in its own process: wall time and that process's peak resident memory (ru_maxrss)
are reported, with the checks that matter (every row present, one summary per other admin, the
second run changing nothing). Numbers go to bench/README.md by hand, as for `make bench`.
"""

import csv
import io
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
# Also export a catalog of this many seeded products (bench/seed.py), 0 to skip: the export's
# memory must not grow with the catalog.
EXPORT_PRODUCTS = int(os.environ.get("BENCH_EXPORT_PRODUCTS", "0"))
ADMIN_URL = os.environ.get(
    "BENCH_ADMIN_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
DATABASE = f"catalog_bench_import_{os.getpid()}"
OTHER_ADMINS = 3


def database_url() -> str:
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{DATABASE}"


def env() -> dict:
    secret = secrets.token_urlsafe(32)
    return {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DEBUG": "false",
        "SECRET_KEY": secret,
        "JWT_SIGNING_KEY": secret + "-jwt",
        "DATABASE_URL": database_url(),
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "NOTIFICATION_CHANNELS": "console",
        "IMPORT_MAX_ROWS": str(max(ROWS, 500_000)),
        "IMPORT_MAX_BYTES": str(200 * 1024 * 1024),
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "",
    }


def timed(command: list[str], environment: dict) -> tuple[float, float, str]:
    """(seconds, peak resident MiB of that process alone, its stdout)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=environment,
            stdout=out,
            stderr=err,
        )
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout = out.read()
        if process.returncode != 0:
            raise SystemExit(f"{command[0]} failed:\n{stdout[-3000:]}\n{err.read()[-3000:]}")
    return elapsed, usage.ru_maxrss / 1024, stdout


def csv_file(path: Path) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["sku", "name", "price", "brand", "category"])
    for i in range(ROWS):
        category = f"Department {i % 10} > Aisle {i % 100}"
        writer.writerow(
            [
                f"IMP-{i:07d}",
                f"Imported product {i}",
                f"{i % 1000}.99",
                f"Brand {i % 100}",
                category,
            ]
        )
    path.write_text(buffer.getvalue(), encoding="utf-8")


def query(statement: str) -> int:
    with psycopg.connect(database_url()) as conn:
        return conn.execute(statement).fetchone()[0]


def seeded_export(environment: dict) -> int:
    """A catalog of EXPORT_PRODUCTS seeded products (in place of the imported ones), exported."""
    with psycopg.connect(database_url(), autocommit=True) as conn:
        for table in ("catalog_product", "catalog_brand", "categories_category"):
            conn.execute(sql.SQL("TRUNCATE {} CASCADE").format(sql.Identifier(table)))
    subprocess.run(
        [sys.executable, "-m", "bench.seed", "--products", str(EXPORT_PRODUCTS)],
        cwd=ROOT, env=environment, check=True, capture_output=True,
    )  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        exported = Path(tmp) / "export.csv"
        seconds, peak, _ = timed(["export_products", "-o", str(exported)], environment)
        lines = exported.read_text(encoding="utf-8-sig").count("\n") - 1
        rate = lines / seconds
        print(f"export of {lines:,} seeded products: {seconds:7.1f} s  {rate:8,.0f} rows/s  "
              f"peak {peak:6.0f} MiB")  # fmt: skip
        if lines != EXPORT_PRODUCTS:
            print("FAILED: the export lacks rows")
            return 1
    return 0


def main() -> int:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
    environment = env()
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v", "0"],
            cwd=ROOT,
            env=environment,
            check=True,
        )
        for n in range(OTHER_ADMINS + 1):
            subprocess.run(
                [sys.executable, "manage.py", "shell", "-c",
                 "from catalog_service.accounts.tests.factories import AdminFactory; "
                 f"AdminFactory(username='admin{n}', email='admin{n}@example.com')"],
                cwd=ROOT, env=environment, check=True,
            )  # fmt: skip
        with tempfile.TemporaryDirectory() as tmp:
            source, exported = Path(tmp) / "import.csv", Path(tmp) / "export.csv"
            csv_file(source)
            size = source.stat().st_size / 1024 / 1024
            print(f"{ROWS:,} rows, {size:.1f} MiB; PostgreSQL at {ADMIN_URL.rsplit('@', 1)[-1]}")
            command = ["import_products", str(source), "--as", "admin0", "--create-missing"]
            seconds, peak, out = timed(command, environment)
            present = query("SELECT count(*) FROM catalog_product")
            summaries = query("SELECT count(*) FROM notifications_delivery WHERE event_id IS NULL")
            history = query("SELECT count(*) FROM notifications_productchangeevent")
            print(
                f"import:    {seconds:7.1f} s  {ROWS / seconds:8,.0f} rows/s  peak {peak:6.0f} MiB"
            )
            print(f"           {out.strip()}")
            print(f"           products {present:,}, history rows {history:,}, "
                  f"summaries {summaries} (other admins: {OTHER_ADMINS})")  # fmt: skip
            if present != ROWS or summaries != OTHER_ADMINS or history != ROWS:
                print("FAILED: rows, history or summaries are not what the import should leave")
                return 1
            seconds, peak, out = timed(command, environment)
            print(
                f"re-import: {seconds:7.1f} s  {ROWS / seconds:8,.0f} rows/s  peak {peak:6.0f} MiB"
            )
            print(f"           {out.strip()}")
            again = query("SELECT count(*) FROM notifications_delivery WHERE event_id IS NULL")
            if f"0 created, 0 updated, {ROWS} unchanged" not in out or again != summaries:
                print("FAILED: the second import changed something or told someone")
                return 1
            seconds, peak, _ = timed(["export_products", "-o", str(exported)], environment)
            lines = exported.read_text(encoding="utf-8-sig").count("\n") - 1
            rate = lines / seconds
            print(f"export:    {seconds:7.1f} s  {rate:8,.0f} rows/s  peak {peak:6.0f} MiB")
            if lines != ROWS:
                print("FAILED: the export lacks rows")
                return 1
        if EXPORT_PRODUCTS:
            return seeded_export(environment)
        return 0
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DATABASE))
            )


if __name__ == "__main__":
    sys.exit(main())

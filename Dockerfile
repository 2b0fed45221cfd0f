# syntax=docker/dockerfile:1
# Catalog API image. One image, four entry points, each a script from bin/ (the same ones the
# tests and `make worker` run):
#   bin/start-api     gunicorn on :8000 (the default CMD)
#   bin/start-worker  Celery worker (WORKER_BEAT=true also runs the scheduler in-process)
#   bin/start-beat    Celery beat, exactly one per deployment
#   bin/release       migrate + `check --deploy`; run ONCE per deploy, before new API replicas start
# Migrations never run on replica start (unless MIGRATE_ON_START=true): see docs/deployment.md.

ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

# ---- builder: the locked dependencies, nothing else ------------------------------------------
FROM ${PYTHON_IMAGE} AS builder

ARG UV_VERSION=0.13.9
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv

RUN pip install --no-cache-dir "uv==${UV_VERSION}"

WORKDIR /app
COPY pyproject.toml uv.lock ./
# Exactly what uv.lock pins, without the dev group; fails if the lock is out of date.
RUN uv sync --frozen --no-dev --no-install-project --python /usr/local/bin/python3

# ---- runtime ------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    PATH=/app/.venv/bin:$PATH

# A numeric, non-root user (Kubernetes' runAsNonRoot can verify it). Its home is the only place it
# writes besides /tmp (gunicorn's control socket, ~/.gunicorn).
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app \
       --shell /usr/sbin/nologin app

WORKDIR /app

# Code and dependencies stay owned by root: the app user can read them, not change them.
COPY --from=builder /app/.venv /app/.venv
COPY . .

# Static files are collected into the image (var/static, served by whitenoise). The keys below
# only let the settings load for this build step; real ones come from the environment at run time.
RUN SECRET_KEY=collectstatic-build-only-not-a-secret \
    JWT_SIGNING_KEY=collectstatic-build-only-not-a-secret \
    python manage.py collectstatic --noinput --verbosity 0 \
    && chmod 0755 bin/start-api bin/start-worker bin/start-beat bin/release

USER 10001:10001

EXPOSE 8000

# Liveness only (/healthz): no database call. The Host header is the first ALLOWED_HOSTS entry so
# the probe is not refused as a disallowed host; the port follows BIND.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; h = (os.environ.get('ALLOWED_HOSTS') or os.environ.get('DJANGO_ALLOWED_HOSTS') or 'localhost').split(',')[0].strip().lstrip('*.') or 'localhost'; p = os.environ.get('BIND', '0.0.0.0:8000').rsplit(':', 1)[-1]; u.urlopen(u.Request('http://127.0.0.1:' + p + '/healthz', headers={'Host': h}), timeout=4)"]

CMD ["bin/start-api"]

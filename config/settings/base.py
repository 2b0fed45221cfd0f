"""Settings common to every environment. Everything that varies comes from the environment."""

import sys
from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured

from config.env import BASE_DIR, database_config, env_read

DEBUG = env_read("bool", "DEBUG", "API_DEBUG", default=False)

SECRET_KEY = env_read("str", "SECRET_KEY", "API_SECRET_KEY", default="")
JWT_SIGNING_KEY = env_read("str", "JWT_SIGNING_KEY", default="")
# Previous SECRET_KEYs, still accepted for signatures while sessions move to the new key.
SECRET_KEY_FALLBACKS = env_read("list", "SECRET_KEY_FALLBACKS", default=[])
if not SECRET_KEY or not JWT_SIGNING_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY and JWT_SIGNING_KEY must be set when DEBUG is off "
            "(generate each with: python -c 'import secrets; print(secrets.token_urlsafe(50))'). "
            "For development, `make run` or `make manage ARGS=...` writes a .env with DEBUG=true."
        )
    # Development only: the keys `make .env` generated for this machine, read only while DEBUG is
    # on, so a developer's .env can never supply a deployment's keys; else fixed ones. Both stay
    # the same across restarts, and so do the tokens they signed.
    SECRET_KEY = SECRET_KEY or env_read(
        "str",
        "DEVELOPMENT_SECRET_KEY",
        default="django-insecure-development-only-secret-key-change-me",
    )
    JWT_SIGNING_KEY = JWT_SIGNING_KEY or env_read(
        "str", "DEVELOPMENT_JWT_SIGNING_KEY", default="development-only-jwt-signing-key-change-me"
    )

ALLOWED_HOSTS = env_read(
    "list", "ALLOWED_HOSTS", "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"]
)
CSRF_TRUSTED_ORIGINS = env_read("list", "CSRF_TRUSTED_ORIGINS", "CSFR_TRUSTED_ORIGINS", default=[])
CORS_ALLOWED_ORIGINS = env_read("list", "CORS_ALLOWED_ORIGINS", default=[])
CORS_ALLOW_CREDENTIALS = env_read("bool", "CORS_ALLOW_CREDENTIALS", default=False)
CORS_EXPOSE_HEADERS = ["ETag", "X-Request-ID", "Retry-After"]
if "*" in CORS_ALLOWED_ORIGINS or env_read("bool", "CORS_ALLOW_ALL_ORIGINS", default=False):
    raise ImproperlyConfigured("CORS_ALLOWED_ORIGINS must list origins; '*' is never allowed.")
# Number of trusted reverse proxies in front of the app; the client IP used for throttling is
# taken that many hops from the right of X-Forwarded-For, so the header cannot be spoofed.
NUM_PROXIES = env_read("int", "NUM_PROXIES", default=0)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "catalog_service.core",
    "catalog_service.accounts",
    "catalog_service.categories",
    "catalog_service.catalog",
    "catalog_service.analytics",
    "catalog_service.inventory",
    "catalog_service.events",
    "catalog_service.notifications",
    "catalog_service.bulk",
]

MIDDLEWARE = [
    "catalog_service.core.middleware.RequestIdMiddleware",
    "catalog_service.core.middleware.ProbeMiddleware",
    "catalog_service.core.middleware.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "catalog_service.core.middleware.RequestGuardMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "catalog_service.core.middleware.DatabaseUnavailableMiddleware",
]

# Prometheus metrics at /metrics (core.metrics), requests counted by MetricsMiddleware. Off: the
# middleware is left out and /metrics answers 404 (what the benchmark compares against).
METRICS_ENABLED = env_read("bool", "METRICS_ENABLED", default=True)
if not METRICS_ENABLED:
    MIDDLEWARE.remove("catalog_service.core.middleware.MetricsMiddleware")
# Set: /metrics answers only `Authorization: Bearer <METRICS_TOKEN>` (401 otherwise).
METRICS_TOKEN = env_read("str", "METRICS_TOKEN", default="")
# The Celery worker serves its own metrics on this port (0: it does not).
WORKER_METRICS_PORT = env_read("int", "WORKER_METRICS_PORT", default=0)
# A beat of its own (bin/start-beat) serves its metrics on this port (0: it does not). Embedded
# in a worker (WORKER_BEAT), its figures are the worker's.
BEAT_METRICS_PORT = env_read("int", "BEAT_METRICS_PORT", default=0)

# Messages are for the Django admin only. The default storage builds a cookie and a session store
# on every request; session storage alone costs nothing until the admin adds a message.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": database_config(BASE_DIR / "var" / "db.sqlite3")}
# Persistent connections: opening a PostgreSQL connection per request costs more than the query.
DATABASES["default"]["CONN_MAX_AGE"] = env_read("int", "DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Production servers run a fixed number of threads (bin/start-api), each with one persistent
# connection. The development server starts a thread per client: there a pool bounds the
# process's connections (the rest wait up to DB_POOL_TIMEOUT, then answer 503). Any process
# pools when DB_POOL_MAX_SIZE is set.
_DEVELOPMENT_SERVER = sys.argv[1:2] == ["runserver"]
DB_POOL_MAX_SIZE = env_read("int", "DB_POOL_MAX_SIZE", default=4 if _DEVELOPMENT_SERVER else 0)
DB_POOL_TIMEOUT = env_read("float", "DB_POOL_TIMEOUT", default=10.0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and DB_POOL_MAX_SIZE:
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # a connection goes back to the pool instead
    # The backend checks what the pool hands out without a round trip (Django's check is one).
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": DB_POOL_MAX_SIZE,
        "timeout": DB_POOL_TIMEOUT,
        "max_idle": 300,
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The same backend, with a health check that asks the kernel instead of the server.
    DATABASES["default"]["ENGINE"] = "catalog_service.core.postgresql"
    # Parameters bound by the server, and a statement run 5 times on a connection prepared: the
    # server stops parsing and planning the statements every request repeats. A pooler in
    # transaction mode needs to track prepared statements (PgBouncer 1.21+,
    # max_prepared_statements); otherwise set DB_PREPARED_STATEMENTS=false.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True,
        prepare_threshold=5 if env_read("bool", "DB_PREPARED_STATEMENTS", default=True) else None,
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_read("str", "REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "catalog",
            # Fail fast when Redis is down: callers degrade instead of hanging.
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 1.0},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: Redis as broker. Without one (the embedded setup) tasks run in-process, after commit.
CELERY_BROKER_URL = env_read("str", "CELERY_BROKER_URL", default=REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if CELERY_TASK_ALWAYS_EAGER:
    # Celery takes a producer from its pool even for an in-process task. Without a broker URL
    # that pool configures an AMQP connection to a default host, and kombu warns on every
    # write; the in-memory transport, named with a host, is never contacted and says nothing.
    CELERY_BROKER_URL = "memory://localhost/"
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged only once it has finished: a worker that dies mid-task leaves it queued.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# On a cold shutdown (SIGQUIT, or SIGTERM with REMAP_SIGTERM=SIGQUIT) running tasks get this long
# to finish; the rest are cancelled and, acknowledged late, go back to the queue.
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = env_read(
    "float", "CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT", default=30.0
)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    # Publishing from a request gives up at once when the broker is down (the outbox keeps the
    # message for the sweep) instead of retrying while the admin waits.
    "max_retries": 0,
}
CELERY_BEAT_SCHEDULE: dict = {}
# Keep Django's logging (JSON lines) in the worker too.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Seconds an anonymous product representation stays in Redis (0 = no cache). Every write stores
# the fresh one at commit, so this only bounds staleness after a write Redis did not receive.
PRODUCT_CACHE_SECONDS = env_read("int", "PRODUCT_CACHE_SECONDS", default=300 if REDIS_URL else 0)
# The product cache's own Redis (maxmemory-policy allkeys-lru), so that whatever clients make it
# store can never evict or refuse the counts, the throttles or the broker's queues on REDIS_URL
# (noeviction). Unset: the cache shares REDIS_URL.
CACHE_REDIS_URL = env_read("str", "CACHE_REDIS_URL", default="")
# Most list pages cached per catalog version, whatever queries clients send: with at most
# API_MAX_PAGE_SIZE products a page, this bounds the pages' memory.
PRODUCT_CACHE_MAX_PAGES = env_read("int", "PRODUCT_CACHE_MAX_PAGES", default=2000)

# Reservations: the time-to-live a client gets when it names none, the most it may ask for, and
# how often the worker expires the ones whose time is up (then release what they held).
RESERVATION_TTL_SECONDS = env_read("int", "RESERVATION_TTL_SECONDS", default=900)
RESERVATION_TTL_MAX_SECONDS = env_read("int", "RESERVATION_TTL_MAX_SECONDS", default=86_400)
RESERVATION_EXPIRY_SWEEP_SECONDS = env_read(
    "float", "RESERVATION_EXPIRY_SWEEP_SECONDS", default=30.0
)
RESERVATION_MAX_LINES = 100
# How long the first answer to an Idempotency-Key is kept (a replay after that holds anew).
IDEMPOTENCY_KEY_SECONDS = env_read("int", "IDEMPOTENCY_KEY_SECONDS", default=86_400)
# A line without a location is taken from the first active location that has it; when another
# hold takes it first, it chooses again, at most this many times.
INVENTORY_HOLD_TRIES = 5

# Levels the category tree may have (a top-level category is one).
CATEGORY_MAX_DEPTH = env_read("int", "CATEGORY_MAX_DEPTH", default=8)

# Anonymous product reads: "redis" (production), "database" (embedded default) or "off".
VIEW_COUNTING = env_read("str", "VIEW_COUNTING", default="redis" if REDIS_URL else "database")
if VIEW_COUNTING not in ("redis", "database", "off"):
    raise ImproperlyConfigured("VIEW_COUNTING must be one of: redis, database, off.")
if VIEW_COUNTING == "redis" and not REDIS_URL:
    raise ImproperlyConfigured("VIEW_COUNTING=redis needs REDIS_URL.")
# How often Redis counts move into PostgreSQL; also the most counts lost if Redis dies unsaved.
VIEW_COUNTING_FLUSH_SECONDS = env_read("float", "VIEW_COUNTING_FLUSH_SECONDS", default=10.0)
VIEW_COUNTING_REDIS_TIMEOUT = env_read("float", "VIEW_COUNTING_REDIS_TIMEOUT", default=0.25)
VIEW_COUNTING_REDIS_REPLY_TIMEOUT = env_read(
    "float", "VIEW_COUNTING_REDIS_REPLY_TIMEOUT", default=2.0
)
VIEW_COUNTING_REDIS_RETRY_SECONDS = env_read(
    "float", "VIEW_COUNTING_REDIS_RETRY_SECONDS", default=5.0
)
if VIEW_COUNTING == "redis":
    CELERY_BEAT_SCHEDULE["view-counts-flush"] = {
        "task": "catalog_service.analytics.tasks.view_counts_flush",
        "schedule": VIEW_COUNTING_FLUSH_SECONDS,
    }
    CELERY_BEAT_SCHEDULE["applied-count-batches-prune"] = {
        "task": "catalog_service.analytics.tasks.applied_count_batches_prune",
        "schedule": 86_400,
    }

# How often the scheduler (celery beat) checks it still holds its lock (core.scheduler).
SCHEDULER_LOCK_CHECK_SECONDS = env_read("float", "SCHEDULER_LOCK_CHECK_SECONDS", default=5.0)
# Cached copies whose write-through failed (Redis unreachable) are dropped this often.
PRODUCT_CACHE_REPAIR_SECONDS = env_read("float", "PRODUCT_CACHE_REPAIR_SECONDS", default=5.0)
if PRODUCT_CACHE_SECONDS > 0:
    CELERY_BEAT_SCHEDULE["product-cache-repair"] = {
        "task": "catalog_service.catalog.tasks.product_cache_repair",
        "schedule": PRODUCT_CACHE_REPAIR_SECONDS,
    }

# A deleted product stays in the trash, restorable, this many days; the purge runs hourly.
TRASH_RETENTION_DAYS = env_read("float", "TRASH_RETENTION_DAYS", default=30.0)
CELERY_BEAT_SCHEDULE["product-trash-purge"] = {
    "task": "catalog_service.catalog.tasks.trash_purge_expired",
    "schedule": 3600,
}

# Product imports (CSV): the largest file and row count taken, the rows written per
# transaction (apply_valid) and read per query, and the row errors a job keeps (it counts all).
IMPORT_MAX_BYTES = env_read("int", "IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
IMPORT_MAX_ROWS = env_read("int", "IMPORT_MAX_ROWS", default=500_000)
IMPORT_BATCH = env_read("int", "IMPORT_BATCH", default=500)
IMPORT_MAX_ERRORS = env_read("int", "IMPORT_MAX_ERRORS", default=1000)
CELERY_BEAT_SCHEDULE["imports-resume"] = {
    "task": "catalog_service.bulk.tasks.imports_resume",
    "schedule": 60,
}

# Product change notifications to every other admin.
# Channels: console, smtp, sendgrid, webhook (comma-separated). The older EMAIL_CHANNEL still works.
NOTIFICATION_CHANNELS = env_read(
    "list", "NOTIFICATION_CHANNELS", default=[env_read("str", "EMAIL_CHANNEL", default="console")]
)
PUBLIC_BASE_URL = env_read("str", "PUBLIC_BASE_URL", default="http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = env_read("str", "DEFAULT_FROM_EMAIL", default="catalog@example.com")
EMAIL_HOST = env_read("str", "EMAIL_HOST", default="")
EMAIL_PORT = env_read("int", "EMAIL_PORT", default=587)
EMAIL_HOST_USER = env_read("str", "EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env_read("str", "EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env_read("bool", "EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env_read("bool", "EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env_read("float", "EMAIL_TIMEOUT", default=10.0)
SENDGRID_API_KEY = env_read("str", "SENDGRID_API_KEY", default="")
SENDGRID_API_URL = env_read("str", "SENDGRID_API_URL", default="https://api.sendgrid.com/v3/")
WEBHOOK_URL = env_read("str", "WEBHOOK_URL", default="")
WEBHOOK_SECRET = env_read("str", "WEBHOOK_SECRET", default="")
WEBHOOK_TIMEOUT = env_read("float", "WEBHOOK_TIMEOUT", default=10.0)
NOTIFICATION_MAX_ATTEMPTS = env_read("int", "NOTIFICATION_MAX_ATTEMPTS", default=8)
NOTIFICATION_RETRY_BASE_SECONDS = env_read("float", "NOTIFICATION_RETRY_BASE_SECONDS", default=5.0)
NOTIFICATION_RETRY_MAX_SECONDS = env_read("float", "NOTIFICATION_RETRY_MAX_SECONDS", default=600.0)
# A sender holds a delivery this long; a worker that died mid-send loses it to the sweep after.
NOTIFICATION_CLAIM_SECONDS = env_read("float", "NOTIFICATION_CLAIM_SECONDS", default=120.0)
NOTIFICATION_SWEEP_SECONDS = env_read("float", "NOTIFICATION_SWEEP_SECONDS", default=30.0)
NOTIFICATION_SWEEP_GRACE_SECONDS = env_read(
    "float", "NOTIFICATION_SWEEP_GRACE_SECONDS", default=30.0
)
NOTIFICATION_SWEEP_BATCH = 1000
# Changes for the same admin within this many seconds go out as one digest mail.
NOTIFICATION_DIGEST_SECONDS = env_read("float", "NOTIFICATION_DIGEST_SECONDS", default=30.0)
NOTIFICATION_DIGEST_MAX = 50
# The relay turns committed change events into deliveries; the digest window dwarfs its delay.
NOTIFICATION_RELAY_SECONDS = env_read("float", "NOTIFICATION_RELAY_SECONDS", default=1.0)
NOTIFICATION_RELAY_BATCH = 200
NOTIFICATION_RELAY_MAX_BATCHES = 50
CELERY_BEAT_SCHEDULE["notification-events-relay"] = {
    "task": "catalog_service.notifications.tasks.events_relay",
    "schedule": NOTIFICATION_RELAY_SECONDS,
    # Runs queued while no worker was up are dropped: the next one relays everything.
    "options": {"expires": max(NOTIFICATION_RELAY_SECONDS * 5, 5.0)},
}
CELERY_BEAT_SCHEDULE["notification-deliveries-sweep"] = {
    "task": "catalog_service.notifications.tasks.deliveries_sweep",
    "schedule": NOTIFICATION_SWEEP_SECONDS,
}
CELERY_BEAT_SCHEDULE["idempotent-requests-prune"] = {
    "task": "catalog_service.inventory.tasks.idempotent_requests_prune",
    "schedule": 3600,
}
CELERY_BEAT_SCHEDULE["reservations-expire"] = {
    "task": "catalog_service.inventory.tasks.reservations_expire",
    "schedule": RESERVATION_EXPIRY_SWEEP_SECONDS,
    "options": {"expires": max(RESERVATION_EXPIRY_SWEEP_SECONDS * 2, 5.0)},
}

# Events: every committed change of a product, brand, category or stock level is recorded in the
# outbox (events.Event) and, with EVENTS_BROKER_URL set (amqp://...), published to RabbitMQ by
# the relay the worker's scheduler runs. Without it they are recorded, visible in Django admin,
# and kept EVENTS_RETENTION_SECONDS; published ones are kept as long, then pruned.
EVENTS_BROKER_URL = env_read("str", "EVENTS_BROKER_URL", default="")
EVENTS_EXCHANGE = env_read("str", "EVENTS_EXCHANGE", default="catalog.events")
EVENTS_SOURCE = env_read("str", "EVENTS_SOURCE", default="/catalog")
EVENTS_TYPE_PREFIX = env_read("str", "EVENTS_TYPE_PREFIX", default="com.example.catalog")
EVENTS_RETENTION_SECONDS = env_read("int", "EVENTS_RETENTION_SECONDS", default=7 * 86_400)
# Beat starts a relay this often; each publishes as events commit for about as long.
EVENTS_RELAY_SECONDS = env_read("float", "EVENTS_RELAY_SECONDS", default=10.0)
EVENTS_RELAY_POLL_SECONDS = env_read("float", "EVENTS_RELAY_POLL_SECONDS", default=0.05)
EVENTS_RELAY_BATCH = env_read("int", "EVENTS_RELAY_BATCH", default=500)
EVENTS_RELAY_RETRY_SECONDS = env_read("float", "EVENTS_RELAY_RETRY_SECONDS", default=0.5)
EVENTS_RELAY_RETRY_MAX_SECONDS = env_read("float", "EVENTS_RELAY_RETRY_MAX_SECONDS", default=30.0)
EVENTS_BROKER_TIMEOUT = env_read("float", "EVENTS_BROKER_TIMEOUT", default=10.0)
if EVENTS_BROKER_URL:
    CELERY_BEAT_SCHEDULE["events-relay"] = {
        "task": "catalog_service.events.tasks.events_relay",
        "schedule": EVENTS_RELAY_SECONDS,
        "options": {"expires": EVENTS_RELAY_SECONDS},
    }
CELERY_BEAT_SCHEDULE["events-prune"] = {
    "task": "catalog_service.events.tasks.events_prune",
    "schedule": 3600,
}

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Without a collectstatic step (make run, tests) serve assets straight from the apps.
WHITENOISE_USE_FINDERS = env_read("bool", "WHITENOISE_USE_FINDERS", default=True)

# Bodies above this size are refused with 413 before any parsing.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_read("int", "MAX_REQUEST_BODY_BYTES", default=1_048_576)

API_PAGE_SIZE = env_read("int", "API_PAGE_SIZE", default=25)
API_MAX_PAGE_SIZE = env_read("int", "API_MAX_PAGE_SIZE", default=100)
# Rows numbered pages reach at most (a deep OFFSET costs ever more): deeper answers 400.
API_MAX_PAGE_DEPTH = env_read("int", "API_MAX_PAGE_DEPTH", default=10000)
# Rows a search's numbered pages reach (within API_MAX_PAGE_DEPTH); its `count` stops there.
SEARCH_MAX_DEPTH = env_read("int", "SEARCH_MAX_DEPTH", default=1000)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # JWT first: its WWW-Authenticate header is what turns a missing login into 401.
        "catalog_service.accounts.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["catalog_service.core.permissions.IsAdmin"],
    "DEFAULT_PARSER_CLASSES": ["catalog_service.core.parsers.DecimalJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["catalog_service.core.renderers.ORJSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_PAGINATION_CLASS": "catalog_service.core.pagination.PageNumberPagination",
    "PAGE_SIZE": API_PAGE_SIZE,
    "DEFAULT_FILTER_BACKENDS": [
        "catalog_service.core.filters.FilterBackend",
        "rest_framework.filters.SearchFilter",
        "catalog_service.core.filters.StableOrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["catalog_service.core.throttling.AnonymousReadThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_read("str", "THROTTLE_ANON_RATE", default="1200/min") or None,
        "auth": env_read("str", "THROTTLE_AUTH_RATE", default="20/min") or None,
    },
    "NUM_PROXIES": NUM_PROXIES,
    "EXCEPTION_HANDLER": "catalog_service.core.errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "COERCE_DECIMAL_TO_STRING": True,
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_read("int", "JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(hours=env_read("int", "JWT_REFRESH_HOURS", default=24)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "SIGNING_KEY": JWT_SIGNING_KEY,
    "ALGORITHM": "HS256",
    # A password change revokes every token issued before it.
    "CHECK_REVOKE_TOKEN": True,
    "TOKEN_OBTAIN_SERIALIZER": "catalog_service.accounts.serializers.TokenObtainSerializer",
}

# Password guessing per username, from every client address (`token/` and the Django admin's
# login; accounts.login_backoff): from the LOGIN_FAILURES_ALLOWED-th attempt since the last
# successful login, each attempt locks the username for LOGIN_BACKOFF_BASE_SECONDS, doubled at
# each further attempt up to LOGIN_BACKOFF_MAX_SECONDS (low: whoever guesses cannot keep the
# owner out for long). The count is forgotten LOGIN_FAILURES_FORGET_SECONDS after the last attempt.
LOGIN_FAILURES_ALLOWED = env_read("int", "LOGIN_FAILURES_ALLOWED", default=5)
LOGIN_BACKOFF_BASE_SECONDS = env_read("float", "LOGIN_BACKOFF_BASE_SECONDS", default=1.0)
LOGIN_BACKOFF_MAX_SECONDS = env_read("float", "LOGIN_BACKOFF_MAX_SECONDS", default=60.0)
LOGIN_FAILURES_FORGET_SECONDS = env_read("int", "LOGIN_FAILURES_FORGET_SECONDS", default=900)
if not (
    LOGIN_FAILURES_ALLOWED >= 1
    and 0 < LOGIN_BACKOFF_BASE_SECONDS <= LOGIN_BACKOFF_MAX_SECONDS < LOGIN_FAILURES_FORGET_SECONDS
):
    raise ImproperlyConfigured(
        "Login backoff needs LOGIN_FAILURES_ALLOWED >= 1 and 0 < LOGIN_BACKOFF_BASE_SECONDS <= "
        "LOGIN_BACKOFF_MAX_SECONDS < LOGIN_FAILURES_FORGET_SECONDS."
    )

SPECTACULAR_SETTINGS = {
    "TITLE": "Catalog API",
    "DESCRIPTION": (
        "Products, brands and admins of the catalog. Anonymous clients read products and brands; "
        "admins (active staff users, JWT bearer tokens from `POST /api/v1/token/`) write. "
        "Errors share one shape: `{code, message, fields}`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True},
    "ENUM_NAME_OVERRIDES": {},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "catalog_service.core.schema.add_error_responses",
    ],
}

LOG_LEVEL = env_read("str", "LOG_LEVEL", default="INFO")
# "json" (one object per line, for log collectors) or "plain" (for a terminal).
LOG_FORMAT = env_read("str", "LOG_FORMAT", default="plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "catalog_service.core.logging.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "catalog_service.core.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # pika tells every connection's steps at INFO; the relay logs what matters itself.
        "pika": {"level": "WARNING"},
    },
}

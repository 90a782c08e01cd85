"""Settings for QwenKB, read from the environment.

Development needs nothing set: SQLite in the project folder, DEBUG on. Production sets
DEBUG=0, SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL (PostgreSQL); with DEBUG off the
security settings below make ``manage.py check --deploy`` pass.
"""

import math
import os
from pathlib import Path

import dj_database_url
import orjson
from django.core.exceptions import ImproperlyConfigured

from qwenkb.env import (
    LOG_LEVELS,
    env_bool,
    env_choice,
    env_list,
    env_networks,
    env_number,
    env_rate,
)

BASE_DIR = Path(__file__).resolve().parent.parent


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off, set SECRET_KEY to a long random string, "
            "e.g. SECRET_KEY=\"$(python -c 'import secrets; print(secrets.token_urlsafe(50))')\"."
        )
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production-qwenkb"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
if not DEBUG and not ALLOWED_HOSTS:
    # Django would answer every request 400 (and check --deploy warns W020): refuse to start.
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is not set. With DEBUG off, set ALLOWED_HOSTS to the host names this "
        "site is served under, comma-separated, e.g. ALLOWED_HOSTS=kb.example.org."
    )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "corsheaders",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "sources",
    "claims",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "qwenkb.middleware.RequestGuardMiddleware",
    "qwenkb.middleware.DatabaseUnavailableMiddleware",
    # With DEBUG off, static files come straight from the app server, compressed and cached
    # (no proxy needed); in development runserver serves them from the apps' folders.
    *([] if DEBUG else ["whitenoise.middleware.WhiteNoiseMiddleware"]),
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "qwenkb.middleware.LazyMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "qwenkb.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "qwenkb.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
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

WSGI_APPLICATION = "qwenkb.wsgi.application"

# Seconds a statement of a request may run on PostgreSQL before it is stopped (0: no limit; at
# most a day, well inside what PostgreSQL's setting holds).
DB_REQUEST_TIMEOUT = env_number("DB_REQUEST_TIMEOUT", 30, whole=False, maximum=86400)
try:
    DATABASES = {
        "default": dj_database_url.parse(
            os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
            conn_max_age=env_number("CONN_MAX_AGE", 0),
            conn_health_checks=True,
        )
    }
except ValueError as error:  # the library's messages never repeat the URL (or its password)
    raise ImproperlyConfigured(
        f"DATABASE_URL must be a database URL such as postgres://USER@HOST:5432/qwenkb: {error}"
    ) from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend with a health check that asks the server only when its socket says
    # something (qwenkb/postgres/base.py): no round trip per request for a healthy connection.
    DATABASES["default"]["ENGINE"] = "qwenkb.postgres"
    # Parameters travel apart from the SQL text, so a statement a connection runs again and
    # again (an API list's query, whatever its filter values) is prepared once and planned
    # once: planning a seven-table join cost more than running it (bench/notes.md).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "server_side_binding": True,
            "prepare_threshold": env_number("PG_PREPARE_THRESHOLD", 5) or None,
        }
    )
    # The app server (qwenkb/server.py sets QWENKB_SERVING) stops any statement of a request
    # after DB_REQUEST_TIMEOUT seconds, so no request, whatever it asks, holds a worker and a
    # database backend for minutes: the request answers 503 saying so (qwenkb/middleware.py).
    # Commands, migrations and background workers are not the app server: they run as long as
    # their work needs.
    # The app server's statements also run without PostgreSQL's JIT compiler, which compiles a
    # statement whose estimated cost passes `jit_above_cost` before running it: 0.53 s of
    # compiling for the search page's 0.09 s look-up of 40,000 entities, and a quarter of a
    # fact sheet's time at a million claims in-process (bench/notes.md). A rescan is a little
    # faster with it, so commands keep it.
    if os.environ.get("QWENKB_SERVING") == "1":
        bounds = ["-c jit=off"]
        if DB_REQUEST_TIMEOUT:  # whole milliseconds, rounded up: a fraction is not 0, no limit
            bounds.append(f"-c statement_timeout={math.ceil(DB_REQUEST_TIMEOUT * 1000)}")
        # After any options DATABASE_URL gives (`?options=-c search_path=…`), never instead.
        given = DATABASES["default"]["OPTIONS"].get("options", "")
        DATABASES["default"]["OPTIONS"]["options"] = " ".join([given, *bounds]).strip()
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several writers (runserver, a command) must wait for each other instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Anonymous API reads are answered again while the database is unchanged (qwenkb/readcache.py):
# megabytes of responses kept in a directory the server's processes share; 0 turns it off.
API_CACHE_MB = env_number("API_CACHE_MB", 256, whole=False)
API_CACHE_DIR = Path(os.environ.get("API_CACHE_DIR") or BASE_DIR / ".cache" / "api-responses")

# Change reasons and resolution notes are as long as their writers make them, never cut.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
if not DEBUG:
    # Hashed, pre-compressed copies made by collectstatic; whitenoise serves them forever-cached.
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

# Where the full texts of the seed documents live when a checkout has them beside it.
SEED_TEXTS_DIR = Path(os.environ.get("SEED_TEXTS_DIR", BASE_DIR.parent / "shared" / "seeds"))
FIXTURES_DIR = BASE_DIR / "fixtures"

# Request bodies above this are refused with 413 (the API takes JSON, never uploads).
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so that an anonymous write is answered 401 with WWW-Authenticate.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": ["qwenkb.filters.NamedFiltersBackend"],
    # orjson writes JSON several times faster than the standard library (bench/RESULTS.md).
    "DEFAULT_RENDERER_CLASSES": ["drf_orjson_renderer.renderers.ORJSONRenderer"],
    "ORJSON_RENDERER_OPTIONS": [orjson.OPT_NON_STR_KEYS],
    "DEFAULT_PARSER_CLASSES": ["qwenkb.parsers.BoundedJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "qwenkb.pagination.Pagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "qwenkb.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "qwenkb.throttles.AnonReadRateThrottle",
        "qwenkb.throttles.WriteRateThrottle",
    ],
    # Clients are told apart by the connecting address; X-Forwarded-For counts only through
    # the number of proxies in front of the app that are trusted to set it (TRUSTED_PROXIES).
    "NUM_PROXIES": env_number("TRUSTED_PROXIES", 0),
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_rate("API_ANON_RATE", "1000/minute"),
        "writes": env_rate("API_WRITE_RATE", "120/minute"),
    },
    "DEFAULT_SCHEMA_CLASS": "qwenkb.schema.AutoSchema",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "QwenKB API",
    "DESCRIPTION": (
        "Sourced claims about Alibaba's Qwen AI, with the quote behind every figure and a flag "
        "on every figure that sources dispute. Reads are public. Writes need a token "
        "(`Authorization: Token …`) or a session with CSRF, and the Editors or Reviewers "
        "group. Changing an object needs `If-Match` with the ETag of the version you read: "
        "without it the answer is 428, with a stale one 412 and the current version, so no "
        "client overwrites a change it never saw. Errors are JSON objects keyed by the field "
        "or parameter at fault (`detail` when none is)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "qwenkb.schema.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ClaimStatusEnum": "claims.choices.ClaimStatus",
        "ContradictionStatusEnum": "claims.choices.ContradictionStatus",
        "ContradictionKindEnum": "claims.choices.ContradictionKind",
        "ContradictionReviewEnum": "claims.choices.ContradictionReview",
        "EntityKindEnum": "claims.choices.EntityKind",
        "WebhookEventEnum": "qwenkb.webhooks.models.Event",
    },
}

# The API is closed to other origins unless listed here (comma-separated).
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", "")
CORS_URLS_REGEX = r"^/api/.*$"

LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", LOG_LEVELS)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_number("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

# --- Running on several machines (README "Several app servers") -------------------------------
# With REDIS_URL every app server shares one Redis: the API read cache, the throttles' counts
# and the sessions live there. Without it, the throttles' counts live in a directory shared by
# the processes on this machine (diskcache; CACHE_DIR) and need no server. Never the main
# database: a count written on every request would change the database state on every request
# and so empty the API read cache (qwenkb/readcache.py keys on that state).
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES: dict[str, dict[str, object]]
if REDIS_URL:
    _redis: dict[str, object] = {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": REDIS_URL}
    CACHES = {
        "default": _redis | {"KEY_PREFIX": "qwenkb"},
        "throttle": _redis | {"KEY_PREFIX": "qwenkb-throttle"},
        "readcache": _redis | {"KEY_PREFIX": "qwenkb-read", "TIMEOUT": 3600},
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "throttle": {
            "BACKEND": "diskcache.DjangoCache",
            "LOCATION": os.environ.get("CACHE_DIR") or str(BASE_DIR / ".cache" / "shared"),
            "TIMEOUT": 3600,
        },
    }

# Read replicas: anonymous reads go to one of them (qwenkb/routers.py), all else to the primary.
DATABASE_REPLICA_URLS = env_list("DATABASE_REPLICA_URLS", "")
for _number, _url in enumerate(DATABASE_REPLICA_URLS, start=1):
    DATABASES[f"replica{_number}"] = dj_database_url.parse(
        _url, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"], conn_health_checks=True
    ) | {
        "ENGINE": DATABASES["default"]["ENGINE"],
        "OPTIONS": DATABASES["default"].get("OPTIONS", {}),
        # Tests read the replica's copy of the test database, which streaming replication makes.
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["qwenkb.routers.ReplicaRouter"]
# After a write, the client reads from the primary for this long (read-your-writes).
REPLICA_PIN_SECONDS = env_number("REPLICA_PIN_SECONDS", 5, whole=False)
# A replica whose replay lags more than this (seconds) is skipped; its lag is re-read this often.
REPLICA_MAX_LAG = env_number("REPLICA_MAX_LAG", 2, whole=False)
REPLICA_CHECK_SECONDS = env_number("REPLICA_CHECK_SECONDS", 2, whole=False)

# Background tasks (qwenkb/tasks.py): Celery with this broker; without one, tasks run in the
# process that asked for them, once its transaction has committed.
CELERY_TASK_ALWAYS_EAGER = not os.environ.get("CELERY_BROKER_URL")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or "memory://"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Webhook endpoints must resolve to public addresses (qwenkb/webhooks/targets.py); this lets
# tests and local set-ups deliver to 127.0.0.1 or the private network.
WEBHOOK_ALLOW_PRIVATE_NETWORKS = env_bool("WEBHOOK_ALLOW_PRIVATE_NETWORKS", False)

# /metrics answers only these networks (comma-separated CIDRs) or a matching bearer token.
METRICS_ALLOWED_NETWORKS = env_networks("METRICS_ALLOWED_NETWORKS", "127.0.0.1/32,::1/128")
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")

INSTALLED_APPS += ["django_prometheus", "qwenkb.webhooks", "claims.jobs"]
MIDDLEWARE = [
    "qwenkb.observability.RequestLogMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    *MIDDLEWARE,
    "qwenkb.routers.ReplicaPinMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # Last, so that a hit carries every header the others add and is counted by all of them.
    "qwenkb.readcache.ReadCacheMiddleware",
]
# One JSON line per request (and per task), each with its request id.
LOGGING = {
    **LOGGING,
    "formatters": {
        "json": {"()": "qwenkb.observability.JsonFormatter"},
        "text": {"format": "%(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "filters": {"request_id": {"()": "qwenkb.observability.RequestIdFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env_choice("LOG_FORMAT", "json", ("json", "text")),
            "filters": ["request_id"],
        }
    },
}

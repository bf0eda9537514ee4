"""PLN Hub settings, driven by the environment.

Defaults give a self-contained local setup: SQLite in `var/` and an embedded (filesystem)
Celery broker. Production sets DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL (Redis),
SECRET_KEY, ALLOWED_HOSTS and leaves PLN_DEBUG off; `manage.py check --deploy` then passes.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF

from pln.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PLN_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("PLN_DEBUG", False)
# The fallback key only serves local runs; `check --deploy` flags it (security.W009).
SECRET_KEY = env_str("SECRET_KEY", "django-insecure-local-only-change-me")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "csp",
    "django_htmx",
    "accounts",
    "sources",
    "feeds",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "pln.urls"
WSGI_APPLICATION = "pln.wsgi.application"

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
                "csp.context_processors.nonce",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        # A kept connection is checked before its first query of a request or a task, so
        # that a database restart costs a reconnect, not a failed page or poll.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The timeline's EXISTS filters make the planner estimate big costs, and JIT compiling
    # them cost 0.5-1 s per query on a million items: far more than running them.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the worker and beat share the file: WAL lets readers run beside the
    # writer, IMMEDIATE transactions queue writers instead of failing with "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
# Redis when REDIS_URL is set (production, the test services). Else files in PLN_CACHE_DIR,
# which bin/dev sets: its web server and worker must share a cache (the worker leaves the
# learners' unread counts there). Else one process's memory.
if REDIS_URL := env_str("REDIS_URL", ""):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
elif CACHE_DIR := env_str("PLN_CACHE_DIR", ""):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": CACHE_DIR,
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Sessions read from the cache, written through to the database: no session query on a page
# view, and no one signed out when the cache is flushed or restarted.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Accounts (django-allauth: email + password) ---------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = env_str("ACCOUNT_EMAIL_VERIFICATION", "none")
ACCOUNT_LOGOUT_ON_GET = False
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "feeds:timeline"
ACCOUNT_SIGNUP_REDIRECT_URL = "onboarding:start"  # a new learner sets up their network
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "PLN Hub <noreply@localhost>")

# Key for encrypting linked-account tokens at rest (Fernet keys derived from it).
PLN_TOKEN_KEYS = env_list("PLN_TOKEN_KEYS") or [SECRET_KEY]

# --- Internationalisation, static files ------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"

# --- Security headers ------------------------------------------------------------------------
_HTTPS = env_bool("PLN_HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = _HTTPS
SESSION_COOKIE_SECURE = _HTTPS
CSRF_COOKIE_SECURE = _HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if _HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = _HTTPS
SECURE_HSTS_PRELOAD = _HTTPS
if env_bool("PLN_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        # Posts embed images from anywhere on the web; they cannot run script.
        "img-src": [SELF, "https:", "http:", "data:"],
        "media-src": [SELF, "https:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "frame-src": [NONE],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
    }
}

# --- Celery ----------------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The embedded broker: queues are folders under var/, no service to install.
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),  # else ./control, in the checkout
        "store_processed": False,
        "polling_interval": 0.2,
    }
else:
    # Longer than any countdown or retry we schedule, so Redis never redelivers early.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 60 * 60}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True  # polls are idempotent: a redelivered poll stores nothing twice
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# One process more than the cores this process may run on (a container's cpuset, not all
# the host's): a poll waits on PostgreSQL and on the platforms part of the time, and on two
# cores three processes kept both busy where two left 5-8% of them idle (bench/README.md).
# Each process costs ~50 MB.
_CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
CELERY_WORKER_CONCURRENCY = env_int("PLN_WORKER_CONCURRENCY", (_CORES or 1) + 1)
# Celery's Django fixup closes the database connection around every task unless DB_REUSE_MAX
# is set: each poll batch then paid for a new PostgreSQL backend (its fork, its catalog
# caches, the upsert staging tables made again), ~10% of a first poll's CPU. Connections
# now live as Django keeps them between requests, CONN_MAX_AGE seconds and dropped after an
# error if unusable (`pln.celery`); the fixup still closes them every DB_REUSE_MAX tasks.
CELERY_DB_REUSE_MAX = 100
CELERY_TASK_SOFT_TIME_LIMIT = 90
CELERY_TASK_TIME_LIMIT = 120
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # Enqueue every Source whose next poll is due; each poll then schedules its own next one.
    "dispatch-due-sources": {
        "task": "feeds.tasks.dispatch_due_sources",
        "schedule": timedelta(seconds=env_int("PLN_DISPATCH_EVERY_SECONDS", 30)),
    },
    # Compute the search documents of what the polls stored (feeds.search_index).
    "index-search": {
        "task": "feeds.tasks.index_search",
        "schedule": timedelta(seconds=env_int("PLN_SEARCH_INDEX_EVERY_SECONDS", 15)),
    },
}
PLN_SEARCH_INDEX_LIMIT = env_int("PLN_SEARCH_INDEX_LIMIT", 10_000)

# --- Polling and the network -----------------------------------------------------------------
PLN_USER_AGENT = env_str("PLN_USER_AGENT", "PLNHub/0.1 (+https://github.com/pln-hub/pln-hub)")
PLN_NET_TIMEOUT = 20.0
PLN_NET_MAX_BYTES = 10 * 1024 * 1024
# Exact "host:port" pairs allowed despite being private (the local platform simulator).
# How often each deck column asks for new posts.
PLN_DECK_POLL_SECONDS = env_int("PLN_DECK_POLL_SECONDS", 60)
PLN_NET_ALLOWED_PRIVATE_HOSTS = env_list("PLN_NET_ALLOWED_PRIVATE_HOSTS")
# A new Source is polled every PLN_POLL_INTERVAL; busy ones speed up, quiet ones slow down,
# always within these bounds.
PLN_POLL_INTERVAL = timedelta(minutes=env_int("PLN_POLL_INTERVAL_MINUTES", 30))
PLN_POLL_MIN_INTERVAL = timedelta(minutes=env_int("PLN_POLL_MIN_INTERVAL_MINUTES", 5))
PLN_POLL_MAX_INTERVAL = timedelta(minutes=env_int("PLN_POLL_MAX_INTERVAL_MINUTES", 6 * 60))
# How long a worker holds a claimed Source; a crashed worker's claim expires after it.
PLN_POLL_LEASE = timedelta(seconds=env_int("PLN_POLL_LEASE_SECONDS", 300))
PLN_MAX_FAILURES = env_int("PLN_MAX_FAILURES", 10)  # then a Source pauses until resumed
# Politeness: at most this many Sources of one host are handed out per dispatch.
PLN_DISPATCH_PER_HOST = env_int("PLN_DISPATCH_PER_HOST", 20)
# Due Sources go to workers in batches, each batch's requests made concurrently.
PLN_POLL_BATCH = env_int("PLN_POLL_BATCH", 20)
# Bluesky hashtag search needs a logged-in account: a handle and an app password.
PLN_BLUESKY_BASE_URL = env_str("PLN_BLUESKY_BASE_URL", "https://bsky.social")
PLN_BLUESKY_HANDLE = env_str("PLN_BLUESKY_HANDLE", "")
PLN_BLUESKY_APP_PASSWORD = env_str("PLN_BLUESKY_APP_PASSWORD", "")
# X recent search is pay-per-use: an app bearer token, and a cap on posts read per day.
PLN_X_API_BASE_URL = env_str("PLN_X_API_BASE_URL", "https://api.x.com")
PLN_X_BEARER_TOKEN = env_str("PLN_X_BEARER_TOKEN", "")
PLN_X_DAILY_READ_CAP = env_int("PLN_X_DAILY_READ_CAP", 1000)
PLN_WPCOM_API_BASE_URL = env_str("PLN_WPCOM_API_BASE_URL", "https://public-api.wordpress.com")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # tweepy logs request headers, bearer token included, at DEBUG.
        "tweepy": {"level": "INFO"},
    },
}
# Mastodon servers searched for every followed hashtag (each sees its own slice of the
# fediverse; a status seen on two servers is stored once).
PLN_MASTODON_SERVERS = env_list("PLN_MASTODON_SERVERS", "https://mastodon.social")

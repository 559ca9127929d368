"""Settings for Twelve-Factor Academy.

Every value comes from the environment (documented in .env.example). Defaults are safe for development and need
no server: SQLite, a server-less Celery broker, email printed to the log. Production sets the variables; nothing
here branches on an environment name.
"""

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import environ

from config.logging import build_logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BASE_DIR / "data"

env = environ.Env()
# Our console email backend logs each message as one JSON event, keeping stdout a clean JSON stream.
environ.Env.EMAIL_SCHEMES["consolemail"] = "config.mail.JsonConsoleEmailBackend"


# --- Core ---------------------------------------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a long random string "
            "(or set DEBUG=1 for local development)."
        )
    # Development only: derived from where this checkout lives, so all its processes agree on it; never a key in code.
    SECRET_KEY = hashlib.sha256(f"development:{BASE_DIR}".encode()).hexdigest()

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://localhost:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "accounts",
    "courses",
    "quizzes",
    "labs",
    # Above the core apps: the release step that loads each one's part of content/.
    "content_loading",
    "workshops",
    "teams",
    "axes",
]

MIDDLEWARE = [
    # First, so it stores a page a view offers with every header the others add (config.session_pages: the WSGI
    # front serves it again before Django runs).
    "config.session_pages.SessionPageMiddleware",
    "config.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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


# --- Backing services: database, cache ------------------------------------------------------------------------------
if "DATABASE_URL" not in env:
    # The embedded default needs a folder for its SQLite file; production attaches a database by URL instead.
    DATA_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'academy.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web and worker share the file: WAL lets readers run beside a writer, and IMMEDIATE transactions with a busy
    # timeout make writers queue instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Shared between processes (rate limits, throttles): the database by default, Redis in production via CACHE_URL.
CACHES = {"default": env.cache_url("CACHE_URL", default="dbcache://django_cache")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # A Redis restart is a cache miss, not an error page (config/cache.py).
    CACHES["default"]["BACKEND"] = "config.cache.ResilientRedisCache"


# --- Accounts and sessions ------------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
# Sessions are read through the cache and written through to the database, so a cache restart signs nobody out.
# A stored signed-in page (config.session_pages) depends on the session's cached value, so keep them in the cache.
SESSION_ENGINE = env.str("SESSION_ENGINE", default="django.contrib.sessions.backends.cached_db")
SESSION_COOKIE_HTTPONLY = True
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out account or address is refused before its password is checked.
    "axes.backends.AxesStandaloneBackend",
    # The model backend, with each user's permissions from one cache lookup (the header checks them on every page).
    "accounts.backends.CachedPermissionsBackend",
]

# Proxies whose X-Forwarded-For is believed (comma-separated addresses or networks, "*" for any): the variable
# gunicorn reads too. Rate limits and login lockouts count the client address config.client_address derives from it.
FORWARDED_ALLOW_IPS = env.list("FORWARDED_ALLOW_IPS", default=["127.0.0.1"])

# django-axes: failed logins counted per account and, separately, per client address, in the database (so a cache
# flush does not reset them). Past the limit the login is refused until the cool-off ends; never a permanent lock,
# which an attacker could use to shut a learner out.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURES_ALLOWED", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# Failures during a lockout do not extend it: the cool-off ends when the page said it would.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "config.client_address.client_ip_or_none"
AXES_LOCKOUT_CALLABLE = "accounts.views.login_locked_out"
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_VERBOSE = False
SIGN_UPS_PER_ADDRESS_PER_HOUR = env.int("SIGN_UPS_PER_ADDRESS_PER_HOUR", default=30)


# --- Email ----------------------------------------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Twelve-Factor Academy <noreply@localhost>")


# --- Internationalisation -------------------------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
# The site is written in English and translates nothing. With translation off, get_language() reads LANGUAGE_CODE
# instead of a context-local (reverse() made three such lookups per URL, a dozen per quiz answer); dates, numbers
# and the admin still use the en-gb formats.
USE_I18N = False
USE_TZ = True


# --- Static files (WhiteNoise) --------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=DATA_DIR / "media")
STORAGES: dict[str, dict[str, Any]] = {
    # Lab submissions live here: a local folder by default; S3-compatible object storage when a bucket is set,
    # so web and workers on different machines see the same files. Credentials come from the usual AWS_* variables.
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if env.str("AWS_STORAGE_BUCKET_NAME", default=""):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "default_acl": "private",
            "file_overwrite": False,
        },
    }
WHITENOISE_AUTOREFRESH = DEBUG


# --- Security -------------------------------------------------------------------------------------------------------
# SECURE_HTTPS turns on what a site served only over HTTPS wants; each piece can still be set on its own.
SECURE_HTTPS = env.bool("SECURE_HTTPS", default=False)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=SECURE_HTTPS)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=SECURE_HTTPS)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=SECURE_HTTPS)
# htmx sends the token from the page (base.html's hx-headers), so no script needs to read the cookie.
CSRF_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if SECURE_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=SECURE_HTTPS)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=SECURE_HTTPS)
if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
    # Only behind a proxy that always sets this header (Heroku's router, most load balancers).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The health checks are probed over plain HTTP by the platform, from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# django-csp: no inline script anywhere. Mermaid writes <style> into its SVGs, so styles allow inline.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}


# --- Celery ---------------------------------------------------------------------------------------------------------
# Default broker and result store are SQLite files through SQLAlchemy: a real worker, no server to install.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=f"sqla+sqlite:///{DATA_DIR / 'celery-broker.sqlite3'}")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=f"db+sqlite:///{DATA_DIR / 'celery-results.sqlite3'}")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # Redis redelivers a message not acknowledged within this window: keep it at least twice the hard time limit.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * CELERY_TASK_TIME_LIMIT + 60}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_WORKER_SEND_TASK_EVENTS = False
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 3600


# --- Quizzes --------------------------------------------------------------------------------------------------------
# Answers a learner may save per minute (counted in the shared cache, so every web process agrees).
QUIZ_ANSWERS_PER_MINUTE = env.int("QUIZ_ANSWERS_PER_MINUTE", default=60)


# --- Labs: submissions and grading --------------------------------------------------------------------------------
LAB_UPLOAD_MAX_BYTES = env.int("LAB_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
LAB_GIT_ALLOWED_HOSTS = frozenset(
    host.lower() for host in env.list("LAB_GIT_ALLOWED_HOSTS", default=["github.com", "gitlab.com", "codeberg.org"])
)
# A claimed submission not finished within the lease is handed to another worker (or given up after the attempts).
LAB_LEASE_SECONDS = env.int("LAB_LEASE_SECONDS", default=CELERY_TASK_TIME_LIMIT + 60)
LAB_MAX_ATTEMPTS = env.int("LAB_MAX_ATTEMPTS", default=3)
# A fault of ours (sandbox, package index) is retried after this many seconds, doubling each time (at most 300).
LAB_RETRY_BACKOFF_SECONDS = env.int("LAB_RETRY_BACKOFF_SECONDS", default=10)
# A queued submission whose task was not picked up within this time is sent to the broker again.
LAB_RESEND_AFTER_SECONDS = env.int("LAB_RESEND_AFTER_SECONDS", default=120)
LAB_REAP_INTERVAL_SECONDS = env.int("LAB_REAP_INTERVAL_SECONDS", default=30)
CELERY_BEAT_SCHEDULE = {
    "reap-submissions": {"task": "labs.tasks.reap_submissions", "schedule": float(LAB_REAP_INTERVAL_SECONDS)},
    # Idempotent: each reminder is sent once per assignment, however often this runs.
    "assessment-reminders": {"task": "teams.tasks.send_assessment_reminders", "schedule": 3600.0},
    # A pass recorded before the deadline of an "after the deadline" assessment gets its certificate once it passes.
    "assessment-certificates": {"task": "teams.tasks.issue_due_certificates", "schedule": 600.0},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# The grader's package indexes (labs.grading.index): the upstreams its caching proxies mirror ("offline": the
# wheelhouse, or no npm registry) and the proxies' sockets. The grader reads them from the worker's environment itself
# (it imports nothing from Django); checking them here stops a misconfigured process at startup instead of at its
# first grade. Not kept as settings: an internal mirror's URL may carry credentials.
try:
    from labs.grading import index as _grader_index

    for _kind in (_grader_index.PYPI, _grader_index.NPM):
        _names = ("_URL", "_SOCKET", "_CACHE")
        _grader_index.settings(
            {
                **{f"{_kind.variable}{name}": env.str(f"{_kind.variable}{name}", default="") for name in _names},
                "GRADER_INDEX_TTL": env.str("GRADER_INDEX_TTL", default=""),
            },
            kind=_kind,
        )
except ValueError as error:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(str(error)) from None


# --- LTI 1.3 tool (lti app, issue 16) -------------------------------------------------------------------------------
# Everything the LTI tool needs from settings lives in this block. Its middleware relaxes framing and cookies only for
# sessions that began with an LTI launch, so it sits right before SessionMiddleware (see lti/middleware.py).
INSTALLED_APPS += ["lti"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"), "lti.middleware.LtiFrameMiddleware"
)
# Our signing key as PEM (newlines may be written as \n); empty: the newest key generated in the admin signs.
LTI_TOOL_PRIVATE_KEY = env.str("LTI_TOOL_PRIVATE_KEY", default="")
# While rotating keys from the environment: the previous public key, still published in our JWKS.
LTI_TOOL_RETIRING_PUBLIC_KEY = env.str("LTI_TOOL_RETIRING_PUBLIC_KEY", default="")
# Grade passback (AGS): retries with exponential backoff from this base, then the row is marked failed in the admin.
LTI_PASSBACK_MAX_RETRIES = env.int("LTI_PASSBACK_MAX_RETRIES", default=8)
LTI_PASSBACK_RETRY_BACKOFF_SECONDS = env.int("LTI_PASSBACK_RETRY_BACKOFF_SECONDS", default=30)
# A pending passback with no task due for this long (the broker was down when the score was recorded) is sent again
# by beat, every LTI_PASSBACK_RESEND_INTERVAL_SECONDS.
LTI_PASSBACK_RESEND_AFTER_SECONDS = env.int("LTI_PASSBACK_RESEND_AFTER_SECONDS", default=300)
LTI_PASSBACK_RESEND_INTERVAL_SECONDS = env.int("LTI_PASSBACK_RESEND_INTERVAL_SECONDS", default=60)
CELERY_BEAT_SCHEDULE["resend-grade-passbacks"] = {
    "task": "lti.tasks.resend_grade_passbacks",
    "schedule": float(LTI_PASSBACK_RESEND_INTERVAL_SECONDS),
}
# --- end of the LTI block ---------------------------------------------------------------------------------------------


# --- Logging: one JSON object per line on stdout --------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
LOGGING_CONFIG = "logging.config.dictConfig"
LOGGING = build_logging_config(LOG_LEVEL)

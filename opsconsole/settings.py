"""OpsConsole settings, read from the environment (README.md lists every variable).

Production is the default: DEBUG is off unless DJANGO_DEBUG asks for it, and then a missing
or weak SECRET_KEY or an empty ALLOWED_HOSTS stops start-up with a clear message.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from opsconsole import env

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env.string("OPSCONSOLE_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env.boolean("DJANGO_DEBUG", default=False)

# --- secret key and hosts ------------------------------------------------------------------
_DEV_SECRET_KEY = "dev-only-insecure-key-never-used-when-debug-is-off"  # noqa: S105
SECRET_KEY = env.string("SECRET_KEY") or (_DEV_SECRET_KEY if DEBUG else "")
ALLOWED_HOSTS = env.string_list("ALLOWED_HOSTS", "localhost,127.0.0.1" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env.string_list("CSRF_TRUSTED_ORIGINS")


# A random key of the required length has dozens of distinct characters and no character
# much more often than others; a key typed by hand ("aaaa…", "abab…") has neither.
_MIN_DISTINCT_KEY_CHARACTERS = 10


def _refuse_weak_key(name: str, key: str, min_length: int) -> None:
    """Fatal where Django's security.W009 only warns: a guessable SECRET_KEY forges sessions,
    a guessable AUDIT_CHECKPOINT_KEY re-signs a rewritten audit chain."""
    if not key:
        raise ImproperlyConfigured(
            f"{name} is not set. Set {name} (or {name}_FILE) to a random string of at least "
            f"{min_length} characters, see README.md"
        )
    most_common = max(key.count(char) for char in set(key))
    if (
        len(key) < min_length
        or len(set(key)) < _MIN_DISTINCT_KEY_CHARACTERS
        or most_common > len(key) // 4
        or key.startswith("django-insecure")
    ):
        raise ImproperlyConfigured(
            f"{name} is too weak: use a random string of at least {min_length} characters "
            f"(e.g. the output of: head -c 48 /dev/urandom | base64)."
        )


if not DEBUG:
    _refuse_weak_key("SECRET_KEY", SECRET_KEY, 50)
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS is empty. Set it to the console's host names, comma-separated "
            "(e.g. ops.trading-system.local)."
        )
    if any(host == "*" or host.startswith("*") for host in ALLOWED_HOSTS):
        # A wildcard lets any Host header through: password-reset links and absolute URLs
        # could then point wherever the client says.
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS may not contain a wildcard in production. Name the console's host "
            "names, comma-separated (e.g. ops.trading-system.local)."
        )

# --- applications --------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "axes",
    "csp",
    "opsconsole.accounts",
    # After axes: its sign-in failure receiver runs first, so the audit sees its verdict.
    "opsconsole.audit",
    "opsconsole.workloads",
    "opsconsole.operations",
    "opsconsole.runs",
    "opsconsole.observability",
    # The page shell, last: it may use every app above. (The sandbox cluster is no app: it
    # runs on its own as `python -m opsconsole.sandbox`, for the demo and the tests only.)
    "opsconsole.shell",
]

MIDDLEWARE = [
    # Probes hit /healthz by pod IP over plain HTTP, before host and TLS checks.
    "opsconsole.web.middleware.HealthCheckMiddleware",
    # Every later step (and every audit event) can read the request's id.
    "opsconsole.web.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Before the sign-in checks, which answer htmx requests with HX-Redirect.
    "django_htmx.middleware.HtmxMiddleware",
    # Signed-in pages (audit data, exports, cluster state) are never kept by a browser or
    # proxy cache: after sign-out, Back must not show them.
    "opsconsole.web.middleware.NoStoreMiddleware",
    "opsconsole.accounts.middleware.LoginRequiredMiddleware",
    "opsconsole.accounts.middleware.IdleTimeoutMiddleware",
    "opsconsole.accounts.middleware.RoleRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, so that a lockout is answered after authentication ran.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "opsconsole.urls"
WSGI_APPLICATION = "opsconsole.wsgi.application"

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
                "opsconsole.shell.context_processors.console",
            ],
        },
    },
]


# --- database ------------------------------------------------------------------------------
def _database() -> dict[str, Any]:
    url = env.string("DATABASE_URL")
    if not url and env.string("POSTGRES_HOST"):
        url = "postgres://{user}:{password}@{host}:{port}/{db}".format(
            user=quote(env.string("POSTGRES_USER", "postgres"), safe=""),
            password=quote(env.string("POSTGRES_PASSWORD"), safe=""),
            host=env.string("POSTGRES_HOST"),
            port=env.integer("POSTGRES_PORT", 5432),
            db=quote(env.string("POSTGRES_DB", "opsconsole"), safe=""),
        )
    if not url:
        # The embedded default for the demo: one file, nothing to start.
        url = f"sqlite:///{VAR_DIR / 'opsconsole.sqlite3'}"
    database: dict[str, Any] = dict(
        dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    )
    if database["ENGINE"] == "django.db.backends.sqlite3":
        # Write transactions take the lock when they begin, so two appends to the audit
        # chain queue up instead of both reading the same head.
        database.setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
    return database


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# --- Redis: Celery broker and the cluster state cache ------------------------------------------
def _redis_url() -> str:
    url = env.string("REDIS_URL")
    if url:
        return url
    password = env.string("REDIS_PASSWORD")
    auth = f":{quote(password, safe='')}@" if password else ""
    host = env.string("REDIS_HOST", "127.0.0.1")
    return f"redis://{auth}{host}:{env.integer('REDIS_PORT', 6379)}/0"


REDIS_URL = _redis_url()
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "opsconsole",
    }
}

# --- Celery (see opsconsole/celery.py) --------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None  # results live in Action rows, not in the broker
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.integer("CELERY_TASK_TIME_LIMIT", 600)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 30
# The longest back-off a task waits between retries (our tasks' retry_backoff_max). A message
# not acked within the visibility timeout is redelivered, so that must be longer.
OPSCONSOLE_MAX_RETRY_BACKOFF = 600
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "audit-checkpoint": {
        "task": "audit.checkpoint",
        "schedule": float(env.integer("AUDIT_CHECKPOINT_SECONDS", 300)),
    },
}

# --- audit checkpoints (opsconsole/audit/checkpoint.py) --------------------------------------
# A key of its own, held only by the processes that write or verify checkpoints (the
# worker): whoever can read SECRET_KEY (every web pod) must not be able to re-sign a
# rewritten chain's checkpoints. Those commands refuse to run without it.
_DEV_AUDIT_CHECKPOINT_KEY = "dev-only-audit-checkpoint-key-never-used-when-debug-is-off"
AUDIT_CHECKPOINT_KEY = env.string("AUDIT_CHECKPOINT_KEY") or (
    _DEV_AUDIT_CHECKPOINT_KEY if DEBUG else ""
)
AUDIT_CHECKPOINT_FILE = Path(
    env.string("AUDIT_CHECKPOINT_FILE", str(VAR_DIR / "audit-checkpoints.jsonl"))
)
if AUDIT_CHECKPOINT_KEY and not DEBUG:
    _refuse_weak_key("AUDIT_CHECKPOINT_KEY", AUDIT_CHECKPOINT_KEY, 32)
    if AUDIT_CHECKPOINT_KEY == SECRET_KEY:
        raise ImproperlyConfigured("AUDIT_CHECKPOINT_KEY must differ from SECRET_KEY.")

# --- authentication ------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "overview"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Idle sessions end after 30 minutes (IdleTimeoutMiddleware; polling does not count as
# activity); the cookie itself lasts at most one 12-hour shift.
OPSCONSOLE_IDLE_TIMEOUT = timedelta(minutes=env.integer("OPSCONSOLE_IDLE_MINUTES", 30))
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Behind the ingress the client address is the N-th from the right of X-Forwarded-For.
OPSCONSOLE_TRUSTED_PROXIES = env.integer("OPSCONSOLE_TRUSTED_PROXIES", 0)

AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "opsconsole.web.http.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# --- security headers ----------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    # TLS ends at the ingress, which says so in X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.boolean("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.integer("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.boolean("SECURE_HSTS_PRELOAD", default=True)

# No inline script or style anywhere: htmx is loaded from our own static files and
# configured by a <meta> tag.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# --- static files --------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Without collectstatic (tests, the demo) WhiteNoise serves straight from the finders.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- the cluster and monitoring -------------------------------------------------------------
OPSCONSOLE_NAMESPACES = env.string_list("OPSCONSOLE_NAMESPACES", "trading-system")
KUBECONFIG = env.string("KUBECONFIG")
OPSCONSOLE_KUBE_CONTEXT = env.string("OPSCONSOLE_KUBE_CONTEXT")
OPSCONSOLE_KUBE_TIMEOUT = float(env.integer("OPSCONSOLE_KUBE_TIMEOUT", 5))
PROMETHEUS_URL = env.string("PROMETHEUS_URL")
ALERTMANAGER_URL = env.string("ALERTMANAGER_URL")

# --- i18n, logging -------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.string("LOG_LEVEL", "INFO")},
}

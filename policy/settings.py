"""Settings for the 4+1 dashboard, read from the environment.

Every variable is documented in .env.example. Defaults are embedded so a fresh machine runs
with no set-up: SQLite under DATA_DIR and a file-system Celery broker. DATABASE_URL and
CELERY_BROKER_URL switch to PostgreSQL and Redis/RabbitMQ.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

# Generic admin and queryset classes (ModelAdmin[Project]) work at run time, not only for mypy.
django_stubs_ext.monkeypatch()


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, got {raw!r}") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_secret(name: str, default: str = "") -> str:
    """Read NAME, or the contents of the file named by NAME_FILE (Docker secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE points at {path!r}: {exc}") from None
    return os.environ.get(name, default)


DEBUG = env_bool("DEBUG", False)
DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR / "var"))).resolve()

SECRET_KEY = env_secret("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY (or SECRET_KEY_FILE) must be set when DEBUG is off. "
            "`make run` creates var/secret_key for you."
        )
    SECRET_KEY = "insecure-development-key-only-used-with-DEBUG"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "whitenoise.runserver_nostatic",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",  # serves the Swagger UI assets from the installed package, not a CDN
    "django_celery_beat",
    "simple_history",
    "axes",  # login throttling and lock-out on every login path, the admin's included
    "csp",
    "policy",
    "policy.briefings",  # the briefing slice: its models keep the policy app label
    "policy.notifications",  # alerts to administrators; the base of the inbox (issue 17)
    "indicators",
    "indicators.analytics",  # the compute–power–price what-if slice (app label analytics)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files, precompressed (br/gzip)
    # HTML pages compressed too (the map carries its shapes): Django's middleware pads each
    # response against BREACH, and CSRF tokens are masked per response. After WhiteNoise, so
    # static files never pass through it.
    "policy.middleware.PageGZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "policy.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a lock-out during authentication into our response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "policy.urls"
WSGI_APPLICATION = "policy.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "policy.context_processors.navigation",
            ],
        },
    },
]

# Zero set-up default: a SQLite file under DATA_DIR. WAL and IMMEDIATE transactions let the
# web process, the worker and beat share it without "database is locked" on every write.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"].endswith("postgresql"):
        # No JIT: PostgreSQL compiles any query whose *estimated* cost passes jit_above_cost,
        # and a page's small queries over the two-million-row observations table were
        # estimated high and spent 0.1–0.5 s compiling (measured on the cold overview).
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
        # A database host that drops packets must fail a request in seconds, not minutes.
        DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int(
            "DATABASE_CONNECT_TIMEOUT", 5
        )
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "db.sqlite3"),
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHE_URL = env_str("CACHE_URL")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            # Fails open: an unreachable Redis makes pages uncached, never down (policy/cache.py).
            "BACKEND": "policy.cache.FailOpenRedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "fpo",
            "OPTIONS": {"timeout_seconds": env_float("CACHE_TIMEOUT", 0.5)},
        }
    }
else:
    # File-based by default so several web processes and the worker see the same entries
    # (a per-process locmem cache would serve stale pages after a write in another process).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "policy.security.LoginThrottleBackend",  # django-axes: refuses while locked out
    # ModelBackend whose get_user reads the user and its role scope from the shared cache
    # (policy.backends): with cached_db sessions a warm page runs no query at all.
    "policy.backends.CachedUserBackend",
]

# Login throttling (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords for one user name
# from one address, that pair is locked for LOGIN_LOCKOUT_MINUTES (each further try restarts
# the wait). Per pair, so one person mistyping cannot lock out a whole office behind one NAT.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "policy.security.locked_out"
AXES_CLIENT_IP_CALLABLE = "policy.security.client_ip"
AXES_VERBOSE = False
# Proxies in front of the app that append to X-Forwarded-For (nginx: 1). 0 trusts no header.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
NINJA_NUM_PROXIES = TRUSTED_PROXY_COUNT

# API throttling (policy/api/throttling.py): bad bearer tokens per client address, writes per
# user. Rates are "number/period" with period s, m, h or d.
API_THROTTLE_BAD_TOKENS = env_str("API_THROTTLE_BAD_TOKENS", "10/m")
API_THROTTLE_WRITES = env_str("API_THROTTLE_WRITES", "60/m")
# Days a new API token is valid unless its creator chooses otherwise (0: no expiry by default).
API_TOKEN_DEFAULT_DAYS = env_int("API_TOKEN_DEFAULT_DAYS", 365)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "policy:overview"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
# Evidence files and raw payloads are never served by URL; views check permissions first.
PRIVATE_MEDIA_ROOT = DATA_DIR / "private"
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "policy.staticfiles.PackageAssetFinder",  # plotly.min.js from the installed plotly package
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env_str(
            "STATICFILES_STORAGE", "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# npm packages the pages load (plotly.js's partial bundle; see policy/staticfiles.py).
NODE_MODULES_DIR = env_str("NODE_MODULES_DIR", str(BASE_DIR / "node_modules"))

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "4+1-dashboard@localhost")

# Celery. With no CELERY_BROKER_URL the broker is kombu's file-system transport under
# DATA_DIR: no server to install, and web, worker and beat still run as separate processes.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
BROKER_DIR = DATA_DIR / "broker"
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "store_processed": False,
    }
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# A broker that is down must fail a request's enqueue in about a second, with our message
# (policy/queue.py), rather than hold the web worker while kombu retries.
CELERY_BROKER_CONNECTION_TIMEOUT = env_float("CELERY_BROKER_CONNECTION_TIMEOUT", 2.0)
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}

# Project status (RAG) thresholds, see DESIGN.md "Status (RAG) rules".
STATUS_AMBER_MAX_OVERDUE_DAYS = env_int("STATUS_AMBER_MAX_OVERDUE_DAYS", 30)
STATUS_AMBER_MAX_KPI_SHORTFALL = env_float("STATUS_AMBER_MAX_KPI_SHORTFALL", 0.10)
# Investment: completion behind the elapsed share of the year by more than 10 points → amber,
# by more than 25 → red; a month's completion is due on this day of the next month.
STATUS_INVESTMENT_AMBER_LAG = env_float("STATUS_INVESTMENT_AMBER_LAG", 0.10)
STATUS_INVESTMENT_RED_LAG = env_float("STATUS_INVESTMENT_RED_LAG", 0.25)
INVESTMENT_REPORT_DUE_DAY = env_int("INVESTMENT_REPORT_DUE_DAY", 10)

# Evidence uploads (milestone attachments).
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
EVIDENCE_EXTENSIONS = ["pdf", "docx", "xlsx", "pptx", "jpg", "jpeg", "png"]
# Zip-based formats (docx/xlsx/pptx): refused when they inflate past this many bytes, inflate
# to more than this many times their size, or hold more members (zip bombs).
EVIDENCE_MAX_INFLATED_BYTES = env_int("EVIDENCE_MAX_INFLATED_BYTES", 100 * 1024 * 1024)
EVIDENCE_MAX_ZIP_RATIO = env_int("EVIDENCE_MAX_ZIP_RATIO", 100)
EVIDENCE_MAX_ZIP_MEMBERS = env_int("EVIDENCE_MAX_ZIP_MEMBERS", 5000)

# Owner workflow: "due soon" window of the my-work page and of the daily reminder emails.
MILESTONE_DUE_SOON_DAYS = env_int("MILESTONE_DUE_SOON_DAYS", 7)

# Indicator ingestion: which hosts connectors may fetch from, and how much.
INDICATORS_ALLOWED_HOSTS = env_list("INDICATORS_ALLOWED_HOSTS")
INDICATORS_ALLOW_PRIVATE_ADDRESSES = env_bool("INDICATORS_ALLOW_PRIVATE_ADDRESSES", False)
INDICATORS_FETCH_TIMEOUT = env_float("INDICATORS_FETCH_TIMEOUT", 20.0)
INDICATORS_FETCH_MAX_BYTES = env_int("INDICATORS_FETCH_MAX_BYTES", 20 * 1024 * 1024)
# Seconds an ingestion task may run before Celery interrupts it (the run is then recorded failed).
INDICATORS_TASK_SOFT_TIME_LIMIT = env_int("INDICATORS_TASK_SOFT_TIME_LIMIT", 600)
# Seconds without a heartbeat after which a running ingestion counts as dead (indicators/runs.py).
INDICATORS_RUN_HEARTBEAT_TIMEOUT = env_int("INDICATORS_RUN_HEARTBEAT_TIMEOUT", 120)

DEMO_PASSWORD = env_str("DEMO_PASSWORD", "sichuan-4plus1")

# Sessions are read from the shared cache (written through to the database, so a cache flush
# logs nobody out); with the cached user (policy.backends) and role scope
# (policy.permissions) a warm page runs no query at all.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# Sessions end when the browser closes, and in any case SESSION_COOKIE_AGE after sign-in.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", True)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# HTTPS (all off by default for `make run` on http://127.0.0.1; see .env.production.example).
# Behind nginx terminating TLS, BEHIND_HTTPS_PROXY trusts its X-Forwarded-Proto header.
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_REDIRECT_EXEMPT = [r"^healthz/$", r"^readyz/$"]  # load balancers probe over plain http
if env_bool("BEHIND_HTTPS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): only our own origin, no inline script, no eval, no
# inline style. One allowance, measured (tests/browser/test_csp_browser.py, README "Security"):
# plotly.js appends an *empty* <style> element that it fills through the CSSOM (insertRule,
# which CSP does not restrict), and sets empty style="" attributes on colour-bar rectangles;
# the hash of the empty string ('unsafe-hashes' extends it to attributes) admits exactly
# those and no style text at all. Templates pass colours and widths as data attributes
# (layout.js); plotly's bundled MapLibre CSS is skipped (policy.staticfiles).
EMPTY_STYLE_HASH = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-hashes'", EMPTY_STYLE_HASH],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Large downloads (evidence, briefing PDFs) handed to nginx with X-Accel-Redirect: the view
# checks permissions, nginx sends the bytes. Empty: the app streams the file itself.
# "/protected/" maps PRIVATE_MEDIA_ROOT as an `internal` location (deploy/nginx.conf).
X_ACCEL_REDIRECT_PREFIX = env_str("X_ACCEL_REDIRECT_PREFIX")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Per-page progress of WeasyPrint and kaleido's browser chatter drown real messages.
        "weasyprint.progress": {"level": "WARNING"},
        "kaleido": {"level": "WARNING"},
        "choreographer": {"level": "WARNING"},
        "axes": {"level": "WARNING"},  # one INFO line per sign-in otherwise
    },
}

# PDF briefings. Charts are exported to SVG by kaleido driving Debian's chromium.
BRIEFING_CHROMIUM_PATH = env_str("BRIEFING_CHROMIUM_PATH", "/usr/bin/chromium")
BRIEFING_CHART_TIMEOUT = env_float("BRIEFING_CHART_TIMEOUT", 60.0)
BRIEFING_ISSUER_ZH = env_str("BRIEFING_ISSUER_ZH", "四川省人工智能一号创新工程推进工作专班")
BRIEFING_ISSUER_EN = env_str(
    "BRIEFING_ISSUER_EN", "Sichuan AI No. 1 Innovation Project Task Force"
)
# Languages the schedule always generates; subscribers' languages are added to these.
BRIEFING_LANGUAGES = env_list("BRIEFING_LANGUAGES", "zh-hans")
BRIEFING_MAX_RETRIES = env_int("BRIEFING_MAX_RETRIES", 3)

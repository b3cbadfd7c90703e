"""Settings of the CRM: one module, every value from the environment (see .env.example)."""

from datetime import timedelta
from pathlib import Path

import environ
import pghistory
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env is read when present; real deployments set the environment instead.
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env", overwrite=False)


def _bounded_int(name: str, default: int, low: int, high: int) -> int:
    """Read an integer setting and fail loudly when it is outside its sane range."""
    try:
        value = env.int(name, default=default)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {env.str(name)!r}") from exc
    if not low <= value <= high:
        raise ImproperlyConfigured(f"{name} must be between {low} and {high}, got {value}")
    return value


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _strict_bool(name: str, default: bool) -> bool:
    """Read a yes/no setting; anything but 1/0, true/false, yes/no, on/off fails loudly."""
    raw = env.str(name, default=str(int(default))).strip().lower()
    if raw not in _TRUE | _FALSE:
        raise ImproperlyConfigured(f"{name} must be 1 or 0 (true/false), got {raw!r}")
    return raw in _TRUE


DEBUG = _strict_bool("DEBUG", True)
SECRET_KEY = env.str("SECRET_KEY", default="" if not DEBUG else "dev-only-insecure-key-change-me")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG=0")
if not DEBUG and (SECRET_KEY.startswith("dev-only") or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured("SECRET_KEY must be a random string of 50+ characters in production")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    # third-party
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_celery_beat",
    "guardian",
    "import_export",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_filters",
    # ours
    "crm.core",
    "crm.accounts",
    "crm.refs",
    "crm.notifications",
    "crm.clients",
    "crm.catalog",
    "crm.outlets",
    "crm.approvals",
    "crm.sales",
    "crm.stock",
    "dealers",
    "integrations.geocoding",
    "integrations.onec",
]

MIDDLEWARE = [
    "crm.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "crm.accounts.middleware.ResolvedUserMiddleware",
    "crm.accounts.middleware.SessionTimeoutMiddleware",
    "crm.accounts.middleware.UserLocaleMiddleware",
    "crm.accounts.middleware.RequireSecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "crm.core.middleware.AuditContextMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "crm.urls"
WSGI_APPLICATION = "crm.wsgi.application"
ASGI_APPLICATION = "crm.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "crm.core.context_processors.navigation",
            ],
        },
    },
    {
        # The page layouts and the list pages, in jinja/ (crm.core.jinja, ADR 0016).
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "NAME": "jinja2",
        "DIRS": [BASE_DIR / "jinja"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "crm.core.jinja.environment"},
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/crm")}
DATABASES["default"]["CONN_MAX_AGE"] = _bounded_int("DB_CONN_MAX_AGE", 60, 0, 3600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", 5)
# JIT compilation pays off for hour-long analytics, not for a CRM: it added 30-40 ms to
# statements the planner merely estimated as large (docs/reference/performance.md: jit=off).
# Every server-side cursor here (exports, syncs: QuerySet.iterator) is read to its end, so
# its plan should be the cheapest in total, not the fastest to a first tenth (PostgreSQL's
# default 0.1): an export of 4,444 filtered organisations took 557 ms on a plan that walked
# the name index, 25 ms on the bitmap scan and sort that COPY uses.
DATABASES["default"]["OPTIONS"].setdefault("options", "-c jit=off -c cursor_tuple_fraction=1")
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://...)")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache, sessions -----------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
if not REDIS_URL.startswith(("redis://", "rediss://")):
    raise ImproperlyConfigured("REDIS_URL must start with redis:// or rediss://")
# Pages must not hang on Redis (see docs/adr/0002), so the page cache is per process and
# sessions live in PostgreSQL.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SESSION_ENGINE = "crm.accounts.sessions"  # Django's database sessions, read without the ORM
SESSION_IDLE_TIMEOUT = _bounded_int("SESSION_IDLE_TIMEOUT_MINUTES", 30, 1, 24 * 60) * 60
SESSION_COOKIE_AGE = _bounded_int("SESSION_MAX_AGE_HOURS", 12, 1, 24 * 30) * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Authentication -------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "crm.accounts.backends.CrmModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 3600 * 2
# Roles whose members must pass a TOTP second factor (group names, see crm/accounts/roles.py).
OTP_REQUIRED_ROLES = env.list("OTP_REQUIRED_ROLES", default=["administrator", "auditor"])
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Dealer CRM")

# django-axes: 5 failures within the cool-off lock the account for 15 minutes. Lockout is keyed
# by username, and the client address is REMOTE_ADDR only, so a forged X-Forwarded-For changes
# nothing (reference/reliability.md, section 4).
# django-filter: the empty choice of a filter reads "All" rather than "---------".
FILTERS_EMPTY_CHOICE_LABEL = _("All")

# Exports: rows a user may export a day unless their account says otherwise; exports larger
# than the threshold run in the background and arrive in the downloads list.
EXPORT_DAILY_ROWS = _bounded_int("EXPORT_DAILY_ROWS", 5000, 0, 100_000_000)
EXPORT_ASYNC_THRESHOLD = _bounded_int("EXPORT_ASYNC_THRESHOLD", 5000, 1, 100_000_000)

AXES_FAILURE_LIMIT = _bounded_int("AXES_FAILURE_LIMIT", 5, 1, 100)
AXES_COOLOFF_TIME = timedelta(minutes=_bounded_int("AXES_COOLOFF_MINUTES", 15, 1, 24 * 60))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
AXES_LOCKOUT_TEMPLATE = "accounts/lockout.html"
AXES_VERBOSE = False

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Moscow")
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["crm.formats"]

# --- Static and private files ---------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
NODE_MODULES = BASE_DIR / "node_modules"
# Front-end packages come from the npm registry at set-up (package.json); only their dist
# folders are served, as /static/vendor/<package>/.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/chart.js", NODE_MODULES / "chart.js" / "dist"),
    ("vendor/tom-select", NODE_MODULES / "tom-select" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names from `collectstatic`'s manifest; with DEBUG=1 plain names, no manifest.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Uploaded and generated files live outside any public URL; views that check access stream them.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "var" / "private")))
MEDIA_ROOT = PRIVATE_MEDIA_ROOT
MEDIA_URL = None
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024

# --- E-mail -----------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="CRM <crm@example.com>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security headers (strict when DEBUG=0) -------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = _strict_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if _strict_bool("BEHIND_TLS_PROXY", False) else None
)
SESSION_COOKIE_SECURE = _strict_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = False  # htmx reads no cookie; the token is rendered into hx-headers
SECURE_HSTS_SECONDS = _bounded_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, 0, 63072000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
# axes.W006 asks to lock by IP too; an office behind one NAT would then be locked out by five
# colleagues' typos. We lock by username, and REMOTE_ADDR cannot be forged (docs/adr/0003).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# django-csp 4: no inline scripts or styles anywhere; every asset is served from our origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SOFT_TIME_LIMIT = _bounded_int("CELERY_TASK_SOFT_TIME_LIMIT", 300, 5, 4 * 3600)
CELERY_TASK_TIME_LIMIT = _bounded_int("CELERY_TASK_TIME_LIMIT", 360, 10, 4 * 3600)
# Long jobs (imports, syncs, big exports) run on their own queue with their own, longer limits.
CELERY_LONG_TASK_TIME_LIMIT = _bounded_int("CELERY_LONG_TASK_TIME_LIMIT", 3600, 60, 4 * 3600)
CELERY_BROKER_VISIBILITY_TIMEOUT = _bounded_int(
    "CELERY_BROKER_VISIBILITY_TIMEOUT", 2 * 3600, 60, 24 * 3600
)
if max(CELERY_TASK_TIME_LIMIT, CELERY_LONG_TASK_TIME_LIMIT) >= CELERY_BROKER_VISIBILITY_TIMEOUT:
    raise ImproperlyConfigured(
        "CELERY_BROKER_VISIBILITY_TIMEOUT must be longer than the longest task time limit"
    )
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_BROKER_VISIBILITY_TIMEOUT,
    "socket_timeout": 5,
    "socket_connect_timeout": 3,
    "retry_on_timeout": False,
    "health_check_interval": 15,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES_NAMES = ("default", "long")
CELERY_TASK_ROUTES = ("crm.core.tasks.route_task",)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_ALWAYS_EAGER = _strict_bool("CELERY_TASK_ALWAYS_EAGER", False)
# How long /readyz accepts the last worker heartbeat as fresh.
WORKER_HEARTBEAT_MAX_AGE = _bounded_int("WORKER_HEARTBEAT_MAX_AGE", 90, 10, 3600)

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "crm.core.api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "crm.core.api.pagination.ApiCursorPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Dealer CRM API",
    "DESCRIPTION": "REST API for integrations (1C/ERP, website, telephony, mailing).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Audit trail ----------------------------------------------------------------------------
# Events are browsed in the admin under "Events"; context (user, source, channel, request id)
# is written by crm.core.audit.audit_context.
PGHISTORY_ADMIN_ORDERING = "-pgh_created_at"
# An event copies its record's foreign keys as plain columns. pghistory indexes each of them;
# no query reads events by them (history is read by record, ``pgh_obj``, and by context), and
# every write paid for them: on an organisation the history row's ten indexes were a third of
# an UPDATE's cost. Only the record and context keys keep their indexes.
PGHISTORY_FOREIGN_KEY_FIELD = pghistory.ForeignKey(db_index=False)
PGHISTORY_OBJ_FIELD = pghistory.ObjForeignKey(db_index=True)
PGHISTORY_CONTEXT_FIELD = pghistory.ContextForeignKey(db_index=True)
# One history insert per statement, from its transition table, instead of a PL/pgSQL call and
# an INSERT per row: a 20,000-row COPY of organisations spent 330 ms in the row triggers and
# about 120 ms in the statement one (ADR 0019). Single-row saves are unchanged in effect.
PGHISTORY_LEVEL = pghistory.Statement
# Triggers on Django's auto-created many-to-many tables (user groups and permissions, org unit
# regions) cannot live in migrations; pgtrigger installs them after every `migrate`.
PGTRIGGER_INSTALL_ON_MIGRATE = True

# --- import-export --------------------------------------------------------------------------
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
IMPORT_EXPORT_SKIP_ADMIN_LOG = True

# --- Logging --------------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "crm.core.middleware.RequestIdLogFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"axes": {"level": "WARNING"}, "pgtrigger": {"level": "WARNING"}},
}

# --- Demo -----------------------------------------------------------------------------------
# The demo users' password and the TOTP secret of demo roles that need a second factor.
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="demo-crm-2026")
DEMO_TOTP_SECRET_HEX = env.str(
    "DEMO_TOTP_SECRET_HEX", default="3132333435363738393031323334353637383930"
)

# --- Imports ---------------------------------------------------------------------------------
# django-import-export's permission check uses the "import_<model>" codes our models declare.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"
# Files of this many rows or more are checked and imported by a Celery worker.
IMPORT_ASYNC_THRESHOLD = _bounded_int("IMPORT_ASYNC_THRESHOLD", 5000, 1, 1_000_000)
IMPORT_MAX_BYTES = _bounded_int("IMPORT_MAX_MEGABYTES", 20, 1, 200) * 1024 * 1024
IMPORT_MAX_ROWS = _bounded_int("IMPORT_MAX_ROWS", 100_000, 1, 1_000_000)
# An XLSX is refused when its unpacked content would pass this (zip bombs).
IMPORT_MAX_UNPACKED_BYTES = (
    _bounded_int("IMPORT_MAX_UNPACKED_MEGABYTES", 400, 10, 4000) * 1024 * 1024
)

# --- Approvals -----------------------------------------------------------------------------
# An ERP value that contradicts a manual value approved within this many days goes to a data
# steward instead of overwriting it.
APPROVALS_CONFLICT_DAYS = _bounded_int("APPROVALS_CONFLICT_DAYS", 30, 1, 3650)

# A point entered by hand this far (km) from the geocoded address is flagged before saving.
OUTLET_POINT_TOLERANCE_KM = env.float("OUTLET_POINT_TOLERANCE_KM", default=1.0)

# --- Integrations ---------------------------------------------------------------------------
INTEGRATION_TIMEOUT = _bounded_int("INTEGRATION_TIMEOUT_SECONDS", 10, 1, 120)
# DaData: company requisites by INN (findById/party). Empty key: autofill is switched off.
DADATA_API_KEY = env.str("DADATA_API_KEY", default="")
DADATA_URL = env.str("DADATA_URL", default="https://suggestions.dadata.ru/suggestions/api/4_1/rs")
# 1C standard OData interface, e.g. https://1c.example/base/odata/standard.odata (empty: no sync).
ONEC_URL = env.str("ONEC_URL", default="")
ONEC_USER = env.str("ONEC_USER", default="")
ONEC_PASSWORD = env.str("ONEC_PASSWORD", default="")
# A client with no purchase for this many days before the 1st of the month is churned.
SALES_CHURN_DAYS = _bounded_int("SALES_CHURN_DAYS", 90, 1, 730)
# Sales documents are read back this many days every night (1C documents are back-dated).
ONEC_SALES_WINDOW_DAYS = _bounded_int("ONEC_SALES_WINDOW_DAYS", 35, 1, 400)
# Dealer cabinet: the day of the month after a quarter ends on which the beat task closes the
# quarter's reports, and how many days an e-mailed invitation link stays valid.
DEALER_PERIOD_CLOSE_DAY = _bounded_int("DEALER_PERIOD_CLOSE_DAY", 15, 1, 28)
DEALER_INVITATION_DAYS = _bounded_int("DEALER_INVITATION_DAYS", 7, 1, 60)
# `make run` with no 1C configured: the demo's fake base (manage.py onec_fake) on this port.
ONEC_FAKE_PORT = env.int("ONEC_FAKE_PORT", default=0)
if not ONEC_URL and ONEC_FAKE_PORT:
    ONEC_URL = f"http://127.0.0.1:{ONEC_FAKE_PORT}/base/odata/standard.odata"
    ONEC_USER, ONEC_PASSWORD = "Администратор", "пароль"
# Geocoder: "" (off), "yandex" or "nominatim".
GEOCODER = env.str("GEOCODER", default="").strip().lower()
if GEOCODER not in ("", "yandex", "nominatim"):
    raise ImproperlyConfigured(f"GEOCODER must be empty, yandex or nominatim, got {GEOCODER!r}")
YANDEX_GEOCODER_API_KEY = env.str("YANDEX_GEOCODER_API_KEY", default="")
YANDEX_GEOCODER_URL = env.str("YANDEX_GEOCODER_URL", default="https://geocode-maps.yandex.ru/1.x/")
NOMINATIM_URL = env.str("NOMINATIM_URL", default="https://nominatim.openstreetmap.org")
# Minimum milliseconds between two geocoder requests across all workers (Nominatim asks for 1 s).
GEOCODER_MIN_INTERVAL_MS = _bounded_int("GEOCODER_MIN_INTERVAL_MS", 1000, 0, 60_000)
# Days a geocoding answer (found or not found) is reused before asking again.
GEOCODER_CACHE_DAYS = _bounded_int("GEOCODER_CACHE_DAYS", 180, 1, 3650)
# User-Agent sent to the geocoder (Nominatim requires a real one); empty: the CRM's own.
GEOCODER_USER_AGENT = env.str("GEOCODER_USER_AGENT", default="")
# 1 when users have internet access: the outlet card may then embed a map (needs frame-src).
GEOCODER_MAP_EMBED = _strict_bool("GEOCODER_MAP_EMBED", False)

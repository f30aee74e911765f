"""Préau settings: everything that differs between machines comes from the environment."""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEV_SECRET_KEY = "dev-only-insecure-key-change-me"  # noqa: S105 - refused when DEBUG is off

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY)
# Retired keys still accepted while sessions and links signed with them expire (rotation:
# deploy/README.md).
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
if not DEBUG and SECRET_KEY == DEV_SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set in production (DEBUG is off).")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
# Absolute links in e-mails and Celery tasks are built from this (no request there).
PREAU_BASE_URL = env.str("PREAU_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

DATABASES = {
    "default": env.db_url("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/preau"),
}
# django-tenants' backend, whose connection health check is the search path's SET.
DATABASES["default"]["ENGINE"] = "tenants.postgresql"
# Persistent connections, checked before reuse: a PostgreSQL restart costs the next request
# or task a reconnection, not an error (tests/test_postgres_restart.py).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=300)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
# Set search_path once per schema switch instead of before every query (half the round trips).
TENANT_LIMIT_SET_CALLS = True
# `migrate` skips the schemas already up to date, then runs the rest (tenants/migration.py);
# from this many schemas left it uses django-tenants' multiprocessing executor. 0 = never:
# on 2 cores shared with PostgreSQL, parallel was no faster (make bench, ARCHITECTURE.md).
GET_EXECUTOR_FUNCTION = "tenants.migration.get_executor"
TENANT_MIGRATE_PARALLEL_FROM = env.int("TENANT_MIGRATE_PARALLEL_FROM", default=0)
TENANT_MULTIPROCESSING_MAX_PROCESSES = env.int("TENANT_MIGRATE_PROCESSES", default=2)

SHARED_APPS = [
    "django_tenants",
    "tenants",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    # django.contrib.admin, with the commune site that sends role-less staff to one page.
    "portal.admin_site.CommuneAdminConfig",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "portal.accounts.axes_app.AxesConfig",
    "portal.accounts",
    "notifications",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "portal.admin_site.CommuneAdminConfig",
    "portal.accounts.axes_app.AxesConfig",
    "portal.accounts",
    "notifications",
    "portal",
    "booking",
    "ledger",
    "tipi",
]
INSTALLED_APPS = list(SHARED_APPS) + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Commune"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
# Communes are routed by the first path segment with no extra prefix (/Clairoix/...).
PUBLIC_SCHEMA_URLCONF = "config.urls_public"
ROOT_URLCONF = "config.urls_commune"

AUTH_USER_MODEL = "accounts.User"
# E-mail uniqueness is a functional index on Lower(email) and logins match case-insensitively.
# The template library "i18n" is ours on purpose (TEMPLATES below); a test keeps every other
# library name single (tests/tenants/test_preau_i18n.py).
SILENCED_SYSTEM_CHECKS = ["auth.W004", "templates.W003"]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "portal.accounts.backends.EmailBackend",
]
# Failed logins (portal/accounts/lockout.py): the (account, address) pair is locked after
# AXES_FAILURE_LIMIT failures, the account alone after AXES_USERNAME_FAILURE_LIMIT failures
# from any addresses; an address alone never is. Attempts are stored in each schema, so a
# lockout in one commune does not reach another.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_USERNAME_FAILURE_LIMIT = env.int("AXES_USERNAME_FAILURE_LIMIT", default=20)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
AXES_HANDLER = "portal.accounts.lockout.PairThenUsernameHandler"
AXES_USERNAME_CALLABLE = "portal.accounts.backends.lockout_username"
AXES_CLIENT_IP_CALLABLE = "portal.accounts.lockout.client_address"
AXES_LOCKOUT_CALLABLE = "portal.accounts.lockout.lockout_response"
# The reverse proxies (IPs or CIDRs) whose X-Forwarded-For is believed; nobody else's is.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# The longest single-use link lifetime; each kind of link checks its own (accounts.tokens).
PASSWORD_RESET_TIMEOUT = 7 * 24 * 3600
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ["email", "first_name", "last_name"]},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "portal.accounts.validators.MaximumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

MIDDLEWARE = [
    "tenants.security.RefuseNulMiddleware",
    "tenants.middleware.CommunePrefixMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "tenants.middleware.CommuneSessionMiddleware",
    "tenants.middleware.CommuneCsrfCookieMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.accounts.middleware.IdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "tenants.security.SecurityHeadersMiddleware",
    "axes.middleware.AxesMiddleware",
    "tenants.middleware.SuspendedReadOnlyMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "config" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tenants.context_processors.commune",
                "tipi.context_processors.payfip",
                "portal.gestion.gestion_menu",
            ],
            # {% load i18n %}: Django's tags, a constant {% translate %} rendered once per
            # language (tenants/templatetags/preau_i18n.py).
            "libraries": {"i18n": "tenants.templatetags.preau_i18n"},
        },
    },
]

# Django's form renderer, the plain <input> widgets written from Python (same markup).
FORM_RENDERER = "tenants.form_renderer.FormRenderer"

WSGI_APPLICATION = "config.wsgi.application"

# Sessions live in each commune's schema; the cookie is named and scoped per commune
# (tenants.middleware.CommuneSessionMiddleware). CSRF tokens ride in a cookie named and
# scoped the same way (CommuneCsrfCookieMiddleware), so an anonymous page stores no session.
SESSION_ENGINE = "portal.accounts.sessions"  # database sessions, read with their user
SESSION_COOKIE_NAME = "preau_session"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_USE_SESSIONS = False
CSRF_COOKIE_NAME = "preau_csrf"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Idle sessions end (portal.accounts.middleware): parents after 30 min, staff after 2 h.
SESSION_IDLE_PARENT_SECONDS = env.int("SESSION_IDLE_PARENT_SECONDS", default=30 * 60)
SESSION_IDLE_STAFF_SECONDS = env.int("SESSION_IDLE_STAFF_SECONDS", default=2 * 3600)
SESSION_COOKIE_AGE = max(SESSION_IDLE_PARENT_SECONDS, SESSION_IDLE_STAFF_SECONDS)

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "config" / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "config" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGIN_URL = "portal:login"

# E-mail: EMAIL_URL is smtp://..., consolemail://, or eml:///abs/folder (one .eml file
# a message, the demo default).
EMAIL_URL = env.str("EMAIL_URL", default=f"eml://{VAR_DIR / 'mail'}")
if EMAIL_URL.startswith("eml://"):
    EMAIL_BACKEND = "notifications.backends.EmlFileBackend"
    EMAIL_FILE_PATH = EMAIL_URL.removeprefix("eml://")
else:
    vars().update(env.email_url_config(EMAIL_URL))
# Seconds for each SMTP operation: a send never outlives its task's time limit.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Préau <ne-pas-repondre@preau.example>")

# Celery: Redis in every real setting; `make run` falls back to the filesystem transport.
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
# The version tokens of the in-process caches (tenants/node_cache.py: the commune by its
# slug, the PayFiP test banner), shared by every node.
NODE_CACHE_REDIS_URL = env.str("NODE_CACHE_REDIS_URL", default=REDIS_URL)
# The parents' planning, recap and statements served again from that Redis while no write
# has changed what they show (tenants/page_cache.py).
PAGE_CACHE = env.bool("PAGE_CACHE", default=True)
# The start of every key Préau itself writes in Redis (node cache tokens, periodic locks):
# two installations (or two test workers) on one Redis database never share them.
REDIS_KEY_PREFIX = env.str("REDIS_KEY_PREFIX", default="preau:")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
# Publishing (notifications.publish) must not hold up a request when the broker is down:
# one connection attempt, a short connect timeout, no publish retry. The outbox sweeper is
# the retry. The worker reconnects on its own (broker_connection_max_retries).
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=0.5)
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 0}
if CELERY_BROKER_URL.startswith("redis"):
    CELERY_BROKER_TRANSPORT_OPTIONS["socket_connect_timeout"] = CELERY_BROKER_CONNECTION_TIMEOUT
    # Every broker key under a prefix: two installations (or the test suite and the product
    # it starts) on one Redis database never consume each other's tasks.
    if _broker_prefix := env.str("CELERY_BROKER_KEY_PREFIX", default=""):
        CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = _broker_prefix
CELERY_TASK_PUBLISH_RETRY = False
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = env.str("CELERY_FILESYSTEM_DIR", default=str(VAR_DIR / "broker"))
    CELERY_BROKER_TRANSPORT_OPTIONS |= {
        "data_folder_in": _broker_dir,
        "data_folder_out": _broker_dir,
        "processed_folder": _broker_dir + "-processed",
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
OUTBOX_SWEEP_SECONDS = env.int("OUTBOX_SWEEP_SECONDS", default=60)
# A pending row older than this is considered lost by the broker and enqueued again.
OUTBOX_STALE_SECONDS = env.int("OUTBOX_STALE_SECONDS", default=120)
# Every task has soft and hard time limits of its own (in its decorator); these are the
# ceiling for any task that would forget them.
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
# Periodic work fans out one task per commune, each under a lock with an expiry
# (tenants.periodic): Redis when the broker is Redis, else a PostgreSQL advisory lock.
PERIODIC_LOCK_REDIS_URL = (
    CELERY_BROKER_URL
    if CELERY_BROKER_URL.startswith("redis")
    else env.str("PERIODIC_LOCK_REDIS_URL", default=None)
)
CELERY_BEAT_SCHEDULE = {
    "sweep-outbox": {
        "task": "tenants.tasks.sweep_outbox",
        "schedule": OUTBOX_SWEEP_SECONDS,
    },
    "expire-payment-holds": {"task": "booking.tasks.expire_holds", "schedule": 60},
    "close-attendance-days": {
        "task": "booking.tasks.close_attendance_days",
        "schedule": crontab(minute="*/15"),
    },
    "expire-waiting-offers": {"task": "booking.tasks.expire_waiting_offers", "schedule": 300},
    "reconcile-card-payments": {"task": "tipi.tasks.reconcile_payments", "schedule": 60},
    "clear-sessions": {
        "task": "tenants.tasks.clear_sessions",
        "schedule": crontab(hour=3, minute=30),
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# Behind the TLS proxy (deploy/): it sets X-Forwarded-Proto, and X-Forwarded-For for
# TRUSTED_PROXIES. `manage.py check --deploy` passes with DEBUG off.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # The proxy's and the orchestrator's health checks may come over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

# Content-Security-Policy (django-csp): scripts and styles from our own static files only,
# no inline script, no style attribute. Form posts that redirect to PayFiP are not limited
# (no form-action). The local Treasury simulator is a stand-in for another site: excluded.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/simulateur-payfip/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# PayFiP (tipi): the Treasury's card payment. A commune chooses only its numcli (régie),
# saisie mode and whether card payment is open (tipi back office); where the Treasury is
# belongs to the platform: these, never a commune's field.
PAYFIP_URL = env.str("PAYFIP_URL", default="https://www.payfip.gouv.fr").rstrip("/")
PAYFIP_TIMEOUT = env.float("PAYFIP_TIMEOUT", default=10.0)  # seconds, every SOAP call
# The local Treasury simulator at /simulateur-payfip/ (never in production). When enabled,
# every commune's payments go to it instead of PAYFIP_URL.
PAYFIP_SIMULATOR_ENABLED = env.bool("PAYFIP_SIMULATOR_ENABLED", default=DEBUG)
PAYFIP_SIMULATOR_URL = env.str(
    "PAYFIP_SIMULATOR_URL", default=PREAU_BASE_URL + "/simulateur-payfip"
).rstrip("/")
# Seconds before it POSTs the notification: 0 = at once, "never" = not at all (tests).
_notify_delay = env.str("PAYFIP_SIMULATOR_NOTIFY_DELAY", default="0")
PAYFIP_SIMULATOR_NOTIFY_DELAY = None if _notify_delay == "never" else float(_notify_delay)
PAYFIP_SIMULATOR_REDIS_URL = env.str(
    "PAYFIP_SIMULATOR_REDIS_URL",
    default=CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else REDIS_URL,
)
PAYFIP_SIMULATOR_KEY_PREFIX = "payfip-sim:"
PAYFIP_SIMULATOR_RETENTION_SECONDS = 7 * 24 * 3600
PAYFIP_SIMULATOR_FROM_EMAIL = "PayFiP <ne-pas-repondre@payfip.simulateur.invalid>"
# The régies the simulator knows (Collectivité, Comptable); others get generic labels.
PAYFIP_SIMULATOR_CLIENTS = {
    "012345": ["CLAIROIX", "REGIE REST SCOL CLAIROIX", ""],
    "012346": ["LES AGEUX", "REGIE REST SCOL LES AGEUX", ""],
}

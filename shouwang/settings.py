"""Settings for Shouwang. Everything a deployment changes comes from the environment."""

import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent


def env_rate(name: str, default: str) -> str:
    """A DRF throttle rate such as 1200/minute; a bad one fails at start, not at a request."""
    value = env_str(name, default)
    if not re.fullmatch(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)", value):
        raise ImproperlyConfigured(f"{name} must look like 1200/minute, not {value!r}")
    return value


DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG=0")
    SECRET_KEY = "insecure-development-key-only-for-debug"
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from static: county intranets are offline
    "shouwang.apps.LoginLockoutConfig",  # django-axes, named in Chinese
    "csp",
    "monitor",
    "households",
    "alerts",
    "visits",
    "survey",
    "casework",
    "reports",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves /static/ from STATIC_ROOT under gunicorn: a county server may have no other
    # web server. Right after SecurityMiddleware, so static files get its headers too.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads the request: a NUL in a path, query, form or cookie is a 400
    # here, not a 500 from PostgreSQL (monitor/requests.py).
    "monitor.requests.RefuseMalformedRequests",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "monitor.audit.AuditSourceMiddleware",
    # Cache-Control: no-store on every answer to a logged-in user (monitor/privacy.py).
    "monitor.privacy.NoStoreForUsers",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Content Security Policy (django-csp): everything comes from the project itself (no CDN,
# README.md). No inline script anywhere, so an injected <script> or onclick= never runs;
# the pages' scripts are files in static/js. Inline styles are allowed: ECharts writes
# its tooltips as HTML with style attributes and Swagger UI's page has a <style> block.
# data: images are Swagger UI's icons. No page may be framed (clickjacking).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

ROOT_URLCONF = "shouwang.urls"
WSGI_APPLICATION = "shouwang.wsgi.application"

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

# A web worker keeps its database connection between requests (DJANGO_DB_CONN_MAX_AGE
# seconds; 0 = a new one per request): PostgreSQL starts a process per connection, which
# cost more than the alert queue's own queries. Checked before reuse, so a restarted
# database costs one failed check, not a failed request.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DJANGO_DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "monitor.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "landing"  # by role: shouwang.views.landing
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login lockout (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one username
# from one address, that pair is refused for AXES_COOLOFF_TIME even with the right
# password, so a password cannot be guessed through the login page or the admin's. Each
# attempt made while locked starts the wait again. A successful login clears the count.
# An administrator unlocks early with `manage.py axes_reset_username NAME`. The address is
# REMOTE_ADDR: behind a proxy every client shares it, and the lock is then per username.
# The API's tokens and sessions never pass through authenticate(), so they are not counted.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out pair before any check
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("DJANGO_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("DJANGO_LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False  # not a line on every management command's output

# New and changed passwords are hashed with argon2; the others still verify, and are
# rehashed with argon2 at their next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# The pages show ID numbers and incomes: a session lasts a working day (DJANGO_SESSION_HOURS),
# its cookie is out of reach of scripts and is not sent along by other sites' forms.
SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_HOURS", 12) * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Needed only when a proxy in front changes the scheme, host or port the browser sees,
# e.g. https://shouwang.county.gov.cn:8443 (comma-separated).
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# `manage.py collectstatic` copies every file here (DJANGO_STATIC_ROOT) before gunicorn starts.
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# In production each file's name carries a hash of its content, so browsers keep it for
# a year (WhiteNoise) and fetch the new one after an upgrade; gzip copies are served too.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
                    if DEBUG else "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# In development WhiteNoise finds the files where they are; STATIC_ROOT need not exist.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = BASE_DIR / "media"

# Background work: unset broker = run in-process after commit (monitor.background).
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# Queueing happens inside a request, after its commit: with Redis down or half-open the
# publish must give up in seconds (the sweep below does the work later), not hang: a
# refused connection fails at once (one quick retry), an unanswered one after the 2 s
# socket timeout. The worker's BRPOP returns every second, well inside it.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 2}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0,
                                    "interval_step": 0.2, "interval_max": 0.2}
# Deadlines are days: an hourly run notices a missed one soon after midnight, and running
# it again changes nothing (alerts/escalation.py). Run `celery -A shouwang beat` for it.
CELERY_BEAT_SCHEDULE = {
    "escalate-overdue-alerts": {
        "task": "alerts.tasks.escalate_overdue_alerts",
        "schedule": 3600.0,
    },
    # Checks saved while Redis was down were committed but never queued: evaluate them
    # once it is back (alerts.engine.evaluate_pending). A sweep finding nothing costs one
    # indexed query; one left waiting behind a stopped worker is dropped, not piled up.
    "evaluate-pending-checks": {
        "task": "monitor.tasks.evaluate_pending_checks",
        "schedule": 300.0,
        "options": {"expires": 300.0},
    },
}

# Email for escalation notices: sent only when EMAIL_HOST is set (in-app notices always).
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_PORT = int(env_str("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "shouwang@localhost")

# The dashboard's figures are counted at most this often per place (reports/dashboard.py);
# the page shows when (统计时间). 0 counts them on every visit.
DASHBOARD_CACHE_SECONDS = env_int("DJANGO_DASHBOARD_CACHE_SECONDS", 120)

# Five-lists exports run in the background are written here (reports/exports.py).
EXPORT_ROOT = MEDIA_ROOT / "exports"
# Survey workbooks loaded from the 导入排查 page, with their error reports (survey/jobs.py).
# Like the exports, never served as files: only the job's page hands them out, by scope.
IMPORT_ROOT = MEDIA_ROOT / "imports"

# An API token works this many days after it is made (the user makes a new one on the
# 账号 page); a new password ends it at once (monitor/accounts.py).
API_TOKEN_DAYS = env_int("DJANGO_API_TOKEN_DAYS", 30)

REST_FRAMEWORK = {
    # Token first, so a request without valid credentials is a 401 with WWW-Authenticate.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "monitor.accounts.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # The API (monitor/api.py): ordering on every list, services' refusals as JSON with
    # field keys, and throttles so a leaked token cannot page through the registry.
    "EXCEPTION_HANDLER": "monitor.api.exception_handler",
    # JSON in: a check carries its members as a nested list, which forms cannot express.
    # monitor.requests.JSONParser refuses (400) JSON nested too deep and NULs.
    "DEFAULT_PARSER_CLASSES": ["monitor.requests.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        # A field app syncing a village is well under the user rate; raise it with
        # DJANGO_API_USER_RATE for a county system that pulls in bulk.
        "anon": env_rate("DJANGO_API_ANON_RATE", "60/minute"),
        "user": env_rate("DJANGO_API_USER_RATE", "1200/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "守望 Shouwang API",
    "VERSION": "0.1.0",
    "DESCRIPTION": (
        "防止返贫动态监测和帮扶：地区、农户、成员、排查、预警及其流转、一户一策、帮扶任务、"
        "五张清单与农户台账。所有查询按用户的工作范围限定：范围外的对象与不存在的对象一样回答 404。"
        "认证：会话或 `Authorization: Token <token>`（`manage.py drf_create_token 用户名`）。"
    ),
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and Swagger UI describe every route and field: open to anyone only on a
    # developer's machine; a county server shows them to logged-in users (session or token).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny" if DEBUG
                          else "rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Alerts, measures and tasks each have a `state` with their own words.
    "ENUM_NAME_OVERRIDES": {
        "AlertStateEnum": "alerts.models.State",
        "MeasureStateEnum": "alerts.models.MeasureState",
        "TaskStateEnum": "alerts.models.TaskState",
        "PlaceLevelEnum": "monitor.choices.PlaceLevel",
        "AlertLevelEnum": "alerts.models.Level",
    },
}

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Logs never contain an ID number or a phone number (monitor/privacy.py): every handler
# masks them. Django's own defaults give "django" a console handler and mail_admins (which
# mails the whole request) and "django.server" a handler writing request lines with their
# query strings; both are replaced here by filtered handlers. The Celery worker keeps this
# configuration instead of its own (shouwang/celery.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"personal_data": {"()": "monitor.privacy.PersonalDataFilter"}},
    "formatters": {
        "django.server": {"()": "django.utils.log.ServerFormatter",
                          "format": "[{server_time}] {message}", "style": "{"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["personal_data"]},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server",
                          "filters": ["personal_data"]},
    },
    "root": {"handlers": ["console"], "level": "INFO" if not DEBUG else "WARNING"},
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}

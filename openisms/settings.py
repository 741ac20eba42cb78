"""OpenISMS settings: twelve-factor, read from the environment.

Environment variables:
    OPENISMS_DATA_DIR   where the SQLite database, secret key, static files and uploads live
                        (default ``./var``)
    DATABASE_URL        e.g. ``postgres://user@127.0.0.1:5432/openisms`` (default: SQLite in
                        the data directory)
    SECRET_KEY          (or OPENISMS_SECRET_KEY) when absent, one is generated into the data
                        directory on first run
    OPENISMS_DEBUG      ``1`` to turn DEBUG on (never in production)
    OPENISMS_ALLOWED_HOSTS  comma separated (default ``127.0.0.1,localhost``)
    OPENISMS_HTTPS      ``1`` when served behind TLS: secure cookies, HSTS, SSL redirect
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent


def _env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DATA_DIR = Path(os.environ.get("OPENISMS_DATA_DIR", "var")).resolve()


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY") or os.environ.get("OPENISMS_SECRET_KEY")
    if key:
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(64))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_flag("OPENISMS_DEBUG")
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("OPENISMS_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]
TESTING = _env_flag("OPENISMS_TESTING")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks_db",
    "ninja",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "openisms.core",
    "openisms.accounts",
    "openisms.catalog",
    "openisms.assets",
    "openisms.risks",
    "openisms.controls",
    "openisms.governance",  # before soa: its demo obligations are reasons in the demo SoA
    "openisms.soa",
    "openisms.documents",
    "openisms.improvement",
    "openisms.incidents",
    "openisms.objectives",
    "openisms.people",
    "openisms.audits",
    "openisms.reviews",  # after audits: its inputs include audit results
    "openisms.readiness",  # after every domain app: its rules read them all
    "openisms.auditpack",
    "openisms.pdca",  # the PDCA calendar and reminders: reads every dated obligation
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "openisms.core.middleware.RequestIdMiddleware",
    "openisms.core.middleware.RequestSizeLimitMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "openisms.urls"
WSGI_APPLICATION = "openisms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "openisms.core.context_processors.shell",
            ],
        },
    }
]

# --- database -------------------------------------------------------------------------------
_default_db = f"sqlite:///{DATA_DIR / 'openisms.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(os.environ.get("DATABASE_URL") or _default_db, conn_max_age=0)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
            " PRAGMA foreign_keys=ON;"
        ),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Shared between every gunicorn worker (login throttling must hold across processes) and
# available on both databases without another service.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "openisms_cache",
    }
}

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# --- authentication -------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "openisms.accounts.backends.LoginBackend",
    "openisms.accounts.backends.OrganizationRoleBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

ACCOUNT_ADAPTER = "openisms.accounts.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_RATE_LIMITS = {
    # Failed logins per IP and per account; allauth keeps the counters in the shared cache.
    "login_failed": "10/m/ip,5/5m/key",
    "login": "30/m/ip",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "OpenISMS"

# Idle sessions expire: every request pushes the expiry forward.
SESSION_COOKIE_AGE = int(os.environ.get("OPENISMS_SESSION_IDLE_SECONDS", "1800"))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# --- security headers -----------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
if _env_flag("OPENISMS_HTTPS"):
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

# --- i18n, static ---------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if TESTING or DEBUG
            else "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = TESTING or DEBUG
MEDIA_ROOT = DATA_DIR / "files"

# --- Evidence ---------------------------------------------------------------------------------
# Files are stored content-addressed by SHA-256 here, outside the web root, and served only
# through a view that checks permission (openisms.controls.storage).
OPENISMS_EVIDENCE_ROOT = Path(os.environ.get("OPENISMS_EVIDENCE_ROOT", str(DATA_DIR / "evidence")))
OPENISMS_EVIDENCE_MAX_BYTES = int(os.environ.get("OPENISMS_EVIDENCE_MAX_MB", "50")) * 1024 * 1024
# Evidence whose validity ends within this many days is "expiring".
OPENISMS_EVIDENCE_EXPIRING_DAYS = int(os.environ.get("OPENISMS_EVIDENCE_EXPIRING_DAYS", "30"))
# Built audit packs (zip files, downloaded through a permission check only).
OPENISMS_AUDIT_PACK_ROOT = Path(
    os.environ.get("OPENISMS_AUDIT_PACK_ROOT", str(DATA_DIR / "audit-packs"))
)


# Mail (password resets, reminder digests): EMAIL_URL (smtp:// STARTTLS, smtps:// TLS,
# smtp+plain:// neither; user and password URL-encoded), else OPENISMS_EMAIL_HOST/PORT/USER/
# PASSWORD (STARTTLS), else written to files under the data directory to read.
def mailers_from_env(env: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    from urllib.parse import unquote, urlsplit

    if env.get("EMAIL_URL"):
        url = urlsplit(env["EMAIL_URL"])
        if url.scheme not in ("smtp", "smtps", "smtp+plain"):
            raise ValueError(f"EMAIL_URL: unknown scheme {url.scheme!r} (smtp, smtps, smtp+plain)")
        options: dict[str, Any] = {
            "host": url.hostname or "localhost",
            "port": url.port or (465 if url.scheme == "smtps" else 587),
            "username": unquote(url.username or ""),
            "password": unquote(url.password or ""),
            "use_tls": url.scheme == "smtp",
            "use_ssl": url.scheme == "smtps",
        }
    elif env.get("OPENISMS_EMAIL_HOST"):
        options = {
            "host": env["OPENISMS_EMAIL_HOST"],
            "port": int(env.get("OPENISMS_EMAIL_PORT", "587")),
            "username": env.get("OPENISMS_EMAIL_USER", ""),
            "password": env.get("OPENISMS_EMAIL_PASSWORD", ""),
            "use_tls": True,
        }
    else:
        return {
            "default": {
                "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
                "OPTIONS": {"file_path": str(DATA_DIR / "outbox")},
            }
        }
    return {
        "default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": options}
    }


MAILERS = mailers_from_env(os.environ)
DEFAULT_FROM_EMAIL = os.environ.get("OPENISMS_EMAIL_FROM", "openisms@localhost")
# Reminder digests: default lead times (days before a due date) and the site address in mails.
OPENISMS_REMINDER_LEAD_DAYS = os.environ.get("OPENISMS_REMINDER_LEAD_DAYS", "0,7,30")
OPENISMS_BASE_URL = os.environ.get("OPENISMS_BASE_URL", "").rstrip("/")

# --- API --------------------------------------------------------------------------------------
NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_PER_PAGE_SIZE = 200
# Token use is recorded in the audit trail at most once per token in this many seconds.
OPENISMS_TOKEN_USE_AUDIT_INTERVAL = 900

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("OPENISMS_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        # WeasyPrint logs every layout step of a PDF export at INFO, fontTools its subsetting.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

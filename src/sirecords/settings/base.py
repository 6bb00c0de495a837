"""Settings shared by every deployment, read from the environment."""

import os
from pathlib import Path

import dj_database_url

from sirecords.core.home import home


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def secret_key() -> str:
    """SECRET_KEY from the environment, else the file `sirecords init` writes (mode 0600)."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = home() / "keys" / "django-secret.key"
    if path.exists():
        return path.read_text().strip()
    # Not a usable key: the keys system check refuses to serve without `sirecords init`.
    return "insecure-missing-secret-run-sirecords-init"


def database() -> dict:
    url = os.environ.get("DATABASE_URL")
    if url:
        config = dj_database_url.parse(url, conn_max_age=60)
    else:
        home().mkdir(parents=True, exist_ok=True)
        config = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(home() / "sirecords.sqlite3")}
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # One writer at a time: every transaction takes the write lock when it begins,
        # so two appends can never interleave between reading the head and writing entries.
        config["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 30}
        config["TEST"] = {"NAME": str(home() / "test.sqlite3")} if os.environ.get("SIRECORDS_TEST_FILE_DB") else {}
    return config


SECRET_KEY = secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "sirecords.cli",  # before staticfiles: its runserver (keys required) takes precedence
    "django.contrib.staticfiles",
    "ninja",  # serves Swagger UI's own assets for /api/docs (the CSP forbids a CDN)
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "sirecords.ledger",
    "sirecords.registry",
    "sirecords.parameters",
    "sirecords.contributions",
    "sirecords.accounts",
    "sirecords.benefits",
    "sirecords.subsidies",
    "sirecords.users",
    "sirecords.workflow",
    "sirecords.records",
    "sirecords.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

ROOT_URLCONF = "sirecords.urls"
WSGI_APPLICATION = "sirecords.wsgi.application"

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
            ]
        },
    }
]

DATABASES = {"default": database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "UTC"
USE_I18N = True
LOCALE_PATHS = [str(Path(__file__).resolve().parent.parent / "locale")]  # src/sirecords/locale
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = os.environ.get("STATIC_ROOT")  # only for a front proxy serving them; see docs/operations.md
# Static files are few and small: WhiteNoise serves them from the app folders (no collectstatic to forget).
WHITENOISE_USE_FINDERS = True

# Authentication (第二十六条): argon2 hashes, a strong password policy, TOTP for every staff account,
# lockout after repeated failures, idle sessions expire.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher", "django.contrib.auth.hashers.PBKDF2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
OTP_TOTP_ISSUER = os.environ.get("SIRECORDS_TOTP_ISSUER", "sirecords")
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", 0.5))
# An account is locked whatever address the guesses come from. Not by address: the counters of an
# office share one address, and one clerk's typos must not lock out the whole hall (hence axes.W006).
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"
SESSION_SAVE_EVERY_REQUEST = True  # the 30-minute expiry counts from the last request: an idle timeout

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
SIRECORDS_MAX_ATTACHMENT_BYTES = int(os.environ.get("SIRECORDS_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024))
DATA_UPLOAD_MAX_MEMORY_SIZE = SIRECORDS_MAX_ATTACHMENT_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = SIRECORDS_MAX_ATTACHMENT_BYTES + 1024 * 1024

# Security: safe by default; the demo settings relax only what plain-HTTP localhost needs.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", 30 * 60))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31536000))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", False) else None
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = ["axes.W006"]  # see AXES_LOCKOUT_PARAMETERS

# Ledger identity: the origin line of signed checkpoints names this log.
SIRECORDS_LEDGER_ORIGIN = os.environ.get("SIRECORDS_LEDGER_ORIGIN", "sirecords.example/ledger")
SIRECORDS_REGION = os.environ.get("SIRECORDS_REGION", "440300")
# A signed checkpoint with every posting (0), with a posting when the last checkpoint is at least N seconds old (N),
# or only when `sirecords checkpoint` runs ("off"): docs/ledger.md.
_auto_checkpoint = os.environ.get("SIRECORDS_AUTO_CHECKPOINT_SECONDS", "0")
SIRECORDS_AUTO_CHECKPOINT_SECONDS = None if _auto_checkpoint == "off" else float(_auto_checkpoint)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

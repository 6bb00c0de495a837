"""Settings shared by every deployment, read from the environment."""

import json
import os
from pathlib import Path

import dj_database_url

from sirecords.core.database_url import DatabaseUrlError, redacted
from sirecords.core.database_url import parse as parse_database_url
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


def env_json(name: str, default):
    """A setting given as JSON in the environment, else `default`."""
    value = os.environ.get(name)
    return json.loads(value) if value else default


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
        # One host, or libpq's list of hosts for a failover cluster (core/database_url.py, docs/operations.md "Database
        # failover"). Health checks: a connection a failover broke is replaced at the next request's first query, not
        # kept for CONN_MAX_AGE seconds answering errors.
        config = parse_database_url(url, dj_database_url.parse, conn_max_age=60, conn_health_checks=True)
    else:
        home().mkdir(parents=True, exist_ok=True)
        config = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(home() / "sirecords.sqlite3")}
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # One writer at a time: every transaction takes the write lock when it begins,
        # so two appends can never interleave between reading the head and writing entries.
        # Write-ahead log: a commit is one append and one fsync of the log (not a rollback journal's several), and
        # readers (the web workers) never wait for the writer. synchronous=FULL keeps every commit durable.
        config["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 30,
                             "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL"}
        config["TEST"] = {"NAME": str(home() / "test.sqlite3")} if os.environ.get("SIRECORDS_TEST_FILE_DB") else {}
    return config


def replica_database() -> dict | None:
    """DATABASE_REPLICA_URL (the same forms as DATABASE_URL, typically the cluster's hosts with
    target_session_attrs=prefer-standby) as the `replica` alias, or None when it is not set. PostgreSQL only, and read
    only: its sessions start with default_transaction_read_only, so a write sent there by mistake is an error, never a
    write (databases/replica.py; docs/operations.md "High availability")."""
    url = os.environ.get("DATABASE_REPLICA_URL", "").strip()
    if not url:
        return None
    config = parse_database_url(url, dj_database_url.parse, conn_max_age=60, conn_health_checks=True)
    if config["ENGINE"] != "django.db.backends.postgresql":
        raise DatabaseUrlError(f"DATABASE_REPLICA_URL {redacted(url)}: a read replica is a PostgreSQL standby, not "
                               f"{config['ENGINE'].rsplit('.', 1)[-1]}")
    options = config.setdefault("OPTIONS", {})
    options["options"] = " ".join(filter(None, [options.get("options", ""), "-c default_transaction_read_only=on"]))
    config["TEST"] = {"MIRROR": "default"}  # a test run reads the test database through it, never creates one
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
    "django_ratelimit",  # its system checks: the "reads" cache must be shared and increment atomically
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
    "sirecords.crosschecks",
    "sirecords.disputes",
    "sirecords.regions",
    "sirecords.transfers",
    "sirecords.queries",
    "sirecords.portal",
    "sirecords.certificates",
    "sirecords.stats",
    "sirecords.applications",
    "sirecords.operations",
    "sirecords.api",  # its table api_idempotency: the answers kept for Idempotency-Key retries (api/models.py)
    "sirecords.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "sirecords.web.metrics.RequestCountMiddleware",  # every answer counted, redirects and refusals included
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files: answered here, cacheable
    "sirecords.web.nostore.NoStoreMiddleware",  # every other answer, the later middleware's too: no-store
    "sirecords.web.unavailable.DatabaseUnavailableMiddleware",  # a lost database connection: 503 + Retry-After
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "sirecords.web.uploads.RequestSizeLimitMiddleware",  # 413 by Content-Length, before the CSRF check reads the body
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
# Reads that may be a moment old (the statistics, the public certificate check, the bulk statements' records) from a
# standby when DATABASE_REPLICA_URL is set; without it they read `default` (databases/replica.py). The router sends
# nothing to the replica on its own, and no migration there.
_replica = replica_database()
if _replica is not None:
    DATABASES["replica"] = _replica
DATABASE_ROUTERS = ["sirecords.databases.replica.ReplicaRouter"]
# A request that meets a lost database connection (a failover) is answered 503 with Retry-After: this many seconds
# (api/errors.py, web/unavailable.py; docs/operations.md "Database failover: what the application does").
SIRECORDS_DATABASE_RETRY_AFTER_SECONDS = int(os.environ.get("SIRECORDS_DATABASE_RETRY_AFTER_SECONDS", 5))
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
# The staff backend is Django's ModelBackend for accounts whose credentials the ledger recorded (users/backends.py).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "sirecords.users.backends.StaffBackend",
                           "sirecords.portal.backends.PortalBackend"]  # insured persons and employers (issue #10)
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
AXES_RESET_ON_SUCCESS = True  # at login(), which only the second factor's success reaches (web/views/auth.py)
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"
SESSION_SAVE_EVERY_REQUEST = True  # the 30-minute expiry counts from the last request: an idle timeout
# What several app servers must share lives in the database they share (docs/operations.md, "Several app servers"):
# the sessions (Django's database backend, table django_session), django-axes' failure counts and lockouts (its
# database handler), the staff and portal API sessions (their own tables), and the read-limit counters (CACHES["reads"]
# below). Nothing shared is kept in a process's memory; CACHES["default"] holds nothing the project relies on.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
# The portal (issue #10): how long an activation code may be used; how long an API session token lives.
SIRECORDS_ACTIVATION_DAYS = int(os.environ.get("SIRECORDS_ACTIVATION_DAYS", 30))
SIRECORDS_PORTAL_TOKEN_SECONDS = int(os.environ.get("SIRECORDS_PORTAL_TOKEN_SECONDS", 900))
# A staff API session's token (POST /api/staff/session, users/api_sessions.py): 15 minutes to 8 hours.
SIRECORDS_STAFF_TOKEN_SECONDS = int(os.environ.get("SIRECORDS_STAFF_TOKEN_SECONDS", 3600))

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
# Uploads (finding 13 of issue 9): a request over the document limit plus SIRECORDS_UPLOAD_FORM_ROOM is refused
# by its Content-Length (413) before it is read; a file over the limit is counted, not kept, as it streams
# (sirecords/web/uploads.py); what arrives is parsed in full (workflow/scans.py) within the page and pixel limits.
SIRECORDS_MAX_ATTACHMENT_BYTES = int(os.environ.get("SIRECORDS_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024))
SIRECORDS_UPLOAD_FORM_ROOM = 1024 * 1024
SIRECORDS_MAX_DOCUMENT_PAGES = int(os.environ.get("SIRECORDS_MAX_DOCUMENT_PAGES", 500))
# A4 at 600 dpi is 35 million pixels; below Pillow's own bomb threshold (89 million), so that one never fires first.
SIRECORDS_MAX_IMAGE_PIXELS = int(os.environ.get("SIRECORDS_MAX_IMAGE_PIXELS", 50_000_000))
DATA_UPLOAD_MAX_MEMORY_SIZE = SIRECORDS_MAX_ATTACHMENT_BYTES + SIRECORDS_UPLOAD_FORM_ROOM
FILE_UPLOAD_MAX_MEMORY_SIZE = SIRECORDS_MAX_ATTACHMENT_BYTES + SIRECORDS_UPLOAD_FORM_ROOM
FILE_UPLOAD_HANDLERS = [
    "sirecords.web.uploads.AttachmentLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

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
# axes.W006: see AXES_LOCKOUT_PARAMETERS. django_ratelimit.W001 names any cache backend but memcached's and Redis's as
# "not officially supported": records/counters.py is ours, built for its atomic increments; its E003 (a cache known to
# be broken for it, such as Django's database cache) stays an error.
# security.W021 (SECURE_HSTS_PRELOAD off): HSTS is sent (one year, subdomains; by nginx in deploy/nginx/sirecords.conf,
# which hides this copy), but not "preload". The preload list takes only a registered domain (hstspreload.org: the
# header served on the apex, not on records.example.gov.cn), binds every subdomain of it to HTTPS in browsers for
# months after a withdrawal, and anyone may submit a domain whose header says "preload": the agency's decision for its
# whole domain, not this application's. Every other `check --deploy` warning is met (tests/test_security_scans.py).
SILENCED_SYSTEM_CHECKS = ["axes.W006", "django_ratelimit.W001", "security.W021"]

# Reading a person's record (第二十一条, 第二十二条; docs/reads.md). A read needs a purpose from this list: a code
# with its Chinese and English label, and whether it needs a reference (which case, application or transaction);
# the free-text detail is always required. SIRECORDS_READ_PURPOSES in the environment (JSON, same shape) replaces it.
SIRECORDS_READ_PURPOSES = env_json("SIRECORDS_READ_PURPOSES", {
    "counter": {"zh": "窗口查询（本人到场）", "en": "counter enquiry by the insured person", "reference": False},
    "transaction": {"zh": "经办业务", "en": "handling a business transaction", "reference": True},
    "phone": {"zh": "电话咨询（已核验身份）", "en": "phone enquiry, identity verified", "reference": False},
    "case": {"zh": "行政或司法机关依法查询（第十八条）", "en": "query by an administrative or judicial body (第十八条)",
             "reference": True},
    "application": {"zh": "单位书面申请查询（第十九条）", "en": "written application by another unit (第十九条)",
                    "reference": True},
    "dispute": {"zh": "权益记录异议处理", "en": "handling a dispute about the record", "reference": True},
    "supervision": {"zh": "监督检查（第三条）", "en": "supervision (第三条)", "reference": True},
    "counter_query": {"zh": "窗口查询（本人、受委托人或用人单位，第十五条）",
                      "en": "counter query for the person, a delegate or an employer (第十五条)", "reference": True},
})
# How long the web record page remembers a stated purpose for one person (minutes), so that paging through the
# years does not ask again; a new visit after that asks anew.
SIRECORDS_READ_PURPOSE_MINUTES = int(os.environ.get("SIRECORDS_READ_PURPOSE_MINUTES", 15))
# Read limits (第二十二条: no bulk reads). Distinct persons read per rolling hour and day, counted in the access
# log: "user" for a staff member (pages or API session), "token" for a service account's tokens together. Beyond
# them a read is refused (429 on the API) and supervisors see an alert. A busy counter serves a person every few
# minutes (15-20 an hour); the defaults leave three times that. "lookups" caps look-ups by ID number per caller,
# found or not; "probes" caps look-ups of numbers nobody is registered with (blind guessing), per caller; both
# are django-ratelimit rates ("count/period", period s, m, h or d). Override any key with SIRECORDS_READ_LIMITS
# in the environment (JSON).
SIRECORDS_READ_LIMITS = {
    "user": {"hour": 60, "day": 300},
    "token": {"hour": 120, "day": 600},
    "lookups": "30/m",
    "probes": "20/h",
    **env_json("SIRECORDS_READ_LIMITS", {}),
}
# The request-rate counters (django-ratelimit) live in a cache shared by every worker with atomic increments: by
# default records/counters.py's counters in this database (table records_rate_counter; Django's database cache is not
# atomic); SIRECORDS_RATE_CACHE_URL names a Redis server instead (needs the redis package). Never the per-process
# memory cache.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},  # unused by the project: per process
    "reads": ({"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["SIRECORDS_RATE_CACHE_URL"]}
              if os.environ.get("SIRECORDS_RATE_CACHE_URL") else
              {"BACKEND": "sirecords.records.counters.CounterCache"}),
}
RATELIMIT_USE_CACHE = "reads"

# Ledger identity: the origin line of signed checkpoints names this log.
SIRECORDS_LEDGER_ORIGIN = os.environ.get("SIRECORDS_LEDGER_ORIGIN", "sirecords.example/ledger")
SIRECORDS_REGION = os.environ.get("SIRECORDS_REGION", "440300")
# The demo's two pooling regions (README: a transfer between two demo regions): region code → (the region's name, its
# agency's name), the defaults of SIRECORDS_REGION_NAME and SIRECORDS_AGENCY_NAME when the environment sets neither.
# Another region has the first demo region's agency name unless SIRECORDS_AGENCY_NAME names its own.
DEMO_REGIONS = {"440300": ("深圳市", "深圳市社会保险基金管理局（演示）"), "510100": ("成都市", "成都市社会保险事业管理局（演示）")}
# A signed checkpoint with every posting (0), with a posting when the last checkpoint is at least N seconds old (N),
# or only when `sirecords checkpoint` runs ("off"): docs/ledger.md.
_auto_checkpoint = os.environ.get("SIRECORDS_AUTO_CHECKPOINT_SECONDS", "0")
SIRECORDS_AUTO_CHECKPOINT_SECONDS = None if _auto_checkpoint == "off" else float(_auto_checkpoint)

# Certificates and statements (issue 11, docs/certificates.md): the agency named on them, its seal image (a PNG or JPEG
# the agency provides; unset: a red round seal drawn from the name), and the public address their QR code points to
# (+ /v/<code>).
SIRECORDS_AGENCY_NAME = os.environ.get("SIRECORDS_AGENCY_NAME", DEMO_REGIONS.get(SIRECORDS_REGION, DEMO_REGIONS["440300"])[1])
# The pooling region's name as `sirecords regions self` publishes it to other regions (docs/transfers.md): a demo
# region's own name (深圳市, 成都市), else the agency's.
SIRECORDS_REGION_NAME = os.environ.get("SIRECORDS_REGION_NAME", DEMO_REGIONS[SIRECORDS_REGION][0] if SIRECORDS_REGION in
                                       DEMO_REGIONS else SIRECORDS_AGENCY_NAME)
SIRECORDS_AGENCY_SEAL = os.environ.get("SIRECORDS_AGENCY_SEAL", "")
SIRECORDS_PUBLIC_URL = os.environ.get("SIRECORDS_PUBLIC_URL", "http://127.0.0.1:8000")

# Prometheus metrics at /metrics (docs/deployment.md): a scrape carries `Authorization: Bearer <this token>`; unset,
# only a scrape from the server itself (loopback, not through the proxy) is answered.
SIRECORDS_METRICS_TOKEN = os.environ.get("SIRECORDS_METRICS_TOKEN", "")
# Prometheus scrapes gunicorn directly on 127.0.0.1:8001 (deploy/gunicorn.conf.py), in plain HTTP: not redirected.
SECURE_REDIRECT_EXEMPT = [r"^metrics$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# De-identified statistics (第十七条, sirecords.stats): a cell resting on fewer persons than the minimum is withheld,
# and so is a sum where one person's part exceeds the dominance percentage. Callers may ask for a larger minimum, or a
# smaller one down to the floor (never below 5: engine/disclosure_control.py MIN_CELL_FLOOR).
SIRECORDS_STATS_MIN_CELL = int(os.environ.get("SIRECORDS_STATS_MIN_CELL", 10))
SIRECORDS_STATS_MIN_CELL_FLOOR = int(os.environ.get("SIRECORDS_STATS_MIN_CELL_FLOOR", 5))
SIRECORDS_STATS_DOMINANCE_PERCENT = int(os.environ.get("SIRECORDS_STATS_DOMINANCE_PERCENT", 85))

# Cross-checks (第五条, docs/crosscheck.md): working days (Monday to Friday) a clerk has to resolve a discrepancy of
# each kind; "default" for the kinds not named. JSON in SIRECORDS_CROSSCHECK_DUE_DAYS overrides any key.
SIRECORDS_CROSSCHECK_DUE_DAYS = {
    "default": 20,  # a stop event is reported within 20 working days (RULES-REFERENCE: 经办条例)
    "pensioner_died": 5, "pensioner_imprisoned": 5, "payment_returned": 5, "death_revoked": 5,
    **env_json("SIRECORDS_CROSSCHECK_DUE_DAYS", {}),
}

# Disputes of the record (第十六条, docs/disputes.md): working days (Monday to Friday) the agency gives itself to answer
# a request to verify the record. Agency policy: the regulation sets no time limit.
SIRECORDS_DISPUTE_DUE_DAYS = int(os.environ.get("SIRECORDS_DISPUTE_DUE_DAYS", 15))

# Public holidays (core/workdays.py, parameters/holidays.py): the calendar the agency's working-day deadlines skip — the
# State Council's arrangements with the weekend days worked in their place (调休). Empty: the file shipped with the
# project (src/sirecords/parameters/holidays/CN.toml, the years it lists); a path: another file of the same form.
SIRECORDS_HOLIDAYS_FILE = os.environ.get("SIRECORDS_HOLIDAYS_FILE", "")

# Transfers between regions (第十条, docs/transfers.md): working days (the holiday calendar above) each awaited step of a
# transfer is due in, counted from the day the step before it was posted. 15: each side's time limit in 国办发〔2009〕66号
# 第八条 (later provincial practice shortens it).
SIRECORDS_TRANSFER_DUE_DAYS = int(os.environ.get("SIRECORDS_TRANSFER_DUE_DAYS", 15))

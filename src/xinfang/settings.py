"""Settings for xinfang, driven by environment variables (see .env.example)."""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

import environ

from xinfang.core.config import (
    database_config,
    new_field_key,
    new_secret_key,
    public_site_url,
    secret_from_data_dir,
)

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent

env = environ.Env()
environ.Env.read_env(PROJECT_DIR / ".env", overwrite=False)

DATA_DIR = Path(env.str("XINFANG_DATA_DIR", default=str(PROJECT_DIR / "var"))).resolve()
DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
if DATA_DIR.stat().st_uid == os.getuid():
    DATA_DIR.chmod(0o700)  # the database, media, keys of the embedded default: owner only
# The category suggester's model file (trained from the system's own cases; see
# workflow/category_suggester.py). Absent until the first training: the panel says so.
SUGGESTER_MODEL_PATH = Path(
    env.str("XINFANG_SUGGESTER_MODEL", default=str(DATA_DIR / "suggester.model"))
).resolve()


SECRET_KEY = env.str("SECRET_KEY", default="") or secret_from_data_dir(
    DATA_DIR, "secret_key", new_secret_key
)
TESTING = "pytest" in sys.modules or os.environ.get("XINFANG_TESTING") == "1"
# The field-encryption key ring (core/keyring.py, README "Keys"): a ring file that
# `xinfang keys rotate` maintains, else FIELD_ENCRYPTION_KEYS ("2:hex,1:hex", first is
# primary), else the single FIELD_ENCRYPTION_KEY (key "1"). In production keep them outside
# the data directory; only the embedded default generates its key (and ring) beside it.
FIELD_ENCRYPTION_KEYS = env.str("FIELD_ENCRYPTION_KEYS", default="")
FIELD_ENCRYPTION_KEY = env.str("FIELD_ENCRYPTION_KEY", default="") or (
    ""
    if FIELD_ENCRYPTION_KEYS
    else secret_from_data_dir(DATA_DIR, "field_encryption_key", new_field_key)
)
_keys_from_env = bool(env.str("FIELD_ENCRYPTION_KEY", default="") or FIELD_ENCRYPTION_KEYS)
FIELD_KEY_RING_FILE = env.str(
    "XINFANG_KEY_RING_FILE",
    default="" if TESTING or _keys_from_env else str(DATA_DIR / "field_key_ring.json"),
)
# The key that encrypts backups (64 hex characters), or a file holding it; never in the data
# directory (`xinfang backup --new-key FILE`, docs/deployment.md).
BACKUP_KEY = env.str("BACKUP_KEY", default="")
BACKUP_KEY_FILE = env.str("BACKUP_KEY_FILE", default="")
# Keys the hash chain of every case's history: without it a chain cannot be rebuilt to pass.
HISTORY_KEY = env.str("HISTORY_KEY", default="") or secret_from_data_dir(
    DATA_DIR, "history_key", new_field_key
)

DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "treebeard",
    "django_htmx",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "huey.contrib.djhuey",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "xinfang.core",
    "xinfang.units",
    "xinfang.petitions",
    "xinfang.workflow",
    "xinfang.ledger",
    "xinfang.audit",
    "xinfang.notifications",
    "xinfang.prevention",
    "xinfang.accountability",
    "xinfang.analytics",
    "xinfang.backlog",
    "xinfang.portal",
    "xinfang.textmining",
    "xinfang.api",
    "xinfang.site",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # 503 (not 500) when the database does not answer; no-store on what may be personal.
    "xinfang.core.middleware.DatabaseUnavailableMiddleware",
    "xinfang.core.middleware.NoStoreMiddleware",
    # Per-request facts about the user (visible units, own unit paths): core/memo.py.
    "xinfang.core.memo.RequestMemoMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Where each request came from, for the record of who read which case (audit/reads.py).
    "xinfang.audit.reads.ReadOriginMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Idle and absolute session limits; the second factor for those who must (units/signin.py).
    "xinfang.units.middleware.SignInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "xinfang.core.csp.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]
# A cookie-less request to the API with `Authorization: Token …` (core/handlers.py): no
# session, CSRF, second factor, messages, htmx or sign-in lockout to consult, so none of
# their middleware; everything else in MIDDLEWARE, in the same order.
API_TOKEN_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "xinfang.core.middleware.DatabaseUnavailableMiddleware",
    "xinfang.core.middleware.NoStoreMiddleware",
    "xinfang.core.memo.RequestMemoMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "xinfang.audit.reads.ReadOriginMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "xinfang.core.csp.CSPMiddleware",
]

ROOT_URLCONF = "xinfang.urls"
WSGI_APPLICATION = "xinfang.wsgi.application"

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
                "xinfang.site.context_processors.site",
                "xinfang.workflow.context_processors.calendar_banner",
            ],
        },
    },
]

DATABASES = {
    "default": database_config(
        env.str("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'xinfang.sqlite3'}"),
        # Tests open connections from threads; persistent ones would outlive the test database.
        conn_max_age=0 if TESTING else env.int("CONN_MAX_AGE", default=60),
    )
}
_PG_OPTIONS = []
if "postgresql" in DATABASES["default"]["ENGINE"]:
    # No JIT: the indicators' one aggregate query carries many correlated EXISTS, which the
    # planner prices far above jit_above_cost; compiling it took 2.5 s of a 2.6 s city-year
    # query at 20,000 cases (EXPLAIN ANALYZE, bench_indicators), the query itself 80 ms.
    _PG_OPTIONS.append("-c jit=off")
if TESTING and DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not shared-cache memory: concurrent tests then see real SQLite locking (WAL and
    # busy_timeout), as production does.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-{os.getpid()}.sqlite3")}
elif TESTING:
    # Tests only: a commit returns without waiting for its WAL flush to disk. The test
    # databases are thrown away, and nothing a test checks depends on durability (a crash of
    # PostgreSQL mid-run fails the run anyway); every transactional test's flush, every
    # commit of a thread or of the live server otherwise waits for an fsync.
    _PG_OPTIONS.append("-c synchronous_commit=off")
if _PG_OPTIONS:
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "options": " ".join(_PG_OPTIONS),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "units.Staff"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    # Hashing is not under test; a fast hasher keeps the suite quick.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# django-axes (core/throttle.py): a username is locked after AXES_FAILURE_LIMIT failures,
# an address after AXES_IP_FAILURE_LIMIT (higher: a petition office shares one NAT address),
# each for AXES_COOLOFF_MINUTES; and when more than SIGNIN_SPRAY_LIMIT failures across all
# usernames fall in SIGNIN_SPRAY_WINDOW_MINUTES (password spraying), an address with any
# failure in that window is refused until the window passes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_IP_FAILURE_LIMIT = env.int("AXES_IP_FAILURE_LIMIT", default=20)
# (AXES_COOLOFF_HOURS, the earlier name, still read.)
AXES_COOLOFF_TIME = timedelta(
    minutes=env.int(
        "AXES_COOLOFF_MINUTES", default=round(env.float("AXES_COOLOFF_HOURS", default=0.5) * 60)
    )
)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "xinfang.core.throttle.SignInAxesHandler"
AXES_LOCKOUT_CALLABLE = "xinfang.core.throttle.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
SIGNIN_SPRAY_LIMIT = env.int("SIGNIN_SPRAY_LIMIT", default=50)
SIGNIN_SPRAY_WINDOW_MINUTES = env.int("SIGNIN_SPRAY_WINDOW_MINUTES", default=10)
SILENCED_SYSTEM_CHECKS = [
    # Covering indexes (INCLUDE) exist on PostgreSQL; SQLite builds them without the extras.
    "models.W040",
]

# The second factor (django-otp: TOTP and recovery codes). Staff holding one of these roles
# (and superusers) must enrol an authenticator at their first sign-in and give its code at
# every sign-in and to the API token endpoint; others may enrol, and then must give it too.
# Empty (OTP_REQUIRED_ROLES=) makes it optional for everyone.
OTP_REQUIRED_ROLES = env.list("OTP_REQUIRED_ROLES", default=["admin", "leader", "supervisor"])
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="信访事项办理平台")
OTP_RECOVERY_CODES = 10
# A signed-in session ends after this many minutes without a request, and in any case
# SESSION_COOKIE_AGE seconds after the sign-in.
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
# Attachments and generated documents hold personal data: owner only (core/files.py).
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_MB", default=20) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if TESTING or DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Tests and DEBUG serve straight from the source folders; production from collectstatic.
WHITENOISE_USE_FINDERS = TESTING or DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
# HTTPS=true behind TLS (docs/deployment.md): secure cookies, HSTS, redirect to https.
HTTPS = env.bool("HTTPS", default=False)
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if HTTPS:
    # nginx terminates TLS and sets X-Forwarded-Proto (deploy/nginx/xinfang.conf): trust it only
    # there, never on a port clients reach directly.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Health probes from a load balancer may come over plain HTTP on the private network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

# django-csp 4: everything is vendored, so the policy can be strict.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        # Inline style attributes (progress bars, chart sizes); scripts stay strict.
        "style-src": ["'self'", "'unsafe-inline'"],
        "script-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

REDIS_URL = env.str("REDIS_URL", default="")
# Tests run jobs in-process unless a test starts a real worker.
# 积案 proposals (backlog/proposals.py): a matter petitioned this many times (the first case and
# its repeats), open this many days past its limit, or repeated after termination.
BACKLOG_REPEAT_COUNT = env.int("BACKLOG_REPEAT_COUNT", default=3)
BACKLOG_OVERDUE_DAYS = env.int("BACKLOG_OVERDUE_DAYS", default=30)

HUEY_IMMEDIATE = env.bool("HUEY_IMMEDIATE", default=TESTING)
# `xinfang serve`'s job worker is replaced by a fresh fork after a job leaves it holding more
# than this much memory of its own, in MiB (site/webserver.py).
JOB_WORKER_MAX_MIB = env.float("XINFANG_JOB_WORKER_MAX_MIB", default=20.0)
if REDIS_URL:
    import redis

    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": env.str("HUEY_NAME", default="xinfang"),
        "immediate": HUEY_IMMEDIATE,
        # A pool with timeouts, so an unreachable Redis fails fast instead of hanging a page.
        "connection": {
            "connection_pool": redis.ConnectionPool.from_url(
                REDIS_URL, socket_connect_timeout=2, socket_timeout=10
            )
        },
        "consumer": {"workers": env.int("HUEY_WORKERS", default=2), "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "xinfang",
        "filename": str(DATA_DIR / "huey.sqlite3"),
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": env.int("HUEY_WORKERS", default=2), "worker_type": "thread"},
    }

# Rate limits and other short-lived shared state: Redis when configured, else files in the data
# directory (shared by every process on this machine).
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "xinfang",
            # Fail fast when Redis is down: the rate limiter then counts in the database.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / ("cache-test" if TESTING else "cache")),
            # Django's default of 300 entries culls a random third of the files once passed:
            # rate-limit counters would vanish mid-window and a limit could be walked around by
            # filling the cache (a flaky phone-limit test on CI showed it).
            "OPTIONS": {"MAX_ENTRIES": env.int("FILE_CACHE_MAX_ENTRIES", default=100_000)},
        }
    }

# How long an API token lives; after that the client asks for a new one.
API_TOKEN_TTL_HOURS = env.int("API_TOKEN_TTL_HOURS", default=24)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "xinfang.api.tokens.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # Bounded: at most API_MAX_PAGE_SIZE rows a page, JSON at most API_MAX_JSON_DEPTH deep
    # and DATA_UPLOAD_MAX_MEMORY_SIZE big (core/bounds.py).
    "DEFAULT_PAGINATION_CLASS": "xinfang.core.bounds.BoundedPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_PARSER_CLASSES": [
        "xinfang.core.bounds.BoundedJSONParser",
        "xinfang.core.bounds.BoundedFormParser",
        "xinfang.core.bounds.BoundedMultiPartParser",
    ],
    "EXCEPTION_HANDLER": "xinfang.api.errors.exception_handler",
    # `Accept: application/json` answered without parsing it (core/negotiation.py).
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "xinfang.core.negotiation.PlainAcceptNegotiation",
}
API_MAX_PAGE_SIZE = 200
# The ledger and the API's case lists count their cases exactly up to this many (more: 超过…件,
# core.bounds.CappedCountPagination's count_exact false).
LIST_COUNT_CAP = env.int("LIST_COUNT_CAP", default=1000)
# Lanes (this process and forked ones, a connection each) the hourly deadline scan sends its
# batches on at once (PostgreSQL; 1: one by one).
DEADLINE_SCAN_WORKERS = env.int("DEADLINE_SCAN_WORKERS", default=2)
API_MAX_JSON_DEPTH = 20
SPECTACULAR_SETTINGS = {
    "TITLE": "xinfang API",
    "DESCRIPTION": "信访事项办理平台 REST API v1",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and docs map every endpoint: for signed-in staff (session or token) only.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "xinfang.api.schema.error_responses_hook",
    ],
    # Swagger UI from the installed sidecar package: no CDN on government intranets.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choice sets of the same field name in several apps get names of their own (otherwise
    # drf-spectacular names them by a hash, e.g. Kind65fEnum); tests/api/test_schema.py fails
    # on any schema warning, so `check --deploy` runs the schema check too.
    "ENUM_NAME_OVERRIDES": {
        "AccountabilityKindEnum": "xinfang.accountability.models.Kind",
        "AccountabilityStatusEnum": "xinfang.accountability.models.Status",
        "BacklogEntryStatusEnum": "xinfang.backlog.models.BacklogEntry.Status",
        "CapitalVisitEnum": "xinfang.petitions.models.CapitalVisit",
        "CaseNoteKindEnum": "xinfang.workflow.models.CaseNote.Kind",
        "ExportKindEnum": "xinfang.ledger.models.LedgerExport.Kind",
        "RatingLevelEnum": "xinfang.portal.models.Rating.Level",
        "SupervisionLevelEnum": "xinfang.workflow.models.SupervisionOrder.Level",
    },
}

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="xinfang@localhost")
# Text messages to petitioners (notifications/sms.py): the dotted path of the gateway class.
# The default sends nothing: messages stay in the admin's 短信发件箱 and the log.
SMS_GATEWAY = env.str("SMS_GATEWAY", default="xinfang.notifications.sms.OutboxGateway")
# The address links in emails and Open311 answers point to: required on a public site.
SITE_URL = public_site_url(
    env.str("SITE_URL", default=""),
    debug=DEBUG,
    allowed_hosts=ALLOWED_HOSTS,
    csrf_trusted_origins=CSRF_TRUSTED_ORIGINS,
    secure_cookies=SESSION_COOKIE_SECURE,
    port=env.int("PORT", default=8000),
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # An ordinary 403 logs its line without a traceback (core/logfilters.py).
    "filters": {"no_403_traceback": {"()": "xinfang.core.logfilters.NoTracebackOnForbidden"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
    "loggers": {
        # The worker (run_huey) gives the "huey" logger a handler of its own; without this
        # every line of the worker would be printed twice.
        "huey": {"propagate": False},
        "django.request": {"filters": ["no_403_traceback"]},
    },
}

# The public site and Open311 (portal app).
PORTAL_TITLE = env.str("PORTAL_TITLE", default="")
PORTAL_RATING_WINDOW_DAYS = env.int("PORTAL_RATING_WINDOW_DAYS", default=30)
# Accountability (责任追究): a petition registered later than this many working days after
# it was received is proposed as 未及时登记 (local practice; R22 Arts.22-23, 44).
ACCOUNTABILITY_REGISTER_WITHIN_DAYS = env.int("ACCOUNTABILITY_REGISTER_WITHIN_DAYS", default=3)
PORTAL_ATTACHMENT_MAX_BYTES = env.int("PORTAL_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
# Who read what (audit/reads.py): how long each read is kept (the Cybersecurity Law's
# Art.21 asks for network logs of at least six months; 0 keeps them for ever), and when the
# nightly job tells the admins about unusual reading: a day above FACTOR times the reader's
# own median day of the last 30 (once they have MIN_DAYS days of reading) or their peers'
# (same role in the same unit, at least MIN_PEERS of them), and at least FLOOR cases.
AUDIT_READ_RETENTION_DAYS = env.int("AUDIT_READ_RETENTION_DAYS", default=365)
AUDIT_UNUSUAL_FACTOR = env.float("AUDIT_UNUSUAL_FACTOR", default=3.0)
AUDIT_UNUSUAL_PEER_FACTOR = env.float("AUDIT_UNUSUAL_PEER_FACTOR", default=3.0)
AUDIT_UNUSUAL_FLOOR = env.int("AUDIT_UNUSUAL_FLOOR", default=100)
AUDIT_UNUSUAL_MIN_DAYS = env.int("AUDIT_UNUSUAL_MIN_DAYS", default=5)
AUDIT_UNUSUAL_MIN_PEERS = env.int("AUDIT_UNUSUAL_MIN_PEERS", default=3)
PORTAL_TRUSTED_PROXIES = env.int("PORTAL_TRUSTED_PROXIES", default=0)
OPEN311_RECEIVING_UNIT_CODE = env.str("OPEN311_RECEIVING_UNIT_CODE", default="")
OPEN311_SERVICE_TYPE = env.str("OPEN311_SERVICE_TYPE", default="realtime")
OPEN311_JURISDICTION_ID = env.str("OPEN311_JURISDICTION_ID", default="")

# Password used by `xinfang demo` for every demo account.
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="xinfang2026")
# The authenticator secret (base32) `xinfang demo` enrols for the demo accounts that need a
# second factor; the verification page of such an account shows its current code.
DEMO_TOTP_SECRET = env.str("DEMO_TOTP_SECRET", default="XINFANGDEMOTWOZEROTWOSIXAAAAAAAA")
# How many of ../shared/data/messages_hot.csv's newest messages the demo imports as online
# petitions of 东城街道 for the hot topics, when that file is there (0: none; none in tests).
DEMO_MESSAGES = env.int("DEMO_MESSAGES", default=0 if TESTING else 400)

"""Settings of the CTN application, read from the environment.

Development defaults are safe: DEBUG is off unless asked for, and a missing SECRET_KEY is an
error unless DEBUG is on. See README.md for every variable.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name, default=""):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set in the environment when DEBUG is off "
            "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    # A known key is harmless with DEBUG on, which is never the case in production.
    SECRET_KEY = "django-insecure-development-only-key"  # noqa: S105  # nosec B105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# The CSRF refusal, or the "file too large" page for a body refused unread (ctn/uploads.py).
CSRF_FAILURE_VIEW = "ctn.views.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "csp",
    "simple_history",
    "pgtrigger",
    "ctn",
    "participants",
    "sessions.apps.SessionsConfig",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # The language chosen on the profile, when there is one, over the browser's.
    "participants.language.ProfileLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # The audit trail: who made each change (django-simple-history), and the refusals.
    "simple_history.middleware.HistoryRequestMiddleware",
    "reports.audit.RefusalAuditMiddleware",
    # Django's, its storage made only when a message is added or read.
    "ctn.messages.LazyMessageMiddleware",
    # An empty 405 (require_POST…) becomes the French page in the site's layout.
    "ctn.error_pages.NotAllowedPageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out log-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ctn.urls"
WSGI_APPLICATION = "ctn.wsgi.application"

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
                "ctn.context_processors.current_user",
            ],
        },
    },
    {
        # The few partials that Django's template language would make slow (ctn/jinja2.py).
        "NAME": "jinja2",
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "APP_DIRS": True,  # <app>/jinja2/
        "OPTIONS": {"environment": "ctn.jinja2.environment"},
    },
]
# Forms render through the templates above: templates/django/forms/ overrides a widget's.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(env("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several workers on one SQLite file (README): readers never wait for the writer (WAL), a
    # transaction takes the write lock when it begins (IMMEDIATE: it cannot fail half-way to
    # upgrade a read lock) and a writer waits up to 20 s for its turn instead of failing with
    # "database is locked". synchronous=NORMAL is durable in WAL mode but for the last
    # transactions before a power cut, never corrupt.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        **DATABASES["default"].get("OPTIONS", {}),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    # django-axes' lockout check first, then the ordinary user-name and password check (whose
    # lookup of the logged-in user on each request also reads their roles: ctn/roles.py).
    "ctn.security.LoginAttemptBackend",
    "ctn.roles.RolesModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Django gives a new session key at log-in (cycle_key); the session ends with the browser or
# after SESSION_COOKIE_AGE seconds (8 hours by default: one working day).
SESSION_COOKIE_AGE = int(env("SESSION_COOKIE_AGE", str(8 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Sessions are read on every request: kept in the database and in the shared "sessions" cache,
# so that a page makes no session query and a log-out ends the session in every worker (and,
# with Redis, on every server) at once. cached_db rather than the cache engine: the database
# keeps every session, so a Redis that is down, restarted or full logs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_CACHE_ALIAS = "sessions"
CACHE_DIR = Path(env("CACHE_DIR", str(BASE_DIR / ".cache")))
# Several servers (README): REDIS_URL puts the shared caches in Redis, which every server
# reaches; without it they are files under CACHE_DIR, shared by the workers of one machine.
REDIS_URL = env("REDIS_URL")
# The shared caches are optional and belong to one database (ctn/cache_backends.py): a failing
# cache (full disk, files it may not write, Redis down) is logged once and the pages are served
# without it, the sessions from the database alone; every key carries the database's identity.
FAIL_SAFE_CACHE = "ctn.cache_backends.FailSafeCache"
FILE_CACHE = "ctn.cache_backends.FileCache"


def shared_cache(name, max_entries, timeout=300, redis_url=REDIS_URL, cache_dir=CACHE_DIR):
    """The shared cache `name`: in Redis with REDIS_URL (its keys prefixed by `name`: both
    caches live in one Redis database, evicted by Redis's own memory policy), else in files
    under CACHE_DIR/<name>, at most `max_entries` of them."""
    if redis_url:
        return {
            "BACKEND": FAIL_SAFE_CACHE,
            "WRAPPED_BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": name,
            "TIMEOUT": timeout,
            # A Redis that does not answer within a second is a miss, not a page left waiting.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    return {
        "BACKEND": FAIL_SAFE_CACHE,
        "WRAPPED_BACKEND": FILE_CACHE,
        "LOCATION": str(Path(cache_dir) / name),
        "TIMEOUT": timeout,
        "OPTIONS": {"MAX_ENTRIES": max_entries},
    }


CACHES = {
    # Django wants a default cache; CTN keeps nothing of its own there (ctn/cache.py).
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "sessions": shared_cache("sessions", max_entries=20000),
    # What ctn/cache.py keeps (whole pages, change stamps, downloads' look-ups), shared by the
    # workers and kept out of their memory.
    "pages": shared_cache("pages", max_entries=5000, timeout=24 * 3600),
    # Each worker's memory: the PDFs of record it has checked (ctn/cache.py, PDF), a few MB.
    "pdfs": {
        "BACKEND": "ctn.cache_backends.BytesMemoryCache",
        "LOCATION": "pdfs",
        "OPTIONS": {"MAX_ENTRIES": 8},
    },
}

# Log-in protection (django-axes). Partner offices share one mobile address, so a lockout is
# keyed on the user name and the address together: one person's typos lock neither their
# colleagues behind the same address nor themselves elsewhere.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = int(env("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(env("AXES_COOLOFF_MINUTES", "30")))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "ctn.security.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_CLIENT_IP_CALLABLE = "ctn.security.client_ip"

# HTTPS. The application is served behind a reverse proxy that terminates TLS and sets
# X-Forwarded-Proto (and appends to X-Forwarded-For). BEHIND_HTTPS_PROXY=1 says so and turns on
# the HTTPS redirect, HSTS and secure cookies; without it (development, tests, a benchmark on
# http://127.0.0.1) they stay off and `check --deploy` warns. Each can still be set alone.
BEHIND_HTTPS_PROXY = env_bool("BEHIND_HTTPS_PROXY", False)
HTTPS_ONLY = BEHIND_HTTPS_PROXY and not DEBUG
if BEHIND_HTTPS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Number of trusted proxies in front of the application, to find the client's address.
PROXY_COUNT = int(env("PROXY_COUNT", "1" if BEHIND_HTTPS_PROXY else "0"))
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS_ONLY)
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", str(365 * 24 * 3600) if HTTPS_ONLY else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", HTTPS_ONLY)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", HTTPS_ONLY)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = env("SECURE_REFERRER_POLICY", "same-origin")
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): only the project's own static files; no inline script
# or style anywhere (templates keep them in static/), no plugin, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

LANGUAGE_CODE = "fr"
# The interface speaks French or English (the profile's choice, else the browser's); the
# documents of record are always rendered in French (reports/pdf.py).
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
TIME_ZONE = "Africa/Bamako"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "ctn@localhost")
# The site's address as users reach it, for the links in e-mails and calendar feeds.
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# A calendar link (/calendar.ics?token=…) stops working this many days after it was created.
CALENDAR_TOKEN_MAX_AGE = int(env("CALENDAR_TOKEN_MAX_AGE", "365"))
# Annexes (presentations, documents): largest file accepted, in megabytes. Uploads above
# FILE_UPLOAD_MAX_MEMORY_SIZE go to a temporary file, not to memory; the form fields of a
# request stay capped by DATA_UPLOAD_MAX_MEMORY_SIZE. The reverse proxy should cap the request
# body a little above ANNEX_MAX_SIZE (README).
ANNEX_MAX_SIZE = int(env("ANNEX_MAX_SIZE_MB", "20")) * 1024 * 1024
# The verification page (/reports/verify/, anonymous) takes a PDF of record: a session filled
# to every limit of the forms prints under 1 MB (bench/limits_preview.py); 5 MB leaves margin.
VERIFY_MAX_SIZE = int(env("VERIFY_MAX_SIZE_MB", "5")) * 1024 * 1024
# A committee's logo, printed in the letterhead of its documents: an image of a few hundred KB.
LOGO_MAX_SIZE = int(env("LOGO_MAX_SIZE_MB", "1")) * 1024 * 1024
# Its pixels at most: a small file may still decompress into a huge image.
LOGO_MAX_PIXELS = 4000 * 4000
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# A file over its limit is refused from the request's Content-Length, before the body is read
# (ctn/uploads.py); the views that take a file set their limit, ANNEX_MAX_SIZE elsewhere.
FILE_UPLOAD_HANDLERS = [
    "ctn.uploads.UploadLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# A PDF is rendered in a forked worker stopped after this many seconds, or when it needs more
# than this many megabytes of memory: a pathological document fails cleanly (reports/pdf.py).
PDF_RENDER_TIMEOUT = int(env("PDF_RENDER_TIMEOUT", "120"))
PDF_RENDER_MEMORY_MB = int(env("PDF_RENDER_MEMORY_MB", "1024"))
# The committee's certificate, which signs every PDF of record at validation (reports/
# signing.py): a PKCS#12 file (.p12/.pfx) and its passphrase, given here or, better, as the first
# line of SIGNING_PKCS12_PASSPHRASE_FILE. Without one a validation fails, except with DEBUG on,
# where the self-signed demo certificate of `manage.py make_demo_certificate` (written in
# DEMO_CERTIFICATE_DIR by `make run`) signs.
SIGNING_PKCS12_FILE = env("SIGNING_PKCS12_FILE")
SIGNING_PKCS12_PASSPHRASE = env("SIGNING_PKCS12_PASSPHRASE")
SIGNING_PKCS12_PASSPHRASE_FILE = env("SIGNING_PKCS12_PASSPHRASE_FILE")
DEMO_CERTIFICATE_DIR = Path(env("DEMO_CERTIFICATE_DIR", str(BASE_DIR / ".demo-certificate")))

# Reminders (manage.py send_reminders, run daily): each responsible organization's contacts get
# one digest of their open recommendations due within REMINDER_DUE_WITHIN_DAYS days or overdue,
# at most once every REMINDER_PERIOD_DAYS days.
REMINDER_DUE_WITHIN_DAYS = int(env("REMINDER_DUE_WITHIN_DAYS", "14"))
REMINDER_PERIOD_DAYS = int(env("REMINDER_PERIOD_DAYS", "7"))

# Ordinals as the committee writes them ("18ème"); "e" gives the strict typographic "18e".
CTN_ORDINAL_SUFFIX = env("CTN_ORDINAL_SUFFIX", "ème")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["stdout"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint logs every rendering step at INFO; fontTools and axes are chatty too.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

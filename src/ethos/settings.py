"""Django settings for Ethos, read from the environment and parsed strictly.

Every variable a user may set is listed in the README. A bad value stops start-up with a
message that names the variable, because a records system must never run half-configured.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from ethos.addresses import is_site_address

BASE_DIR = Path(__file__).resolve().parent


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip()


def env_bool(name: str, default: bool = False) -> bool:
    value = env_str(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    raise ImproperlyConfigured(f"{name} must be 'true' or 'false', not {value!r}.")


def env_int(name: str, default: int, *, minimum: int = 1, maximum: int = 10**6) -> int:
    value = env_str(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None
    if not minimum <= number <= maximum:
        raise ImproperlyConfigured(f"{name} must be between {minimum} and {maximum}, not {number}.")
    return number


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env_str(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {value!r}.")
    return value


ETHOS_ENV = env_choice("ETHOS_ENV", "local", ("local", "production"))
PRODUCTION = ETHOS_ENV == "production"
DEBUG = env_bool("ETHOS_DEBUG", default=False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("ETHOS_DEBUG cannot be true when ETHOS_ENV is production.")

ETHOS_DATA_DIR = Path(env_str("ETHOS_DATA_DIR", "./var")).resolve()
# Every file Ethos creates (the database and its -wal and -shm, the keys, backups) is for its
# owner alone, whatever umask the shell or service manager started us with; SQLite gives the
# -wal and -shm files the database file's mode.
os.umask(0o077)
ETHOS_IDLE_MINUTES = env_int("ETHOS_IDLE_MINUTES", 15, minimum=1, maximum=24 * 60)
# Sessions end after this many hours however active they are, so a forgotten browser on a
# shared computer does not stay signed in for ever.
ETHOS_SESSION_MAX_HOURS = env_int("ETHOS_SESSION_MAX_HOURS", 12, minimum=1, maximum=24 * 7)

# Deliberately slow costs (Argon2 for passphrases and key derivation) may be lowered for the
# test suite only. Production refuses it outright.
ETHOS_INSECURE_FAST_KDF = env_bool("ETHOS_INSECURE_FAST_KDF", default=False)
if PRODUCTION and ETHOS_INSECURE_FAST_KDF:
    raise ImproperlyConfigured("ETHOS_INSECURE_FAST_KDF cannot be true when ETHOS_ENV is production.")


def _secret_key() -> str:
    """Return SECRET_KEY from the environment, or in local mode from the data directory."""
    given = env_str("SECRET_KEY")
    if given:
        if PRODUCTION and len(given) < 50:
            raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters in production.")
        return given
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when ETHOS_ENV is production.")
    from ethos.secretfile import read_or_create

    return read_or_create(ETHOS_DATA_DIR / "secret_key", lambda: secrets.token_urlsafe(64))


SECRET_KEY = _secret_key()

_hosts = env_str("ALLOWED_HOSTS")
if _hosts:
    ALLOWED_HOSTS = [host.strip() for host in _hosts.split(",") if host.strip()]
elif PRODUCTION:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when ETHOS_ENV is production.")
else:
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]


def _base_url() -> str | None:
    """Return ETHOS_BASE_URL, the address people type, checked: https in production."""
    value = env_str("ETHOS_BASE_URL")
    if value is None:
        return None
    if not is_site_address(value):
        raise ImproperlyConfigured(
            f"ETHOS_BASE_URL must be an address such as https://ethos.example.org, not {value!r}."
        )
    if PRODUCTION and urlsplit(value).scheme != "https":
        raise ImproperlyConfigured(f"ETHOS_BASE_URL must start with https:// in production, not {value!r}.")
    return value.rstrip("/")


ETHOS_BASE_URL = _base_url()

# The TLS-terminating reverse proxy (nginx, Caddy) in front of `ethos run`: the one address it
# connects from, and the headers it sets. waitress believes those headers from that peer only
# and deletes them from every other request, so a spoofed X-Forwarded-Proto changes nothing.
PROXY_HEADERS = ("x-forwarded-proto", "x-forwarded-for", "x-forwarded-host", "x-forwarded-port", "forwarded")


def _trusted_proxy() -> str | None:
    value = env_str("ETHOS_TRUSTED_PROXY")
    if value is None:
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise ImproperlyConfigured(
            "ETHOS_TRUSTED_PROXY must be the one IP address the reverse proxy connects from "
            f"(such as 127.0.0.1), not {value!r}."
        ) from None


def _trusted_proxy_headers(proxy: str | None) -> tuple[str, ...]:
    value = env_str("ETHOS_TRUSTED_PROXY_HEADERS")
    if value is None:
        return ("x-forwarded-proto", "x-forwarded-for") if proxy else ()
    if proxy is None:
        raise ImproperlyConfigured("ETHOS_TRUSTED_PROXY_HEADERS means nothing without ETHOS_TRUSTED_PROXY.")
    headers = tuple(dict.fromkeys(h.strip().lower() for h in value.split(",") if h.strip()))
    if not headers or set(headers) - set(PROXY_HEADERS):
        raise ImproperlyConfigured(
            f"ETHOS_TRUSTED_PROXY_HEADERS must list some of {', '.join(PROXY_HEADERS)}, not {value!r}."
        )
    if "forwarded" in headers and len(headers) > 1:
        raise ImproperlyConfigured(
            "ETHOS_TRUSTED_PROXY_HEADERS must be either forwarded or X-Forwarded-* headers, not both."
        )
    if PRODUCTION and not {"x-forwarded-proto", "forwarded"} & set(headers):
        # Without the scheme every request looks like plain http and is redirected for ever.
        raise ImproperlyConfigured(
            "ETHOS_TRUSTED_PROXY_HEADERS must include x-forwarded-proto (or forwarded) in production."
        )
    return headers


ETHOS_TRUSTED_PROXY = _trusted_proxy()
ETHOS_TRUSTED_PROXY_HEADERS = _trusted_proxy_headers(ETHOS_TRUSTED_PROXY)
# How many proxies in a chain (a CDN, then nginx) add to X-Forwarded-For and are believed.
ETHOS_TRUSTED_PROXY_COUNT = env_int("ETHOS_TRUSTED_PROXY_COUNT", 1, minimum=1, maximum=10)
if "x-forwarded-proto" in ETHOS_TRUSTED_PROXY_HEADERS:
    # waitress already set wsgi.url_scheme from it; Django reads the same header under any server.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# waitress rewrites Host from a trusted X-Forwarded-Host itself, so USE_X_FORWARDED_HOST stays off.
# The browser's Origin is https://<the proxy's name>; the Host the proxy passes on normally
# matches it, and ETHOS_BASE_URL covers a proxy that passes another.
CSRF_TRUSTED_ORIGINS = [ETHOS_BASE_URL] if ETHOS_BASE_URL else []

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "ethos.accounts",
    "ethos.vault",
    "ethos.audit",
    "ethos.standards",
    "ethos.practice",
    "ethos.referrals",
    "ethos.clients",
    "ethos.coaching",
    "ethos.safeguarding",
    "ethos.money",
    "ethos.portal",
    "ethos.certification",
    "ethos.certification.cases",
    "ethos.language",
    # Above every domain app, imported by none: `ethos demo` builds a fictional practice through them.
    "ethos.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    # Before anything reads the body (sessions, CSRF, forms).
    "ethos.web.BodyLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After whitenoise, which answers for static files itself: those stay cacheable.
    "ethos.accounts.middleware.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "ethos.accounts.middleware.SessionLifetimeMiddleware",
    "ethos.accounts.middleware.IdleTimeoutMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "ethos.accounts.middleware.VaultMiddleware",
    "ethos.web.RoleMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "ethos.urls"
WSGI_APPLICATION = "ethos.wsgi.application"

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
                "ethos.navigation.navigation",
                "ethos.navigation.audit_watch",
                "ethos.safeguarding.context.reports_due",
            ],
            # The `date` filter and the `url` tag, cheap for plain English formats and for links
            # by record id, with the same output as Django's (ethos/dates.py, ethos/links.py), and
            # the site header's account part written in Python (ethos/navigation.py).
            "builtins": ["ethos.dates", "ethos.links", "ethos.navigation"],
        },
    },
]


def _database() -> dict:
    import dj_database_url

    url = env_str("DATABASE_URL")
    if url is None:
        ETHOS_DATA_DIR.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{ETHOS_DATA_DIR / 'ethos.sqlite3'}"
    try:
        config = dj_database_url.parse(url, conn_max_age=0)
    except ValueError as error:
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL we understand: {error}") from None
    engine = config["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        # Django's SQLite backend with a cheaper placeholder rewrite (ethos/sqlite/base.py).
        config["ENGINE"] = "ethos.sqlite"
        config["OPTIONS"] = {
            # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at
            # BEGIN so two writers queue on the busy timeout instead of failing mid-transaction.
            "transaction_mode": "IMMEDIATE",
            "timeout": 10,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
        # Test databases are files too (not Django's in-memory default), so the tests can
        # look at exactly the bytes a stolen disk would hold.
        # The process id keeps concurrent test runs on one machine apart.
        config["TEST"] = {"NAME": str(ETHOS_DATA_DIR / f"test_ethos_{os.getpid()}.sqlite3")}
    elif engine == "django.db.backends.postgresql":
        config.setdefault("OPTIONS", {})
    else:
        raise ImproperlyConfigured("DATABASE_URL must point at SQLite or PostgreSQL.")
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:sign_in"
LOGIN_REDIRECT_URL = "home"

# People without a vault are hashed at the vault's Argon2id cost, so every sign-in takes one and
# the same Argon2 run; a coach's passphrase is checked by their wrapped account key, no hash.
PASSWORD_HASHERS = [
    "ethos.accounts.hashers.FastArgon2PasswordHasher"
    if ETHOS_INSECURE_FAST_KDF
    else "ethos.accounts.hashers.VaultCostArgon2PasswordHasher",
    "ethos.accounts.hashers.VaultKeyHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # zxcvbn's score 4: an estimated 10^10 guesses or more (see the validator for why 4).
    {"NAME": "ethos.accounts.validators.PassphraseStrengthValidator", "OPTIONS": {"min_score": 4}},
]

# Failed sign-ins: this many in a row lock the account for ETHOS_LOCKOUT_MINUTES.
ETHOS_LOCKOUT_FAILURES = env_int("ETHOS_LOCKOUT_FAILURES", 5, minimum=2, maximum=100)
ETHOS_LOCKOUT_MINUTES = env_int("ETHOS_LOCKOUT_MINUTES", 15, minimum=1, maximum=24 * 60)
ETHOS_INVITATION_HOURS = 72
# Passphrase derivations (one Argon2id run each: 64 MiB, four lanes) run this many at once per
# process, one per core by default; the others wait their turn, in order
# (ethos.vault.services.derivation_turn).
ETHOS_PASSPHRASE_CHECKS = env_int("ETHOS_PASSPHRASE_CHECKS", os.cpu_count() or 2, maximum=64)
# Each coach's signed checkpoint goes to the journal in ETHOS_DATA_DIR at most once per this
# many seconds of activity (and always at sign-out, backup and report export); 0 writes one per
# committed change.
ETHOS_JOURNAL_SECONDS = env_int("ETHOS_JOURNAL_SECONDS", 60, minimum=0, maximum=3600)

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = ETHOS_SESSION_MAX_HOURS * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_SECURE = PRODUCTION
CSRF_FAILURE_VIEW = "ethos.views.csrf_failure"

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("ETHOS_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# A strict policy: everything from this origin, no inline script or style, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    },
}

# C3: a mandatory report is due within this many hours of the coach learning of the abuse. 24 is
# the conservative default; a jurisdiction's shorter deadline (practice.jurisdictions) wins, and
# nothing may lengthen it.
ETHOS_REPORT_DEADLINE_HOURS = env_int("ETHOS_REPORT_DEADLINE_HOURS", 24, minimum=1, maximum=24)

# Whole request bodies, file parts included, are capped: waitress refuses a larger one before
# reading it, and ethos.web.BodyLimitMiddleware answers 413 under any server. The client portal
# will take uploads, hence a setting; at most 100 MB since an accepted upload is held in memory.
ETHOS_MAX_BODY_MB = env_int("ETHOS_MAX_BODY_MB", 2, minimum=1, maximum=100)
ETHOS_MAX_BODY_BYTES = ETHOS_MAX_BODY_MB * 1024 * 1024
# A file a client sends their coach from the portal: its own limit, above the body limit above for
# that one form only (ethos.web.allow_body).
ETHOS_UPLOAD_MAX_MB = env_int("ETHOS_UPLOAD_MAX_MB", 10, minimum=1, maximum=100)
ETHOS_UPLOAD_MAX_BYTES = ETHOS_UPLOAD_MAX_MB * 1024 * 1024
# The non-file parts of a body: bigger ones get the 400 page before any view sees them.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Django keeps an upload within the cap in memory, not in a named file in /tmp for its lifetime.
FILE_UPLOAD_MAX_MEMORY_SIZE = max(ETHOS_MAX_BODY_BYTES, ETHOS_UPLOAD_MAX_BYTES + 64 * 1024)
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
DATA_UPLOAD_MAX_NUMBER_FIELDS = 500

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("ETHOS_TIME_ZONE", "UTC")
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# No STATIC_ROOT: whitenoise serves the files straight from the apps (no collectstatic step).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Plain storage: whitenoise serves files straight from the apps (no collectstatic step),
    # so the same `ethos run` works on a laptop and a server.
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Email: only reminders to the coach for now, and they name no client. The console backend
# prints them where `ethos run` logs; SMTP sends them through the practice's own mail server.
ETHOS_EMAIL = env_choice("ETHOS_EMAIL", "console", ("console", "smtp"))
EMAIL_BACKEND = f"django.core.mail.backends.{ETHOS_EMAIL}.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("ETHOS_EMAIL_FROM", "Ethos <ethos@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env_int("ETHOS_EMAIL_TIMEOUT", 20, minimum=1, maximum=300)
if ETHOS_EMAIL == "smtp":
    EMAIL_HOST = env_str("ETHOS_EMAIL_HOST")
    if EMAIL_HOST is None:
        raise ImproperlyConfigured("ETHOS_EMAIL_HOST must be set when ETHOS_EMAIL is smtp.")
    EMAIL_PORT = env_int("ETHOS_EMAIL_PORT", 587, minimum=1, maximum=65535)
    EMAIL_HOST_USER = env_str("ETHOS_EMAIL_USER", "")
    # A secret: from the environment only, never defaulted to anything but "no password".
    EMAIL_HOST_PASSWORD = env_str("ETHOS_EMAIL_PASSWORD", "")
    # starttls (port 587) or tls (port 465, TLS from the first byte); plain text only when asked.
    _email_security = env_choice("ETHOS_EMAIL_SECURITY", "starttls", ("starttls", "tls", "none"))
    if PRODUCTION and _email_security == "none":
        raise ImproperlyConfigured("ETHOS_EMAIL_SECURITY cannot be none when ETHOS_ENV is production.")
    EMAIL_USE_TLS = _email_security == "starttls"
    EMAIL_USE_SSL = _email_security == "tls"

# Background jobs (reminders) go through django-tasks' database backend: the queue is a table in
# Ethos's own database, so there is no broker to run. `ethos worker` runs them (see the README).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Hours before a session that the coach's reminder goes out; 0 sends none.
ETHOS_REMINDER_HOURS = env_int("ETHOS_REMINDER_HOURS", 24, minimum=0, maximum=24 * 7)

# P2: a session the coach starts more than this many minutes late, or closes more than this many
# minutes before its end, costs the client nothing.
ETHOS_LATE_START_MINUTES = env_int("ETHOS_LATE_START_MINUTES", 10, minimum=1, maximum=120)
ETHOS_CUT_SHORT_MINUTES = env_int("ETHOS_CUT_SHORT_MINUTES", 10, minimum=1, maximum=120)

# Complaints and ethics cases (ethos.certification.cases, E1). A complaint about events older than
# the time limit is outside the association's remit; the coach has ETHOS_CASE_RESPONSE_DAYS to
# answer one; either party has ETHOS_CASE_APPEAL_DAYS from a decision to appeal. What the public
# verification page shows of a final sanction is the association's policy: revocations and
# suspensions, every sanction (never a dismissal), or none.
ETHOS_COMPLAINT_TIME_LIMIT_DAYS = env_int("ETHOS_COMPLAINT_TIME_LIMIT_DAYS", 730, minimum=30, maximum=3650)
ETHOS_CASE_RESPONSE_DAYS = env_int("ETHOS_CASE_RESPONSE_DAYS", 30, minimum=7, maximum=365)
ETHOS_CASE_APPEAL_DAYS = env_int("ETHOS_CASE_APPEAL_DAYS", 30, minimum=7, maximum=365)
ETHOS_PUBLISH_SANCTIONS = env_choice(
    "ETHOS_PUBLISH_SANCTIONS",
    "revocation_and_suspension",
    ("revocation_and_suspension", "all_sanctions", "none"),
)
# The public complaint form takes at most this many complaints an hour from one network address.
ETHOS_COMPLAINTS_PER_HOUR = env_int("ETHOS_COMPLAINTS_PER_HOUR", 5, minimum=1, maximum=1000)

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

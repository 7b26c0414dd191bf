"""Django settings for Ethos, read from the environment and parsed strictly.

Every variable a user may set is listed in the README. A bad value stops start-up with a
message that names the variable, because a records system must never run half-configured.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

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

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "ethos.accounts",
    "ethos.vault",
    "ethos.audit",
    "ethos.standards",
    "ethos.practice",
    "ethos.referrals",
    "ethos.clients",
    "ethos.language",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
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
            ],
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

PASSWORD_HASHERS = [
    "ethos.accounts.hashers.FastArgon2PasswordHasher"
    if ETHOS_INSECURE_FAST_KDF
    else "django.contrib.auth.hashers.Argon2PasswordHasher",
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

# Failed sign-ins: this many in a row lock the account for ETHOS_LOCKOUT_MINUTES.
ETHOS_LOCKOUT_FAILURES = env_int("ETHOS_LOCKOUT_FAILURES", 5, minimum=2, maximum=100)
ETHOS_LOCKOUT_MINUTES = env_int("ETHOS_LOCKOUT_MINUTES", 15, minimum=1, maximum=24 * 60)
ETHOS_INVITATION_HOURS = 72

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
    # Behind a TLS-terminating reverse proxy that sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

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

# Bodies bigger than this are refused before any view sees them.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
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

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

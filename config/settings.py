"""Accord's settings: one file; whatever differs between machines comes from the environment."""

from ipaddress import ip_network
from pathlib import Path

import django_stubs_ext
import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from config.mailers import mailer_from_url
from config.secret import development_secret_key

# Lets generic classes such as ModelForm[User] be written at run time too.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

# A development key is allowed only while DEBUG is on, one per checkout, made on first start and
# kept in var/ (never committed); production refuses to start without one.
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=true for local development).")
    SECRET_KEY = development_secret_key(BASE_DIR / "var" / "secret_key")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
# Where links in emails, exports and the calendar point. In development, where `make run` serves
# (HOST and PORT) unless told otherwise.
_host = env.str("HOST", default="127.0.0.1") if DEBUG else "127.0.0.1"
_port = env.int("PORT", default=8000) if DEBUG else 8000
_served_at = f"http://{f'[{_host}]' if ':' in _host else _host}:{_port}"
SITE_URL = env.str("SITE_URL", default=_served_at).rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

# Proxies (addresses or CIDR ranges) whose X-Forwarded-For and X-Forwarded-Proto are believed;
# none unless set. See ClientAddressMiddleware.
try:
    TRUSTED_PROXIES = [
        ip_network(entry, strict=False) for entry in env.list("TRUSTED_PROXIES", default=[])
    ]
except ValueError as error:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES: {error}") from error

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",  # allauth's list of passkeys loads it
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "accounts",
    "agreements",
    "live",
    "notifications",
    "checkins",
    "records",
]

MIDDLEWARE = [
    # First: who the client is, before anything counts or redirects by it.
    "config.middleware.ClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise, so static files keep their own lifetimes.
    "config.middleware.PrivatePagesMiddleware",
    # Pages are about a twentieth of their size gzipped. BREACH: see "Performance" in README.md.
    "config.middleware.GZipPagesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: a SQLite file by default; on PostgreSQL, psycopg 3 with its connection pool.
# Under ASGI Django advises against persistent connections, so CONN_MAX_AGE stays 0.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = 0
# With the pool this makes it check a connection before handing it out, so one the server
# closed (a restart of PostgreSQL) is replaced instead of failing the request that gets it.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so a test can share its database with a server process it starts.
    # Named after the database, so two checkouts' (or two runs') test databases never meet.
    _stem = Path(DATABASES["default"]["NAME"]).stem
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / f"test_{_stem}.sqlite3")}
    # Several people writing at once: each transaction takes the write lock when it starts
    # (a read turned write cannot wait for it, and fails), a writer waits up to 20 s for
    # another to finish, and with the write-ahead log readers never wait for writers.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        transaction_mode="IMMEDIATE",
        timeout=20,
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    from config.db import check_connection

    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN", default=2),
        "max_size": env.int("DATABASE_POOL_MAX", default=10),
        # How long a request waits for a connection before it gets an error page: long enough
        # to ride out a restart of PostgreSQL, short enough that an outage does not hang pages.
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=5.0),
        # CONN_HEALTH_CHECKS' check, which also clears out the pool after a restart.
        "check": check_connection,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's, reading an unreachable Redis as a miss (see config/cache.py).
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "accord",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Accounts: our own user model, email login through django-allauth.
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_REDIRECT_URL = "home"
LOGIN_URL = "account_login"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# Every email's subject starts with it: allauth's (templates/account/email/) and our reminders'.
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Accord] "
# allauth's forms with our labels; its pages and emails are ours under templates/.
ACCOUNT_FORMS = {
    "login": "accounts.allauth_forms.LoginForm",
    "signup": "accounts.allauth_forms.SignupForm",
    "change_password": "accounts.allauth_forms.ChangePasswordForm",
    "set_password": "accounts.allauth_forms.SetPasswordForm",
    "reset_password_from_key": "accounts.allauth_forms.ResetPasswordKeyForm",
    "reauthenticate": "accounts.allauth_forms.ReauthenticateForm",
    "reset_password": "accounts.allauth_forms.ResetPasswordForm",
    "add_email": "accounts.allauth_forms.AddEmailForm",
}
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"
# allauth merges these with its defaults (signup 20/m/ip, password reset 20/m/ip and 5/m/key, ...).
# Any 20 login attempts a minute from one address get a 429; 5 failures for one email within
# five minutes lock that email out of password logins for the rest of the window. An address is
# REMOTE_ADDR, as ClientAddressMiddleware settled it (so ALLAUTH_TRUSTED_PROXY_COUNT and
# ALLAUTH_TRUSTED_CLIENT_IP_HEADER stay unset: they would read the client's own headers).
ACCOUNT_RATE_LIMITS = {
    "login": "20/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
}
# Passkeys (WebAuthn) sign in on their own, or stand as the second step after a password.
# Browsers accept http only on localhost (never an IP address as the site's name), so while
# DEBUG the server accepts a plain-http origin; in production the origin must be https.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
MFA_FORMS = {"add_webauthn": "accounts.passkeys.AddPasskeyForm"}
MFA_TOTP_ISSUER = "Accord"

# Internationalization: every string is marked; the user's language and time zone apply per request.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("de", _("German")),
    ("es", _("Spanish")),
    ("fr", _("French")),
    ("nl", _("Dutch")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Development serves straight from static/ (whitenoise's finders); production from collectstatic.
STATIC_ROOT = None if DEBUG else BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Email: consolemail:// prints, smtp://user:pass@host:587/?tls=True sends, filemail:///path writes.
MAILERS = {"default": mailer_from_url(env.str("EMAIL_URL", default="consolemail://"))}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Accord <accord@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security. Everything the page loads comes from this host; scripts need our nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    # Behind a TLS-terminating proxy, its word on https; only TRUSTED_PROXIES' reaches here.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Celery: Redis in production; without REDIS_URL a filesystem broker that needs no server.
CELERY_TASK_ALWAYS_EAGER = False
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
else:
    _broker_dir = BASE_DIR / "var" / "broker"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "dispatch-reminders": {"task": "notifications.dispatch_reminders", "schedule": 60.0},
    "open-check-ins": {"task": "checkins.open_due", "schedule": 15 * 60.0},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"invitation_tokens": {"()": "config.logs.HideInvitationTokens"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["invitation_tokens"]},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Django's request warnings also reach its own console handler (in development): the
    # record is cleaned where it is made.
    "loggers": {"django.request": {"filters": ["invitation_tokens"]}},
}

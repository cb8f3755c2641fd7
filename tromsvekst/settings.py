"""Settings for the Tromsvekst portal, read from environment variables (see README)."""

import os
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from tromsvekst.accounts.providers import providers_from_env
from tromsvekst.lib.env import database_from_url, envbool, envint, envjson, envlist, envstr

BASE_DIR = Path(__file__).resolve().parent.parent

# pytest (which sets PYTEST_VERSION) runs with the defaults of a local run: a throwaway secret
# key, no HTTPS redirect, plain static files. pytest-django still runs the tests with DEBUG off.
# Everywhere else DEBUG is off unless the environment says "True".
TESTING = "PYTEST_VERSION" in os.environ
DEBUG = envbool("DEBUG", "True" if TESTING else "False")

if DEBUG:
    SECRET_KEY = envstr("SECRET_KEY", "django-insecure-local-development-only")
else:
    SECRET_KEY = envstr("SECRET_KEY")
    if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure"):
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 random characters.")

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
for origin in CSRF_TRUSTED_ORIGINS:
    if not origin.startswith(("https://", "http://")):
        raise ImproperlyConfigured(
            f"CSRF_TRUSTED_ORIGINS entries must start with https://, not {origin!r}."
        )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # Django's own widget templates, for the form renderer below (TemplatesSetting).
    "django.forms",
    "django_htmx",
    "template_partials",
    "csp",
    "axes",
    # The second factor: time-based codes (TOTP) and recovery codes (tromsvekst/accounts/mfa.py).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "agreements",
    "actionplans",
    "evaluation",
    "tromsvekst.operations",
    "tromsvekst.audit",
    "tromsvekst.accounts",
]
# The example data (manage.py load_demo, which `make run` uses); DEMO=False leaves it out.
if envbool("DEMO", "True"):
    INSTALLED_APPS.append("tromsvekst.demo")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Cache-Control: private, no-store on every response to a signed-in person.
    "tromsvekst.middleware.PrivatePagesMiddleware",
    # Records the request's user as the author of every change to the domain data (audit log).
    "tromsvekst.audit.context.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "tromsvekst.lib.access.LoginNeededMiddleware",
    # Last, as django-axes asks: it turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tromsvekst.urls"
# Every form renders its fields with templates/components/field.html and Designsystemet's classes.
FORM_RENDERER = "tromsvekst.lib.forms.PortalRenderer"
WSGI_APPLICATION = "tromsvekst.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    },
]

DATABASES = {
    "default": database_from_url(
        envstr("DATABASE_URL", "sqlite:///var/tromsvekst.sqlite3"), BASE_DIR
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "tromsvekst.accounts.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    # Refuses a login while its username and address are locked out, before the password is
    # even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling: after AXES_FAILURE_LIMIT wrong passwords for one username from one address,
# that pair is locked out for AXES_COOLOFF_MINUTES; a good login clears the count.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", "5")
AXES_COOLOFF_TIME = timedelta(minutes=envint("AXES_COOLOFF_MINUTES", "15"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "tromsvekst.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "tromsvekst.lib.security.client_ip"
AXES_HTTP_RESPONSE_CODE = 429
# How many reverse proxies sit in front of the portal and append to X-Forwarded-For (0: none);
# the client's address for throttling is the entry that many places from the right.
TRUSTED_PROXY_COUNT = envint(
    "TRUSTED_PROXY_COUNT", "1" if envbool("BEHIND_PROXY", "False") else "0"
)

# A password link (forgotten password, or the invitation of a new user) works for three days.
PASSWORD_RESET_TIMEOUT = 3 * 24 * 60 * 60

# Single sign-on with OpenID Connect (tromsvekst/accounts/oidc.py, README «Single sign-on»):
# OIDC_PROVIDERS=entra,ansattporten and OIDC_<NAME>_ISSUER, _CLIENT_ID, _CLIENT_SECRET, _LABEL,
# _SCOPES, _SUBJECT_CLAIM, _EMAIL_DOMAINS per provider; none by default.
OIDC_PROVIDERS = providers_from_env()
OIDC_ORIGINS = sorted({provider.origin for provider in OIDC_PROVIDERS.values()})
# Seconds a request to a provider may take, and how long its discovery document is kept.
OIDC_TIMEOUT = envint("OIDC_TIMEOUT", "10")
OIDC_DISCOVERY_SECONDS = envint("OIDC_DISCOVERY_SECONDS", "3600")
# LOCAL_PASSWORDS=False: only single sign-on, except for the break-glass administrators named
# in BREAK_GLASS_USERS, who sign in with password and a code from their authenticator app.
LOCAL_PASSWORDS = envbool("LOCAL_PASSWORDS", "True")
BREAK_GLASS_USERS = envlist("BREAK_GLASS_USERS", "")
if not LOCAL_PASSWORDS and not OIDC_PROVIDERS and not BREAK_GLASS_USERS:
    raise ImproperlyConfigured(
        "LOCAL_PASSWORDS=False needs OIDC_PROVIDERS or BREAK_GLASS_USERS: nobody could sign in."
    )
# A second factor (TOTP) for administrators (staff and superusers), however they sign in: always
# outside DEBUG; in the local demo (`make run`) only when MFA_FOR_ADMINISTRATORS=True.
# MFA_FOR_PASSWORD_USERS=True asks it of everyone who signs in with a password.
MFA_FOR_ADMINISTRATORS = envbool("MFA_FOR_ADMINISTRATORS", "False" if DEBUG else "True")
if not MFA_FOR_ADMINISTRATORS and not DEBUG:
    raise ImproperlyConfigured("MFA_FOR_ADMINISTRATORS=False is for local runs (DEBUG) only.")
MFA_FOR_PASSWORD_USERS = envbool("MFA_FOR_PASSWORD_USERS", "False")
OTP_TOTP_ISSUER = "Tromsvekst-portalen"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# A working day: the session ends after ten hours and when the browser closes.
# Django's database sessions, read by SQL built once per process (tromsvekst/accounts/sessions.py).
SESSION_ENGINE = "tromsvekst.accounts.sessions"
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", str(10 * 60 * 60))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# The portal speaks Norwegian bokmål to everyone, whatever the browser asks for; the English
# catalogue in locale/ shows that every string is translatable, and a language choice can be
# added with LocaleMiddleware once a translation is complete and reviewed.
LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", _("Norsk bokmål")), ("en", _("Engelsk"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Oslo"
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(envstr("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
STORAGES = {
    # Stored files (the frozen PDFs of final reports): on disk under MEDIA_ROOT, unless
    # MEDIA_STORAGE names another Django storage backend (shared or object storage, README).
    "default": {
        "BACKEND": envstr("MEDIA_STORAGE", "django.core.files.storage.FileSystemStorage"),
        "OPTIONS": envjson("MEDIA_STORAGE_OPTIONS", "{}"),
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if envbool("STATIC_MANIFEST", "False" if DEBUG else "True")
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# E-mail: the console backend unless SMTP is configured.
EMAIL_BACKEND = envstr("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", "25")
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "False")
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", "10")
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "Tromsvekst-portalen <ikke-svar@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The portal's address as users reach it, for links in e-mails sent by management commands.
SITE_URL = envstr("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
if not SITE_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(f"SITE_URL must start with https:// or http://, not {SITE_URL!r}.")

# Security headers. HTTPS settings are on by default outside DEBUG.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
HTTPS = envbool("HTTPS", "False" if DEBUG else "True")
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", str(HTTPS))
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "31536000" if HTTPS else "0")
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", str(HTTPS))
# Preloading is a one-way commitment for the whole domain (and its subdomains): opt in only.
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", "False")
# `check --deploy` asks for preloading (security.W021); leaving it off is this choice.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
if envbool("BEHIND_PROXY", "False"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True

# The action plan page shows every milestone's row when it shows at most this many; beyond that,
# each action's rows come on demand («Vis milepælene»): at county scale (240 milestones) the
# rows alone were 355 KiB of HTML (issue #14).
PLAN_PAGE_INLINE_MILESTONES = 60

# Ready-rendered dashboard and plan pages (tromsvekst/lib/pagecache.py), per server process. Off
# in DEBUG (templates being edited) and under the tests (which check the pages' queries); the
# cache's own tests turn it on.
PAGE_CACHE_SECONDS = envint("PAGE_CACHE_SECONDS", "0" if DEBUG or TESTING else "300")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "pages",
        "TIMEOUT": PAGE_CACHE_SECONDS or None,
        "OPTIONS": {"MAX_ENTRIES": envint("PAGE_CACHE_ENTRIES", "200")},
    },
    # Slow documents (the draft evaluation PDF), kept until the data changes: pagecache.py.
    "documents": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "documents",
        "TIMEOUT": None,
        "OPTIONS": {"MAX_ENTRIES": envint("DOCUMENT_CACHE_ENTRIES", "20")},
    },
}

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        # The logout button's POST ends with a redirect to the provider's logout (single
        # sign-on), which form-action must allow; nothing else leaves by a form.
        "form-action": ["'self'", *OIDC_ORIGINS],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "WARNING")},
}

# Where the agreement texts that ship with the portal live.
FIXTURES_DIR = BASE_DIR / "fixtures"

# Uploads (see tromsvekst/lib/uploads.py). Django's limits: the fields other than files, how many
# fields and files one request may hold, and the size above which a file goes to a temporary
# file instead of memory. Each import's own limit is checked before its file is parsed, and the
# refusal names it.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 5
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
PLAN_IMPORT_MAX_BYTES = 5 * 1024 * 1024  # an action plan as .xlsx
INDICATOR_IMPORT_MAX_BYTES = 2 * 1024 * 1024  # indicator values as CSV or JSON-stat 2
# «Hent nye tall»: Statistics Norway's PxWebApi v2 (evaluation/indicators/ssb.py), and how many
# seconds a whole answer may take.
SSB_API_URL = envstr("SSB_API_URL", "https://data.ssb.no/api/pxwebapi/v2")
SSB_API_TIMEOUT = envint("SSB_API_TIMEOUT", "20")

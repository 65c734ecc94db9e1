"""One settings module for every deployment; the environment says what differs.

Read by small helpers so each variable is parsed one way only. See docs/operations.md
("Configuration") for the list.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    if value.strip().lower() in ("1", "true", "yes", "on"):
        return True
    if value.strip().lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be 1/0, true/false, yes/no or on/off, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name, "").strip()
    return Path(value).expanduser().resolve() if value else default


def secret_key(data_dir: Path) -> str:
    """DJANGO_SECRET_KEY, or a random key kept in the data folder.

    A fresh install then works without setup, and sessions survive restarts.
    """
    key = env_str("DJANGO_SECRET_KEY")
    if key:
        return key
    key_file = data_dir / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


DEBUG = env_bool("DJANGO_DEBUG", False)

ARCHIVE_DATA_DIR = env_path("ARCHIVE_DATA_DIR", BASE_DIR / "var")
ARCHIVE_DATA_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = secret_key(ARCHIVE_DATA_DIR)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")

# Transcript files larger than this are refused before parsing.
TRANSCRIPT_MAX_BYTES = env_int("ARCHIVE_MAX_UPLOAD_MB", 20) * 1024 * 1024
# The admin's import takes at most this many files at once (Django's default, made explicit
# because the upload page states it and the confirm page's formset is capped by it).
DATA_UPLOAD_MAX_NUMBER_FILES = 100
# Confirming an upload sends 9 fields per file, 4 per host or guest (5 with "remove" ticked)
# and 4 for the blank row: 33 to 38 for the sample's 5 people. Django's default of 1,000
# refused 29 such files with a bare 400; 10,000 lets 100 files through with 17 people each.
DATA_UPLOAD_MAX_NUMBER_FIELDS = env_int("DJANGO_DATA_UPLOAD_MAX_NUMBER_FIELDS", 10_000)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "smarttech.apps.AxesConfig",
    "csp",
    "episodes",
    # Before haystack: its rebuild_index, update_index and clear_index replace haystack's.
    "search",
    "haystack",
]

MIDDLEWARE = [
    # First: every log line written while answering carries the request's id (smarttech/logs.py).
    "smarttech.middleware.RequestIdMiddleware",
    # Which database a request reads: a replica for a visitor's page, the primary otherwise.
    "smarttech.replicas.ReplicaReadsMiddleware",
    # First: everything after it, and the access log, sees the visitor's address behind a proxy.
    "smarttech.middleware.ClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "smarttech.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Compresses public pages only (smarttech/compression.py): below the CSRF middleware, whose
    # answer clears the mark that a page asked for its token. Static files come compressed.
    "smarttech.compression.PublicPagesGZipMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it answers a locked-out login attempt.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling: after this many failures from one IP address for one user name, wait.
# The address is REMOTE_ADDR, the visitor's own behind trusted proxies (ClientAddressMiddleware).
AXES_CLIENT_IP_CALLABLE = "smarttech.middleware.remote_addr"
AXES_FAILURE_LIMIT = env_int("ARCHIVE_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("ARCHIVE_LOGIN_COOLOFF_MINUTES", 30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Listeners' proposed corrections (episodes/corrections.py): at most this many an hour from one address.
ARCHIVE_CORRECTIONS_PER_HOUR = env_int("ARCHIVE_CORRECTIONS_PER_HOUR", 10)

ROOT_URLCONF = "smarttech.urls"

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
                "smarttech.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "smarttech.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{ARCHIVE_DATA_DIR / 'archive.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if not DATABASES["default"].get("ENGINE"):
    raise ImproperlyConfigured("DATABASE_URL is not a database URL Django knows")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes write at once (web workers, the index worker, imports): WAL lets
    # readers go on during a write, IMMEDIATE takes the write lock up front instead of
    # failing on an upgrade, and writers wait their turn for up to 30 s.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

# PostgreSQL streaming replicas (docs/operations.md, "Replicas"): public reads (pages, search,
# the API) go to one of them, writes, staff pages and a visitor who just wrote to the primary;
# a replica down or more than ARCHIVE_REPLICA_MAX_LAG_SECONDS behind is skipped (smarttech/replicas.py).
REPLICAS = []
for number, url in enumerate(env_list("DATABASE_REPLICA_URLS", ""), start=1):
    replica = dj_database_url.parse(url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0))
    if replica.get("ENGINE") != "django.db.backends.postgresql":
        raise ImproperlyConfigured(f"DATABASE_REPLICA_URLS: {url!r} is not a PostgreSQL URL")
    # A replica machine that does not answer is given up on after 2 s, and skipped (its lag unknown).
    replica["OPTIONS"] = {**replica.get("OPTIONS", {}), "connect_timeout": 2}
    # The tests read the primary's test database through it (the replica follows it).
    DATABASES[f"replica{number}"] = replica | {"TEST": {"MIRROR": "default"}}
    REPLICAS.append(f"replica{number}")
if REPLICAS:
    DATABASE_ROUTERS = ["smarttech.replicas.ReplicaRouter"]
ARCHIVE_REPLICA_MAX_LAG_SECONDS = env_int("ARCHIVE_REPLICA_MAX_LAG_SECONDS", 5)
# After a visitor's write (a POST), their reads go to the primary this long: they see their change.
ARCHIVE_READ_YOUR_WRITES_SECONDS = env_int("ARCHIVE_READ_YOUR_WRITES_SECONDS", 10)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env_path("DJANGO_STATIC_ROOT", ARCHIVE_DATA_DIR / "static")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# WhiteNoise serves what `collectstatic` (bin/release) gathered into STATIC_ROOT: each file under
# a name holding its content's hash, with its gzip copy, cached for a year by browsers and
# proxies (a changed file has a new name). With DJANGO_DEBUG, or before any collectstatic, pages
# name the files as they are and WhiteNoise reads them from the apps' own folders
# (smarttech/storage.py), so `bin/serve` needs no collectstatic.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "smarttech.storage.ArchiveStaticStorage"},
}
WHITENOISE_USE_FINDERS = True

MEDIA_URL = "media/"
# Uploads waiting for confirmation and original transcripts: one shared folder for several servers.
# Nothing serves it at MEDIA_URL: drafts' originals are there too. Staff download an original
# through the admin (episodes/admin_original.py), which checks the user, then sends the file, or,
# behind nginx, names it under this internal location for nginx to send (docs/operations.md).
MEDIA_ROOT = env_path("ARCHIVE_MEDIA_DIR", ARCHIVE_DATA_DIR / "uploads")
# Shared passages' pictures (og:image), each drawn once then read from here (episodes/quote_picture.py).
ARCHIVE_QUOTE_PICTURES_DIR = env_path("ARCHIVE_QUOTE_PICTURES_DIR", ARCHIVE_DATA_DIR / "quote-pictures")
# At most this many kept (about 45 kB each); past it, the least recently read are deleted.
ARCHIVE_QUOTE_PICTURES_MAX = env_int("ARCHIVE_QUOTE_PICTURES_MAX", 10_000)
ARCHIVE_ORIGINALS_ACCEL_REDIRECT = env_str("ARCHIVE_ORIGINALS_ACCEL_REDIRECT", "")

# HTTPS in production: DJANGO_HTTPS=1 redirects to HTTPS, secures the cookies and sends HSTS.
HTTPS = env_bool("DJANGO_HTTPS", False)
SECURE_SSL_REDIRECT = HTTPS
# Load balancers ask for the health of each server over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", HTTPS)
BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many reverse proxies stand in front of the archive, each appending to X-Forwarded-For: the
# visitor's address is the one the outermost wrote. 0 reads no header (a forged one picks nothing).
ARCHIVE_TRUSTED_PROXIES = env_int("ARCHIVE_TRUSTED_PROXIES", 1) if BEHIND_PROXY else 0
if ARCHIVE_TRUSTED_PROXIES < 0:
    raise ImproperlyConfigured(f"ARCHIVE_TRUSTED_PROXIES must be 0 or more, not {ARCHIVE_TRUSTED_PROXIES}")
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# The pages load nothing inline: scripts and styles come from our static files. Media may
# come from anywhere an episode's media URL points; embeds only from the three players.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "media-src": [SELF, "https:", "http:"],
        "frame-src": ["https://www.youtube-nocookie.com", "https://www.dailymotion.com", "https://player.vimeo.com"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Errors and the archive's own warnings go to standard error, DEBUG or not: a 500 with
# its traceback and path, and e.g. search.indexing's warnings; each line with its time in UTC
# and the id of the request it belongs to (smarttech/logs.py). Errors are also mailed to
# DJANGO_ADMINS, when given, through the SMTP server of EMAIL_HOST (a database outage excepted:
# one mail per failed request would flood the inbox).
ADMINS = [("", address) for address in env_list("DJANGO_ADMINS", "")]
SERVER_EMAIL = env_str("DJANGO_SERVER_EMAIL", "archive@localhost")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {
            "()": "smarttech.logs.UtcFormatter",
            "format": "{asctime} [{request_id}] {levelname} {name}: {message}",
            "style": "{",
        }
    },
    "filters": {
        "request_id": {"()": "smarttech.logs.WithRequestId"},
        "one_line_per_outage": {"()": "smarttech.outages.OneLinePerOutage"},
        "not_an_outage": {"()": "smarttech.outages.NotAnOutage"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id"]},
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false", "not_an_outage"],
        },
    },
    "loggers": {
        # Not propagated: Django's own console handler would print it again when DEBUG is on.
        # A request failed by a database outage is one line, not a traceback (smarttech/outages.py).
        "django.request": {
            "handlers": ["stderr", "mail_admins"],
            "level": "ERROR",
            "propagate": False,
            "filters": ["one_line_per_outage"],
        },
        **{app: {"handlers": ["stderr"], "level": "WARNING"} for app in ("episodes", "search", "smarttech")},
    },
}

# Where the archive is reached; commands print links with it.
# The site's name and tagline in its pages' header and titles; empty: "Archive des émissions"
# (translated), and no tagline. bin/serve sets the sample show's.
ARCHIVE_SITE_NAME = env_str("ARCHIVE_SITE_NAME").strip()
ARCHIVE_SITE_TAGLINE = env_str("ARCHIVE_SITE_TAGLINE").strip()
ARCHIVE_BASE_URL = env_str("ARCHIVE_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# The search engines (search.engines, docs/engines.md), by name: "whoosh", an index folder on this
# machine (the default), or "postgres", the database's own full-text search. Each engine declares
# what it needs, such as its database, which `SearchConfig.ready` checks as Django starts.
ARCHIVE_SEARCH_ENGINES = {
    "whoosh": "search.engines.whoosh.engine.WhooshEngine",
    "postgres": "search.engines.postgres.engine.PostgresEngine",
}
ARCHIVE_SEARCH_ENGINE = env_str("ARCHIVE_SEARCH_ENGINE", "whoosh").strip().lower()
if ARCHIVE_SEARCH_ENGINE not in ARCHIVE_SEARCH_ENGINES:
    names = " or ".join(ARCHIVE_SEARCH_ENGINES)
    raise ImproperlyConfigured(f"ARCHIVE_SEARCH_ENGINE={ARCHIVE_SEARCH_ENGINE!r}: expected {names}")

HAYSTACK_CONNECTIONS = {
    "default": {
        "ENGINE": "search.engines.whoosh.backend.FrenchWhooshEngine",
        "PATH": str(env_path("ARCHIVE_INDEX_DIR", ARCHIVE_DATA_DIR / "whoosh")),
    },
}
# A full rebuild or a large import writes in this many processes (one segment each), and each
# sorts its postings in this much memory before spilling them to disk (see docs/operations.md):
# a bulk import commits as many lines as fit (search.indexing.moments_per_commit), so less
# memory leaves more index segments.
ARCHIVE_INDEX_PROCS = env_int("ARCHIVE_INDEX_PROCS", min(os.cpu_count() or 1, 4))
ARCHIVE_INDEX_MEMORY_MB = env_int("ARCHIVE_INDEX_MEMORY_MB", 2048)
# The index follows the database through the jobs that services ask for (search.indexing) and
# the index worker; no per-row signals.
HAYSTACK_SIGNAL_PROCESSOR = "haystack.signals.BaseSignalProcessor"
# /healthz is degraded when an index job has waited longer than this: the index worker is not
# keeping up. Its figures go to staff, and to a monitor sending this token (Authorization: Bearer).
ARCHIVE_HEALTH_MAX_JOB_AGE_SECONDS = env_int("ARCHIVE_HEALTH_MAX_JOB_AGE_SECONDS", 600)
ARCHIVE_HEALTH_TOKEN = env_str("ARCHIVE_HEALTH_TOKEN", "")
HAYSTACK_ITERATOR_LOAD_PER_QUERY = 2000

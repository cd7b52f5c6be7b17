"""Settings, read from environment variables only.

With nothing set the app runs on SQLite with Celery tasks executed eagerly, so a newcomer needs only
Python. DATABASE_URL switches to PostgreSQL and CELERY_BROKER_URL to Redis with real workers.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default):
    value = os.environ.get(name, "")
    return [item.strip() for item in value.split(",") if item.strip()] or default


DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("Set DJANGO_SECRET_KEY when DJANGO_DEBUG is off.")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "rules.apps.AutodiscoverRulesConfig",
    "csp",
    "axes",
    "planning",
    "submissions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Moves a signed-in session's idle timeout on (inside SessionMiddleware, which saves it).
    "config.middleware.SessionActivityMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A NUL character in any field is refused with a 400, before a view can try to store it.
    "config.middleware.RefuseNulCharactersMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # A database that cannot be reached gives the "service is busy" page (503), not a 500.
    "config.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "planning.context_processors.service",
                "submissions.notifications.context_processors.notifications",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=60
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First: refuses a sign-in while the user is locked out after repeated failures (django-axes).
    "config.middleware.LockoutBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sign-in lock-out (django-axes): after AXES_FAILURE_LIMIT failed sign-ins for one username from
# one address within AXES_COOLOFF_MINUTES, that pair is refused until the cool-off has passed or an
# administrator deletes the access attempt in the admin (or `manage.py axes_reset_username`). The
# same holds on /admin/login/. Locking the pair, not the username alone, stops anyone locking a
# colleague out from elsewhere.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "config.middleware.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
# Behind reverse proxies (a load balancer, nginx), set DJANGO_TRUSTED_PROXY_COUNT to how many there
# are: the client's address is then the one the outermost of our proxies wrote into X-Forwarded-For
# (entries further left were written by the client and are not trusted). With no proxy (the
# default) the socket's address is used and X-Forwarded-For is ignored, so it cannot be spoofed.
# The lock-out and the audit log read the address through the same function.
TRUSTED_PROXY_COUNT = int(os.environ.get("DJANGO_TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "config.middleware.client_address"

# Sessions end after SESSION_IDLE_TIMEOUT_SECONDS without a request, and when the browser closes.
# config.middleware.SessionActivityMiddleware saves a signed-in session at most once a minute,
# which moves its expiry on (not on every request, and not for a page's background status checks).
# Changing a password signs the user out everywhere else: Django checks the session's password
# hash on every request.
SESSION_IDLE_TIMEOUT_SECONDS = int(os.environ.get("SESSION_IDLE_TIMEOUT_SECONDS", "1800"))
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT_SECONDS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media/"  # never served directly: downloads go through permission-checked views

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

CRISPY_ALLOWED_TEMPLATE_PACKS = ("nhsuk",)
CRISPY_TEMPLATE_PACK = "nhsuk"

# Celery: eager (in-process) unless a broker is configured.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
# Results: only the test suite's `ping` reads one. The app's tasks ignore theirs (`ignore_result`),
# so queueing work never waits on the result store, which is the broker unless set explicitly.
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", CELERY_BROKER_URL or None)
CELERY_TASK_IGNORE_RESULT = True
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 0.5
CELERY_REDIS_SOCKET_TIMEOUT = 5.0
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": {"max_retries": 1, "interval_start": 0}}
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
# Publishing must fail fast when Redis is down: the submission is saved and the plan marked stale.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker that lost Redis retries for ever (every 2, 4, ... at most 30 s), not 100 times (about
# 48 minutes) and then exits; when it reconnects it queues the recovery (config.celery).
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Bounded: a refused or unanswered connection gives up in well under a second (the request
# answers; the plan stays stale, the render waits for the watchdog). visibility_timeout: a message
# a killed worker took is redelivered after 5 minutes, longer than any task (builds are idempotent).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 0,
    "socket_connect_timeout": 0.5,
    "socket_timeout": 5.0,
    "visibility_timeout": 300,
}
CELERY_TASK_PUBLISH_RETRY = False
# No task may run longer than a minute: a build takes milliseconds and a paper's PDF about a second
# (text is bounded). At 50 s a task is told to stop (a render then fails saying it took too long);
# at 60 s its process is killed. A render started longer ago than that, plus a margin, lost its
# worker: the render watchdog queues it again (submissions/papers/services.py).
CELERY_TASK_SOFT_TIME_LIMIT = 50
CELERY_TASK_TIME_LIMIT = 60
# Recovery within a minute of the queue coming back: stale plans are built and stuck renders
# re-queued every 30 s (and whenever a worker connects to Redis); a tick missed while no worker ran
# expires.
CELERY_BEAT_SCHEDULE = {
    "rebuild-stale-system-plans": {
        "task": "submissions.tasks.rebuild_stale_plans",
        "schedule": 30.0,
        "options": {"expires": 25},
    },
    "render-watchdog": {
        "task": "submissions.tasks.render_watchdog",
        "schedule": 30.0,
        "options": {"expires": 25},
    },
    # Notifications (submissions/notifications/): emails no task sent, every minute; reminders
    # before deadlines and daily digests, hourly (each is claimed, so a second beat is harmless).
    "send-unsent-notifications": {
        "task": "submissions.tasks.send_unsent_notifications",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "send-due-reminders": {
        "task": "submissions.tasks.send_due_reminders",
        "schedule": crontab(minute=5),
        "options": {"expires": 3000},
    },
    "send-notification-digests": {
        "task": "submissions.tasks.send_notification_digests",
        "schedule": crontab(minute=15),
        "options": {"expires": 3000},
    },
}
# Workbook uploads: the file, and what its zip may expand to (a zip bomb is refused unopened).
UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", 5 * 1024 * 1024))
UPLOAD_MAX_EXPANDED_BYTES = 50 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 1024 * 1024

# The least time between two builds of one system plan, in seconds. A submission to a plan not
# built in that time (idle) is built at once, in about a build's time; otherwise one build is due
# this long after the last one started, and every submission arriving meanwhile goes into it. So a
# plan is at most this long (plus a build) behind its submissions, and a deadline-day storm makes
# at most one build of a plan per this many seconds (submissions/queue.py, bench/storm.py).
PLAN_BUILD_DELAY_SECONDS = int(os.environ.get("PLAN_BUILD_DELAY_SECONDS", "2"))

# Content Security Policy: our own files only, no inline script or style.
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
        "base-uri": ["'self'"],
    },
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"

# HTTPS only when not debugging: HTTP is redirected to HTTPS and browsers are told to remember it
# (HSTS). Behind a proxy that ends TLS, the proxy must set X-Forwarded-Proto. The container's
# healthcheck asks /health/ over plain HTTP, so that path is never redirected.
# DJANGO_SECURE_SSL_REDIRECT=false turns the redirect off (the test suite does, serving plain HTTP).
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(
    os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "0" if DEBUG else str(365 * 24 * 3600))
)
# Seconds a client is asked to wait before retrying when the database cannot be reached (503 page).
RETRY_AFTER_SECONDS = 60

SERVICE_NAME = "NHS system planning"

# Email. The address of the service as people reach it: links in emails are SITE_URL + the page.
SITE_URL = os.environ.get("DJANGO_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Printed to the console unless EMAIL_HOST names an SMTP server (with EMAIL_PORT, EMAIL_HOST_USER,
# EMAIL_HOST_PASSWORD, EMAIL_USE_TLS or EMAIL_USE_SSL). Emails never carry a figure: they link to
# the page (submissions/notifications/).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# A mail server that does not answer fails the send (tried again later) well within a task's limit.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "NHS system planning <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The local hour from which each day's digests are sent, to those who chose a daily digest.
NOTIFICATION_DIGEST_HOUR = int(os.environ.get("NOTIFICATION_DIGEST_HOUR", "7"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # WeasyPrint reports each step of every render at INFO, and font subsetting talks too.
        "weasyprint": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

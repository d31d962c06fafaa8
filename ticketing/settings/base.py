"""Settings shared by every environment; every value that differs between machines comes from
the environment (see .env.example)."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "insecure-dev-key-change-me-" + "x" * 24)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django_prometheus",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "csp",
    "axes",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "apps.common",
    "apps.accounts",
    "apps.events",
    "apps.waitingroom",
    "apps.inventory",
    "apps.bookings",
    "apps.payments",
    "apps.checkin",
    "apps.storefront",
    "apps.backoffice",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "apps.common.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "apps.common.middleware.ContentSecurityPolicyMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    # Inside the header middlewares: its 413 and 414 carry the security headers too.
    "apps.common.middleware.ApiRequestLimitsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language: the switcher's cookie, else the browser's Accept-Language (API clients
    # too: an error's `detail` is in it, its `code` never changes).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # Last, as django-axes requires: it answers a login that its backend found locked out.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ticketing.urls"
WSGI_APPLICATION = "ticketing.wsgi.application"
ASGI_APPLICATION = "ticketing.asgi.application"

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
                "django.template.context_processors.i18n",
                "apps.common.context_processors.shop",
            ],
            # Times on the venue's clock ({{ event.starts_at|venue_time:event.venue }}), amounts
            # in the reader's language ({{ booking.total|money:booking.currency }}) and
            # {% translate %} in every template without a {% load %}.
            "builtins": [
                "apps.common.templatetags.venue_time",
                "apps.common.templatetags.money",
                "django.templatetags.i18n",
            ],
        },
    },
]

# Database: DATABASE_URL (postgres://user@host:5432/name), SQLite when unset.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
            conn_health_checks=True,
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["ENGINE"] = "django_prometheus.db.backends.postgresql"
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH") or BASE_DIR / "db.sqlite3",
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
USING_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# Cache and locks: REDIS_URL (redis://host:6379/0), local memory when unset.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # django-redis, wrapped by django-prometheus for hit/miss metrics.
            "BACKEND": "django_prometheus.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "ticketing"),
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                # A dead Redis must fail fast: holds fall back to the database layer.
                "SOCKET_CONNECT_TIMEOUT": env_float("REDIS_CONNECT_TIMEOUT", 0.25),
                "SOCKET_TIMEOUT": env_float("REDIS_SOCKET_TIMEOUT", 0.5),
                "CONNECTION_POOL_KWARGS": {"max_connections": 100, "retry_on_timeout": False},
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "ticketing",
        }
    }
USING_REDIS = bool(REDIS_URL)

# How many proxies (load balancers) stand in front of the shop: the client's address is the one
# the first of them saw (apps/common/client_ip.py). 0 trusts no X-Forwarded-For at all.
NUM_PROXIES = env_int("NUM_PROXIES", 0)

# Rate limits per account and per client address (apps/common/rate_limits.py: one Redis round
# trip per request; off without Redis). A buyer needs a few holds, one payment and rarely a
# cancel per sale; an address may stand for many buyers (offices, mobile carriers' NAT).
RATE_LIMITS = {
    action: {
        "user": os.environ.get(f"THROTTLE_{action.upper()}_USER", user),
        "ip": os.environ.get(f"THROTTLE_{action.upper()}_IP", ip),
    }
    for action, user, ip in (
        ("hold", "20/min", "300/min"),
        ("booking", "10/min", "300/min"),
        ("cancel", "5/min", "60/min"),
        ("room_join", "10/min", "300/min"),
    )
}

# Login lockouts (django-axes, apps/accounts/lockout.py): the HTML login, the admin login and
# the API token endpoint count failures per account and per client address.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env_bool("LOGIN_LOCKOUT_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "apps.common.client_ip.client_ip"
AXES_USERNAME_CALLABLE = "apps.accounts.lockout.attempted_email"
AXES_LOCKOUT_CALLABLE = "apps.accounts.lockout.lockout_response"
AXES_SENSITIVE_PARAMETERS = ["password"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The shop's languages: English (the source) and German, chosen by LocaleMiddleware. The
# catalogues are locale/<lang>/LC_MESSAGES/django.po (pages, e-mails, errors) and djangojs.po
# (the scripts), compiled .mo files committed beside them; `make messages` refreshes both.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "ticketing_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Headers every answer carries (django-csp, django-permissions-policy, Django's own): scripts
# only from our static files (an inline <script> or <style> needs the request's nonce, inline
# event handlers are refused); style attributes stay allowed for the tier colours drawn from
# data (they cannot run code). The API docs page adds the CDN of Swagger UI (ticketing/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
PERMISSIONS_POLICY = {
    name: []
    for name in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "usb",
        "interest-cohort",
    )
} | {"payment": ["self"], "fullscreen": ["self"]}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# /metrics and the reasons of a failing /readyz: open with DEBUG (`make run`), otherwise only to
# the addresses in METRICS_ALLOWED_IPS (comma separated; your Prometheus).
METRICS_PUBLIC = DEBUG

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "events:list"
LOGOUT_REDIRECT_URL = "events:list"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.accounts.authentication.RememberingJWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["apps.common.parsers.BoundedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "apps.common.api_schema.ShopAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "apps.common.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "apps.common.api_errors.api_exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "auth": os.environ.get("THROTTLE_AUTH", "30/min"),
        "signup": os.environ.get("THROTTLE_SIGNUP", "10/hour"),
        # Password reset requests per client address and per e-mail address asked about (the
        # same for every address, registered or not: the answer tells nothing), and attempts
        # at a change that needs the current password, per account.
        "password_reset": os.environ.get("THROTTLE_PASSWORD_RESET", "20/hour"),
        "password_reset_address": os.environ.get("THROTTLE_PASSWORD_RESET_ADDRESS", "3/hour"),
        "account_change": os.environ.get("THROTTLE_ACCOUNT_CHANGE", "10/hour"),
    },
    # Throttles key on the client's address as NUM_PROXIES says (DRF's default, None, believed
    # whatever X-Forwarded-For the client sent).
    "NUM_PROXIES": NUM_PROXIES,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    # Its own key (the production settings require one); SECRET_KEY only for the embedded
    # default and the tests.
    "SIGNING_KEY": os.environ.get("JWT_SIGNING_KEY") or SECRET_KEY,
    # Tokens carry a hash of the user's password hash: a new password (or a deactivation, as
    # simplejwt checks is_active) revokes every access and refresh token of the user.
    "CHECK_REVOKE_TOKEN": True,
    "TOKEN_REFRESH_SERIALIZER": "apps.accounts.serializers.RevocableTokenRefreshSerializer",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Ticketing API",
    "DESCRIPTION": "Flash-sale ticket shop: catalog, seat holds, bookings and payments.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "ticketing.openapi.describe_choices_and_links",
    ],
}


# E-mail: EMAIL_URL (smtp://user:password@host:587?tls=true, smtps://... for TLS from the
# first byte, console://), else EMAIL_HOST and its friends, else the console backend (the
# embedded default prints messages to the terminal).
def _email_settings() -> dict:
    from urllib.parse import parse_qs, unquote, urlsplit

    url = os.environ.get("EMAIL_URL", "").strip()
    if url:
        parts = urlsplit(url)
        if parts.scheme == "console":
            return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
        if parts.scheme not in {"smtp", "smtps"}:
            raise ValueError("EMAIL_URL must start with smtp://, smtps:// or console://")
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parts.hostname or "localhost",
            "EMAIL_PORT": parts.port or (465 if parts.scheme == "smtps" else 25),
            "EMAIL_HOST_USER": unquote(parts.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
            "EMAIL_USE_SSL": parts.scheme == "smtps",
            "EMAIL_USE_TLS": query.get("tls", "").lower() in {"1", "true", "yes"},
        }
    if os.environ.get("EMAIL_HOST"):
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": os.environ["EMAIL_HOST"],
            "EMAIL_PORT": env_int("EMAIL_PORT", 25),
            "EMAIL_HOST_USER": os.environ.get("EMAIL_HOST_USER", ""),
            "EMAIL_HOST_PASSWORD": os.environ.get("EMAIL_HOST_PASSWORD", ""),
            "EMAIL_USE_TLS": env_bool("EMAIL_USE_TLS", False),
            "EMAIL_USE_SSL": env_bool("EMAIL_USE_SSL", False),
        }
    return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}


_EMAIL = _email_settings()
EMAIL_BACKEND = _EMAIL["EMAIL_BACKEND"]
EMAIL_HOST = _EMAIL.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _EMAIL.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _EMAIL.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _EMAIL.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _EMAIL.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _EMAIL.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_float("EMAIL_TIMEOUT", 10.0)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Ticketing <tickets@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where the shop is reached (https://tickets.example.com): the links in e-mails start with it.
# Unset: the host the request came in on (which ALLOWED_HOSTS has already checked).
SITE_URL = os.environ.get("SITE_URL", "").strip().rstrip("/")
# Seconds a password reset link works (Django's PasswordResetTokenGenerator); it also stops
# working once used, or once the account logs in or changes its address.
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 3600)

# Celery: CELERY_BROKER_URL, else REDIS_URL, else tasks run eagerly in-process.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env_bool(
    "CELERY_TASK_ALWAYS_EAGER", not (os.environ.get("CELERY_BROKER_URL") or REDIS_URL)
)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 120)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 100)
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Worker and beat log through LOGGING below (JSON in production), not Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
HOLD_SWEEP_SECONDS = env_float("HOLD_SWEEP_SECONDS", 30.0)
CELERY_BEAT_SCHEDULE = {
    "expire-holds": {
        "task": "apps.inventory.tasks.expire_holds_task",
        "schedule": HOLD_SWEEP_SECONDS,
    },
    "retry-failed-refunds": {
        "task": "apps.payments.tasks.retry_failed_refunds_task",
        "schedule": 60.0,
    },
    "reconcile-payments": {
        "task": "apps.bookings.tasks.reconcile_payments_task",
        "schedule": env_float("RECONCILE_EVERY_SECONDS", 60.0),
    },
    "rollup-lock-stats": {
        "task": "apps.inventory.tasks.rollup_lock_stats_task",
        "schedule": env_float("LOCKSTATS_ROLLUP_SECONDS", 15.0),
    },
    "enqueue-forgotten-emails": {
        "task": "apps.bookings.tasks.enqueue_forgotten_emails_task",
        "schedule": 300.0,
    },
    "prune-idempotency-keys": {
        "task": "apps.common.tasks.prune_idempotency_keys_task",
        "schedule": 3600.0,
    },
}

# The shop's own knobs.
TICKETING = {
    # Seconds a buyer waits for a contended seat lock before getting a 409.
    "LOCK_WAIT_SECONDS": env_float("HOLD_LOCK_WAIT_SECONDS", 0.05),
    # Upper bound on how long a Redis seat lock can outlive a crashed holder.
    "LOCK_TIMEOUT_SECONDS": env_float("HOLD_LOCK_TIMEOUT_SECONDS", 5.0),
    "MAX_HOLD_EXTENSIONS": env_int("MAX_HOLD_EXTENSIONS", 2),
    # Seconds a buyer who released a hold waits before holding seats for that event again.
    "HOLD_COOLDOWN_SECONDS": env_float("HOLD_COOLDOWN_SECONDS", 30.0),
    "IDEMPOTENCY_TTL_HOURS": env_int("IDEMPOTENCY_TTL_HOURS", 24),
    "EXPIRE_BATCH_SIZE": env_int("EXPIRE_BATCH_SIZE", 5000),
    # Layer 0 of the hold protocol: how old (s) a process's snapshot of taken seats may be when
    # it refuses a request from it; 0 sends every request to the locks.
    "TAKEN_SEATS_SECONDS": env_float("HOLD_TAKEN_SEATS_SECONDS", 1.0),
    # The waiting room's status answer tells a buyer when to ask again, within these bounds
    # (seconds): the front of the line at the shortest, the back up to the longest.
    "ROOM_POLL_MIN_SECONDS": env_float("WAITING_ROOM_POLL_MIN_SECONDS", 2.0),
    "ROOM_POLL_MAX_SECONDS": env_float("WAITING_ROOM_POLL_MAX_SECONDS", 120.0),
    # The status answers per second a room may draw from the whole shop (all instances): the
    # interval each waiting buyer is given keeps the crowd within it (apps/waitingroom/polling.py).
    "ROOM_STATUS_PER_SECOND": env_float("WAITING_ROOM_STATUS_PER_SECOND", 250.0),
    # Threads per process of the room's own server (apps/waitingroom/edge.py). An answer is
    # CPU work around one short Redis round trip, so more threads only fight over the GIL:
    # 10,000 joins at 1,000 a second on 2 uvicorn processes cost 0.84-0.94, 1.00 and 0.97 ms
    # of CPU each with 1, 2 and 3 threads, and their P99 was lowest with 1.
    "ROOM_EDGE_THREADS": env_int("ROOM_EDGE_THREADS", 1),
    # "sandbox" (the default), "stripe", or a provider class's dotted path.
    "PAYMENT_PROVIDER": {
        "sandbox": "apps.payments.providers.sandbox.SandboxProvider",
        "stripe": "apps.payments.providers.stripe.StripeProvider",
    }.get(
        os.environ.get("PAYMENT_PROVIDER") or "sandbox",
        os.environ.get("PAYMENT_PROVIDER", ""),
    ),
    # Gateway resilience (apps/payments/gateway.py): seconds per call, retries of a call that got
    # no answer (same key), their backoff, and the circuit breaker.
    "PAYMENT_GATEWAY_TIMEOUT": env_float("PAYMENT_GATEWAY_TIMEOUT", 10.0),
    "PAYMENT_RETRIES": env_int("PAYMENT_RETRIES", 2),
    "PAYMENT_RETRY_BASE_SECONDS": env_float("PAYMENT_RETRY_BASE_SECONDS", 0.25),
    "PAYMENT_RETRY_MAX_SECONDS": env_float("PAYMENT_RETRY_MAX_SECONDS", 2.0),
    "PAYMENT_BREAKER_FAILURES": env_int("PAYMENT_BREAKER_FAILURES", 5),
    "PAYMENT_BREAKER_SECONDS": env_float("PAYMENT_BREAKER_SECONDS", 30.0),
    # Reconciliation: a payment open for longer than this is asked for at the gateway.
    "RECONCILE_AFTER_SECONDS": env_float("RECONCILE_AFTER_SECONDS", 180.0),
    # Refunds: tries before giving up (into the admin's attention list), first backoff.
    "REFUND_MAX_ATTEMPTS": env_int("REFUND_MAX_ATTEMPTS", 8),
    "REFUND_RETRY_BASE_SECONDS": env_float("REFUND_RETRY_BASE_SECONDS", 60.0),
    # The sandbox delivers its own signed webhooks (through a Celery task).
    "SANDBOX_WEBHOOKS": env_bool("SANDBOX_WEBHOOKS", True),
    "SANDBOX_WEBHOOK_SECRET": os.environ.get("SANDBOX_WEBHOOK_SECRET", ""),
    "STRIPE_SECRET_KEY": os.environ.get("STRIPE_SECRET_KEY", ""),
    "STRIPE_PUBLISHABLE_KEY": os.environ.get("STRIPE_PUBLISHABLE_KEY", ""),
    "STRIPE_WEBHOOK_SECRET": os.environ.get("STRIPE_WEBHOOK_SECRET", ""),
    # Unset: Stripe itself; set: a Stripe-compatible server (the tests' localstripe).
    "STRIPE_API_BASE": os.environ.get("STRIPE_API_BASE", ""),
    "STRIPE_JS_URL": os.environ.get("STRIPE_JS_URL", "https://js.stripe.com/v3/"),
}

SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    from ticketing.sentry import init_sentry

    init_sentry(SENTRY_DSN)

LOG_JSON = env_bool("LOG_JSON", False)
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "apps.common.logging.RequestIdFilter"},
        "card_numbers": {"()": "apps.common.logging.CardNumberFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id", "card_numbers"],
            "formatter": "json" if LOG_JSON else "plain",
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Every 409 of a rush would be a WARNING line here; the services already log each
        # refusal (with its code) at INFO, and 5xx still reach this logger as ERROR.
        "django.request": {"level": "ERROR"},
    },
}

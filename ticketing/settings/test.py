"""The test suite runs on the real PostgreSQL and Redis (concurrency is meaningless on SQLite)."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ticketing")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/1")
os.environ.setdefault("CACHE_KEY_PREFIX", "ticketing-test")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")

from .base import *  # noqa: E402, F403
from .base import DATABASES  # noqa: E402

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Threads in the race tests each open their own connection; closing them promptly keeps the
# test database droppable at the end of the run.
DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
REST_FRAMEWORK = {  # noqa: F405
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": dict.fromkeys(
        ("auth", "signup", "password_reset", "password_reset_address", "account_change"),
        "10000/min",
    ),
}
# Many tests hold, pay and join from one address in a burst; the rate limits' own tests set
# theirs (tests/common/test_rate_limits.py).
RATE_LIMITS = {action: {"user": "100000/min", "ip": "100000/min"} for action in RATE_LIMITS}  # noqa: F405
TICKETING = {  # noqa: F405
    **TICKETING,  # noqa: F405
    # Gateway faults in the tests are injected; their retries should not make the suite slow.
    "PAYMENT_RETRY_BASE_SECONDS": 0.01,
    "PAYMENT_RETRY_MAX_SECONDS": 0.05,
    "PAYMENT_GATEWAY_TIMEOUT": 3.0,
    # Many tests release and hold again at once; the cool-down's own tests switch it on.
    "HOLD_COOLDOWN_SECONDS": 0.0,
}

# The suite reads its own /metrics; the tests of the closed door set this to False.
METRICS_PUBLIC = True

"""Development: `make run`. Works with no services at all (SQLite, local memory, eager Celery)."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DEBUG", True)
METRICS_PUBLIC = DEBUG  # `make stack` runs these settings with DEBUG=false: /metrics closed
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

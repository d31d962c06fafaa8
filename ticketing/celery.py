import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketing.settings.local")

app = Celery("ticketing")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Worker metrics on CELERY_METRICS_PORT (signal handlers; nothing runs outside a worker).
import ticketing.celery_metrics  # noqa: E402, F401

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketing.settings.local")

app = Celery("ticketing")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Task ids in log lines, worker metrics on CELERY_METRICS_PORT (signal handlers only).
import ticketing.celery_observability  # noqa: E402, F401

# Traces in worker and beat processes when OTEL_EXPORTER_OTLP_ENDPOINT is set (tracing.py).
from ticketing.tracing import trace_celery_processes  # noqa: E402

trace_celery_processes()

"""/metrics: Prometheus exposition, multiprocess-aware under gunicorn, closed in production
unless the caller's address is listed in METRICS_ALLOWED_IPS."""

import os

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)


def operator_allowed(request) -> bool:
    """The callers that may see /metrics and why /readyz fails: anyone when METRICS_PUBLIC
    (DEBUG), else the addresses in METRICS_ALLOWED_IPS."""
    if getattr(settings, "METRICS_PUBLIC", False):
        return True
    allowed = [
        ip.strip() for ip in os.environ.get("METRICS_ALLOWED_IPS", "").split(",") if ip.strip()
    ]
    return request.META.get("REMOTE_ADDR") in allowed


def metrics(request):
    if not operator_allowed(request):
        return HttpResponseForbidden("metrics are not public")
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)

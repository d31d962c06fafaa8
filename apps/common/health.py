"""Liveness and readiness for load balancers and orchestrators."""

import logging

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .metrics_view import operator_allowed

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    checks, problems = {}, []
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # any driver error means "not ready"
        checks["database"] = "unreachable"
        problems.append(f"database: {exc.__class__.__name__}: {exc}".strip())
    try:
        cache.set("readyz", "1", timeout=5)
        if cache.get("readyz") != "1":
            raise RuntimeError("value written was not read back")
        checks["cache"] = "ok"
    except Exception as exc:
        checks["cache"] = "unreachable"
        problems.append(f"cache: {exc.__class__.__name__}: {exc}".strip())
    if problems:
        logger.warning("readiness check failed: %s", "; ".join(problems))
        body = {"status": "unavailable", "checks": checks}
        # Exception text names hosts, ports and users: for operators only (the log has it).
        user = getattr(request, "user", None)
        if operator_allowed(request) or (user is not None and user.is_staff):
            body["reasons"] = problems
        return JsonResponse(body, status=503)
    return JsonResponse({"status": "ok", "checks": checks})

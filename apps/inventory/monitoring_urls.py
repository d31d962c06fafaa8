"""/api/v1/monitoring/...: read-only figures for operators (staff only)."""

from django.urls import path

from . import monitoring_apis

urlpatterns = [
    path(
        "lock-contention",
        monitoring_apis.LockContentionApi.as_view(),
        name="api-lock-contention",
    ),
    path(
        "lock-contention/<str:resource>",
        monitoring_apis.LockContentionResourceApi.as_view(),
        name="api-lock-contention-resource",
    ),
]

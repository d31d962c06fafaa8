"""/api/v1/monitoring/...: read-only figures for operators (staff only)."""

from django.urls import path

from . import apis

urlpatterns = [
    path(
        "lock-contention",
        apis.LockContentionApi.as_view(),
        name="api-lock-contention",
    ),
    path(
        "lock-contention/<str:resource>",
        apis.LockContentionResourceApi.as_view(),
        name="api-lock-contention-resource",
    ),
]

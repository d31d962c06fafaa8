from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.common import health
from apps.common.metrics_view import metrics
from apps.payments import views as payment_views

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics, name="prometheus-django-metrics"),
    path("admin/", admin.site.urls),
    path("webhooks/<str:provider_name>/", payment_views.webhook, name="payment-webhook"),
    path("api/v1/", include("ticketing.api_v1")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("accounts/", include("apps.accounts.urls")),
    path("room/", include("apps.waitingroom.urls")),
    path("bookings/", include("apps.inventory.urls")),
    path("bookings/", include("apps.bookings.urls")),
    path("", include("apps.storefront.urls")),
]

handler404 = "apps.common.views.page_not_found"
handler500 = "apps.common.views.server_error"

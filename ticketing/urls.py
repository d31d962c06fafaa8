from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.cache import cache_control
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from apps.common import health
from apps.common.metrics_view import metrics
from apps.payments import views as payment_views

# Swagger UI comes from its CDN; its start-up script is served by the same view (the "split"
# view), so the docs need no inline script either.
SWAGGER_UI_CDN = "https://cdn.jsdelivr.net"
_docs_view = csp_update(
    {"script-src": [SWAGGER_UI_CDN], "style-src": [SWAGGER_UI_CDN], "img-src": [SWAGGER_UI_CDN]}
)(SpectacularSwaggerSplitView.as_view(url_name="schema"))

# The scripts' messages in the page's language; the page asks for it with ?l=<language>, so a
# switch of language is a new address and never an hour-old catalogue from the browser's cache.
_script_messages = cache_control(max_age=3600)(JavaScriptCatalog.as_view())

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", _script_messages, name="javascript-catalog"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics, name="prometheus-django-metrics"),
    path("admin/", admin.site.urls),
    path("webhooks/<str:provider_name>/", payment_views.webhook, name="payment-webhook"),
    path("api/v1/", include("ticketing.api_v1")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", _docs_view, name="api-docs"),
    path("accounts/", include("apps.accounts.urls")),
    path("room/", include("apps.waitingroom.urls")),
    path("checkin/", include("apps.checkin.urls")),
    path("bookings/", include("apps.inventory.urls")),
    path("bookings/", include("apps.bookings.urls")),
    path("", include("apps.storefront.urls")),
]

handler400 = "apps.common.views.bad_request"
handler404 = "apps.common.views.page_not_found"
handler500 = "apps.common.views.server_error"

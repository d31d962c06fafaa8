"""Every route of the JSON API, version 1. Each app owns its routes in `api_urls.py`."""

from django.urls import include, path

urlpatterns = [
    path("auth/", include("apps.accounts.api_urls")),
    path("", include("apps.storefront.api_urls")),
    path("", include("apps.waitingroom.api_urls")),
    path("", include("apps.inventory.api_urls")),
    path("", include("apps.bookings.api_urls")),
    path("", include("apps.checkin.api_urls")),
    path("monitoring/", include("apps.backoffice.api_urls")),
]

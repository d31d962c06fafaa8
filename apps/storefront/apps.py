from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class StorefrontConfig(AppConfig):
    """The buyer-facing catalogue: event pages and the catalogue API, which put the events'
    catalogue together with their seat availability. No models."""

    name = "apps.storefront"
    label = "storefront"
    verbose_name = gettext_lazy("Storefront")

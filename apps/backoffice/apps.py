from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    """The staff back office: admin pages for venues and events, the sales and lock-contention
    monitoring (admin pages and the monitoring API), and the demo data. It sits on top of every
    other app and holds no models."""

    name = "apps.backoffice"
    label = "backoffice"
    verbose_name = "Back office"

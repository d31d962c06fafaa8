from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy


class BackofficeConfig(AppConfig):
    """The staff back office: admin pages for venues and events, the sales and lock-contention
    monitoring (admin pages and the monitoring API), the staff groups, and the demo data. It
    sits on top of every other app and holds no models."""

    name = "apps.backoffice"
    label = "backoffice"
    verbose_name = gettext_lazy("Back office")

    def ready(self):
        from django.apps import apps

        from .staff_groups import ensure_staff_groups

        # post_migrate is sent once per app with models, in INSTALLED_APPS order (backoffice
        # has none): hooked on the last, the groups are set once per migrate, after every
        # app's permissions exist.
        last = [config for config in apps.get_app_configs() if config.models_module][-1]
        post_migrate.connect(ensure_staff_groups, sender=last, dispatch_uid="staff-groups")

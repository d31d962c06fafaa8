from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class CommonConfig(AppConfig):
    name = "apps.common"
    label = "common"
    verbose_name = gettext_lazy("Common")

    def ready(self):
        from . import checks  # noqa: F401 - registers the deploy checks

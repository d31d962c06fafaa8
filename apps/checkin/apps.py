from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class CheckinConfig(AppConfig):
    name = "apps.checkin"
    label = "checkin"
    verbose_name = gettext_lazy("Check-in")

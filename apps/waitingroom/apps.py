from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class WaitingRoomConfig(AppConfig):
    name = "apps.waitingroom"
    label = "waitingroom"
    verbose_name = gettext_lazy("Waiting rooms")

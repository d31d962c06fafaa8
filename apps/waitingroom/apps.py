from django.apps import AppConfig


class WaitingRoomConfig(AppConfig):
    name = "apps.waitingroom"
    label = "waitingroom"
    verbose_name = "Waiting rooms"

from django.apps import AppConfig


class CheckinConfig(AppConfig):
    name = "apps.checkin"
    label = "checkin"
    verbose_name = "Check-in"

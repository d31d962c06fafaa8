from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class PaymentsConfig(AppConfig):
    name = "apps.payments"
    label = "payments"
    verbose_name = gettext_lazy("Payments")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class BookingsConfig(AppConfig):
    name = "apps.bookings"
    label = "bookings"
    verbose_name = gettext_lazy("Bookings")

    def ready(self):
        # Payments may not import bookings: it announces a succeeded payment, bookings settles.
        from apps.payments.webhooks import payment_succeeded

        from .services import settle_quietly

        payment_succeeded.connect(settle_quietly, dispatch_uid="bookings.settle_paid_booking")

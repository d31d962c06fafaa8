from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "apps.bookings"
    label = "bookings"

    def ready(self):
        # Payments may not import bookings: it announces a succeeded payment, bookings settles.
        from apps.payments.webhooks import payment_succeeded

        from .services import settle_quietly

        payment_succeeded.connect(settle_quietly, dispatch_uid="bookings.settle_paid_booking")

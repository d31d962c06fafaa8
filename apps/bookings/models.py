import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.common.models import TimeStampedModel

# No 0/O/1/I: references are read out over the phone.
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_booking_reference() -> str:
    return "TK-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))


def new_ticket_code() -> str:
    return secrets.token_urlsafe(18)


class Booking(TimeStampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting payment")
        CONFIRMED = "confirmed", _("Confirmed")
        FAILED = "failed", _("Failed (refunded)")
        CANCELLED = "cancelled", _("Cancelled")

    reference = models.CharField(
        max_length=16, unique=True, default=new_booking_reference, verbose_name=_("reference")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="bookings",
        verbose_name=_("user"),
    )
    event = models.ForeignKey(
        "events.Event", on_delete=models.PROTECT, related_name="bookings", verbose_name=_("event")
    )
    hold = models.OneToOneField(
        "inventory.Hold", on_delete=models.PROTECT, related_name="booking", verbose_name=_("hold")
    )
    status = models.CharField(
        max_length=20,
        choices=Status.choices,
        default=Status.PENDING,
        db_index=True,
        verbose_name=_("status"),
    )
    total = models.DecimalField(max_digits=12, decimal_places=2, verbose_name=_("total"))
    # Given back so far (staff refunds of some tickets, or the whole booking when cancelled).
    refunded_amount = models.DecimalField(
        max_digits=12, decimal_places=2, default=0, verbose_name=_("refunded amount")
    )
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    confirmed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("confirmed at"))
    cancelled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("cancelled at"))
    failure_reason = models.CharField(max_length=200, blank=True, verbose_name=_("failure reason"))
    # {event seat id: price} as held when the payment was opened: what the booking sells once
    # the payment succeeds, whoever (checkout, webhook, reconciliation) settles it.
    seat_prices = models.JSONField(default=dict, blank=True, verbose_name=_("seat prices"))
    # The buyer's language at checkout: the booking's e-mails and tickets are written in it,
    # whoever (a task, a webhook, staff) sends them.
    language = models.CharField(
        max_length=8, choices=settings.LANGUAGES, default="en", verbose_name=_("language")
    )

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["-created_at"]
        # Refunding is money leaving the shop: its own permission (the "Finance" group), not
        # implied by viewing or changing bookings.
        permissions = [("refund_booking", _("Can cancel and refund bookings"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "confirmed", "failed", "cancelled"]),
                name="booking_valid_status",
            ),
            models.CheckConstraint(condition=Q(total__gte=0), name="booking_total_non_negative"),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=models.F("total")),
                name="booking_valid_refunded_amount",
            ),
            models.CheckConstraint(
                condition=~Q(status="confirmed") | Q(confirmed_at__isnull=False),
                name="booking_confirmed_has_time",
            ),
        ]

    def __str__(self):
        return self.reference


class Ticket(TimeStampedModel):
    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        CANCELLED = "cancelled", _("Cancelled")

    booking = models.ForeignKey(
        Booking, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("booking")
    )
    event_seat = models.ForeignKey(
        "inventory.EventSeat",
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("event seat"),
    )
    price = models.DecimalField(max_digits=10, decimal_places=2, verbose_name=_("price"))
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.VALID, verbose_name=_("status")
    )
    code = models.CharField(
        max_length=40, unique=True, default=new_ticket_code, verbose_name=_("code")
    )

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["id"]
        constraints = [
            # The backstop: whatever a code path does, a seat cannot be sold twice.
            models.UniqueConstraint(
                fields=["event_seat"],
                condition=Q(status="valid"),
                name="ticket_one_live_per_event_seat",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["valid", "cancelled"]), name="ticket_valid_status"
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="ticket_price_non_negative"),
        ]

    def __str__(self):
        return f"{self.booking.reference} / {self.event_seat_id}"


class BookingEmail(TimeStampedModel):
    """One e-mail the buyer is owed about a booking, written in the transaction that confirms,
    cancels or refunds it: the unique (booking, kind) makes two settlers (checkout, webhook,
    reconciliation) unable to owe two confirmations, and a rolled-back transaction owes none.
    Sent after the commit by apps.bookings.tasks.send_booking_email_task."""

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", _("Tickets (confirmation)")
        CANCELLATION = "cancellation", _("Cancellation")
        REFUND = "refund", _("Refund (the booking did not go through)")

    booking = models.ForeignKey(
        Booking, on_delete=models.CASCADE, related_name="emails", verbose_name=_("booking")
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, verbose_name=_("kind"))
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))
    # While a task is sending it (a lease): a duplicate task (the sweep, a redelivery) skips.
    sending_until = models.DateTimeField(null=True, blank=True, verbose_name=_("sending until"))
    last_error = models.CharField(max_length=255, blank=True, verbose_name=_("last error"))

    class Meta:
        verbose_name = _("booking email")
        verbose_name_plural = _("booking emails")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["booking", "kind"], name="bookingemail_one_per_kind"),
            models.CheckConstraint(
                condition=Q(kind__in=["confirmation", "cancellation", "refund"]),
                name="bookingemail_valid_kind",
            ),
        ]
        indexes = [
            # The sweep for e-mails whose task was never delivered reads only the unsent ones.
            models.Index(
                fields=["created_at"],
                condition=Q(sent_at__isnull=True),
                name="bookingemail_unsent_idx",
            ),
        ]

    def __str__(self):
        return f"{self.booking_id} / {self.kind}"

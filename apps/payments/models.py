import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.common.models import TimeStampedModel


class Payment(TimeStampedModel):
    """One attempt to pay for a booking: one PaymentIntent at the gateway. Written as `pending`
    before the gateway is called, so that a crash mid-call leaves a trace to reconcile instead of
    a lost charge. Its gateway key is derived from its id: a retry of the same attempt (a
    repeated request, the reconciliation) reaches the gateway with the same key."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        REQUIRES_ACTION = "requires_action", _("Awaiting 3-D Secure")
        PROCESSING = "processing", _("Processing")
        UNKNOWN = "unknown", _("Outcome unknown (gateway timeout)")
        SUCCEEDED = "succeeded", _("Succeeded")
        DECLINED = "declined", _("Declined")
        FAILED = "failed", _("Not charged")
        REFUNDED = "refunded", _("Refunded")

    # Not finished: the gateway may still take the money (or already has).
    OPEN = (Status.PENDING, Status.REQUIRES_ACTION, Status.PROCESSING, Status.UNKNOWN)

    id = models.UUIDField(
        primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("id")
    )
    booking = models.ForeignKey(
        "bookings.Booking",
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("booking"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2, verbose_name=_("amount"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    status = models.CharField(
        max_length=20,
        choices=Status.choices,
        default=Status.PENDING,
        db_index=True,
        verbose_name=_("status"),
    )
    provider = models.CharField(max_length=50, verbose_name=_("provider"))
    intent_id = models.CharField(
        max_length=100, blank=True, db_index=True, verbose_name=_("intent id")
    )
    card_last4 = models.CharField(max_length=4, blank=True, verbose_name=_("card last4"))
    failure_code = models.CharField(max_length=50, blank=True, verbose_name=_("failure code"))
    failure_message = models.CharField(
        max_length=255, blank=True, verbose_name=_("failure message")
    )
    # A request is talking to the gateway about this payment until then: a second request for
    # the same booking (a double click) is told to wait instead of calling the gateway too. A
    # crashed request's lease runs out, and the next try (or the reconciliation) takes over.
    busy_until = models.DateTimeField(null=True, blank=True, verbose_name=_("busy until"))
    # What its refunds add up to, recorded ones included (sent or still to be sent): raised in
    # the transaction that records a refund, under this row's lock, and never above `amount`.
    refunded_amount = models.DecimalField(
        max_digits=12, decimal_places=2, default=0, verbose_name=_("refunded amount")
    )

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=models.F("amount")),
                name="payment_valid_refunded_amount",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "pending",
                        "requires_action",
                        "processing",
                        "unknown",
                        "succeeded",
                        "declined",
                        "failed",
                        "refunded",
                    ]
                ),
                name="payment_valid_status",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="payment_amount_non_negative"),
            # A booking is paid once: one attempt open or paid at a time, refused by the database.
            models.UniqueConstraint(
                fields=["booking"],
                condition=Q(
                    status__in=["pending", "requires_action", "processing", "unknown", "succeeded"]
                ),
                name="payment_one_open_or_paid_per_booking",
            ),
        ]

    def __str__(self):
        return f"{self.amount} {self.currency} {self.status}"

    @property
    def gateway_key(self) -> str:
        """Our idempotency key at the gateway: fixed length, whatever the client sent."""
        return f"pay_{self.pk.hex}"


class PaymentNeedingAttention(Payment):
    """The admin's list "Payments that need attention" (apps.payments.admin)."""

    class Meta:
        proxy = True
        verbose_name = _("payment that needs attention")
        verbose_name_plural = _("payments that need attention")


class Refund(TimeStampedModel):
    """Money going back. Created in the same transaction that fails or cancels the booking (or
    cancels some of its tickets), so that no crash can leave a failed booking without its
    refund; sent to the gateway afterwards and retried with exponential backoff until it
    succeeds or gives up (`failed`, visible). A payment may have several (partial refunds),
    numbered from 1; together they never exceed it (Payment.refunded_amount)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed (gave up)")

    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("payment")
    )
    sequence = models.PositiveSmallIntegerField(default=1, verbose_name=_("sequence"))
    amount = models.DecimalField(max_digits=12, decimal_places=2, verbose_name=_("amount"))
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PENDING, verbose_name=_("status")
    )
    reason = models.CharField(max_length=200, verbose_name=_("reason"))
    provider_refund_id = models.CharField(
        max_length=100, blank=True, verbose_name=_("provider refund id")
    )
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, db_index=True, verbose_name=_("next attempt at")
    )
    last_error = models.CharField(max_length=255, blank=True, verbose_name=_("last error"))

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "succeeded", "failed"]),
                name="refund_valid_status",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="refund_amount_non_negative"),
            models.UniqueConstraint(fields=["payment", "sequence"], name="refund_one_per_sequence"),
        ]

    @property
    def gateway_key(self) -> str:
        # The first refund keeps the key refunds had before there could be several: one sent
        # before an upgrade reaches the gateway with the same key when it is retried after it.
        suffix = "" if self.sequence == 1 else f"_{self.sequence}"
        return f"refund_{self.payment_id.hex}{suffix}"


class WebhookEvent(models.Model):
    """A gateway event, stored once (its id is unique per provider) before it is acted on: a
    replayed delivery finds it and does nothing."""

    provider = models.CharField(max_length=50, verbose_name=_("provider"))
    event_id = models.CharField(max_length=100, verbose_name=_("event id"))
    type = models.CharField(max_length=100, verbose_name=_("type"))
    intent_id = models.CharField(
        max_length=100, blank=True, db_index=True, verbose_name=_("intent id")
    )
    # What was done with it: "applied", "ignored", "unknown_payment", ...
    outcome = models.CharField(max_length=50, blank=True, verbose_name=_("outcome"))
    received_at = models.DateTimeField(auto_now_add=True, verbose_name=_("received at"))
    payload = models.JSONField(default=dict, verbose_name=_("payload"))

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "event_id"], name="webhookevent_once_per_event"
            ),
        ]

    def __str__(self):
        return f"{self.provider} {self.type} {self.event_id}"


class SandboxCharge(models.Model):
    """The sandbox gateway's own ledger, one row per PaymentIntent: what a real card gateway
    would show in its dashboard. Keyed by the caller's idempotency key, so a retried request
    finds the same intent, and an intent is charged at most once."""

    class Status(models.TextChoices):
        REQUIRES_CONFIRMATION = "requires_confirmation", _("Requires confirmation")
        SUCCEEDED = "succeeded", _("Succeeded")
        DECLINED = "declined", _("Declined")
        CANCELED = "canceled", _("Canceled")

    id = models.CharField(primary_key=True, max_length=40, verbose_name=_("id"))
    idempotency_key = models.CharField(
        max_length=100, unique=True, verbose_name=_("idempotency key")
    )
    order_ref = models.CharField(max_length=40, db_index=True, verbose_name=_("order ref"))
    amount = models.DecimalField(max_digits=12, decimal_places=2, verbose_name=_("amount"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    payment_method = models.CharField(max_length=40, default="", verbose_name=_("payment method"))
    card_last4 = models.CharField(max_length=4, verbose_name=_("card last4"))
    status = models.CharField(max_length=30, choices=Status.choices, verbose_name=_("status"))
    confirm_attempts = models.PositiveIntegerField(default=0, verbose_name=_("confirm attempts"))
    refunded_amount = models.DecimalField(
        max_digits=12, decimal_places=2, default=0, verbose_name=_("refunded amount")
    )
    refunded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("refunded at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("sandbox charge")
        verbose_name_plural = _("sandbox charges")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=models.F("amount")),
                name="sandboxcharge_refund_within_amount",
            ),
        ]

    def __str__(self):
        return f"{self.id} {self.amount} {self.currency} {self.status}"


class SandboxRefund(models.Model):
    """The sandbox gateway's refunds, one per idempotency key: a retried refund call finds its
    row and gets the same answer instead of refunding twice."""

    key = models.CharField(primary_key=True, max_length=100, verbose_name=_("key"))
    charge = models.ForeignKey(
        SandboxCharge, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("charge")
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2, verbose_name=_("amount"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("sandbox refund")
        verbose_name_plural = _("sandbox refunds")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.key} {self.amount}"

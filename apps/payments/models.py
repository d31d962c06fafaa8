import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.common.models import TimeStampedModel


class Payment(TimeStampedModel):
    """One attempt to charge a buyer for a booking. Written as `pending` before the provider is
    called, so that a crash mid-call leaves a trace to reconcile instead of a lost charge."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        DECLINED = "declined", "Declined"
        FAILED = "failed", "Processing error"
        REFUNDED = "refunded", "Refunded"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    booking = models.ForeignKey(
        "bookings.Booking", on_delete=models.PROTECT, related_name="payments"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    provider = models.CharField(max_length=50)
    provider_charge_id = models.CharField(max_length=100, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    failure_code = models.CharField(max_length=50, blank=True)
    failure_message = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "succeeded", "declined", "failed", "refunded"]),
                name="payment_valid_status",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="payment_amount_non_negative"),
            # A booking is paid once; a second successful charge is a bug the database refuses.
            models.UniqueConstraint(
                fields=["booking"],
                condition=Q(status__in=["pending", "succeeded"]),
                name="payment_one_open_or_paid_per_booking",
            ),
        ]

    def __str__(self):
        return f"{self.amount} {self.currency} {self.status}"


class Refund(TimeStampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="refund")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(max_length=200)
    provider_refund_id = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "succeeded", "failed"]),
                name="refund_valid_status",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="refund_amount_non_negative"),
        ]


class SandboxCharge(models.Model):
    """The sandbox gateway's own ledger: what a real card gateway would show in its dashboard.
    Keyed by the caller's idempotency key, so a retried charge is never taken twice."""

    class Status(models.TextChoices):
        SUCCEEDED = "succeeded", "Succeeded"
        DECLINED = "declined", "Declined"
        FAILED = "failed", "Processing error"

    id = models.CharField(primary_key=True, max_length=40)
    idempotency_key = models.CharField(max_length=100, unique=True)
    # The merchant's order reference: the sandbox's transient-failure card fails only the first
    # attempt per order, as a flaky gateway would.
    order_ref = models.CharField(max_length=40, db_index=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    card_last4 = models.CharField(max_length=4)
    status = models.CharField(max_length=20, choices=Status.choices)
    refunded_amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    refunded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=models.F("amount")),
                name="sandboxcharge_refund_within_amount",
            ),
        ]

    def __str__(self):
        return f"{self.id} {self.amount} {self.currency} {self.status}"

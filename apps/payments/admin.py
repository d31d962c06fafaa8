from django.contrib import admin
from django.utils.translation import gettext_lazy

from apps.common.admin import ReadOnlyModelAdmin

from .models import Payment, Refund, SandboxCharge, WebhookEvent


@admin.register(Payment)
class PaymentAdmin(ReadOnlyModelAdmin):
    list_display = (
        "created_at",
        "booking",
        "user",
        "amount",
        "currency",
        "status",
        "provider",
        "card_last4",
        "failure_code",
    )
    list_filter = ("status", "provider", "created_at")
    list_select_related = ("booking", "user")
    search_fields = ("booking__reference", "user__email", "intent_id")
    date_hierarchy = "created_at"


@admin.register(Refund)
class RefundAdmin(ReadOnlyModelAdmin):
    list_display = (
        "created_at",
        "payment_booking",
        "amount",
        "status",
        "reason",
        "attempts",
        "next_attempt_at",
        "last_error",
    )
    list_filter = ("status", "reason")
    list_select_related = ("payment__booking",)
    search_fields = ("payment__booking__reference", "provider_refund_id")

    @admin.display(description=gettext_lazy("booking"), ordering="payment__booking__reference")
    def payment_booking(self, refund):
        return refund.payment.booking.reference


@admin.register(SandboxCharge)
class SandboxChargeAdmin(ReadOnlyModelAdmin):
    """The sandbox gateway's own ledger, as a real gateway's dashboard would show it."""

    list_display = (
        "id",
        "created_at",
        "order_ref",
        "amount",
        "currency",
        "card_last4",
        "payment_method",
        "status",
        "confirm_attempts",
        "refunded_amount",
    )
    list_filter = ("status",)
    search_fields = ("id", "order_ref", "idempotency_key")


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyModelAdmin):
    """Every gateway event received, once each, with what was done with it."""

    list_display = ("received_at", "provider", "type", "event_id", "intent_id", "outcome")
    list_filter = ("provider", "type", "outcome")
    search_fields = ("event_id", "intent_id")
    exclude = ("payload",)

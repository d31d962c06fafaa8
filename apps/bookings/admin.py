from datetime import timedelta

from django.conf import settings
from django.contrib import admin
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from apps.common.admin import ReadOnlyModelAdmin, venue_clock_column
from apps.payments.models import Payment, PaymentNeedingAttention, Refund

from .admin_refunds import BookingRefundAdminMixin
from .models import Booking, BookingEmail, Ticket


def attention_queryset(payments):
    """Paid without valid tickets; open past the reconciliation's wait; refund given up."""
    stale = timezone.now() - timedelta(seconds=settings.TICKETING["RECONCILE_AFTER_SECONDS"])
    valid = Ticket.objects.filter(booking_id=OuterRef("booking_id"), status=Ticket.Status.VALID)
    gave_up = Refund.objects.filter(payment_id=OuterRef("pk"), status=Refund.Status.FAILED)
    return payments.annotate(has_valid_tickets=Exists(valid)).filter(
        Q(status=Payment.Status.SUCCEEDED, has_valid_tickets=False)
        | Q(status__in=Payment.OPEN, updated_at__lt=stale)
        | Exists(gave_up)
    )


class TicketInline(admin.TabularInline):
    model = Ticket
    extra = 0
    can_delete = False
    fields = ("seat_label", "price", "status", "code")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("event_seat__seat")

    @admin.display(description=gettext_lazy("seat"))
    def seat_label(self, ticket):
        return str(ticket.event_seat.seat)

    def has_add_permission(self, request, obj=None):
        return False


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0
    can_delete = False
    fields = ("created_at", "amount", "currency", "status", "card_last4", "failure_code")
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class BookingEmailInline(admin.TabularInline):
    """What the buyer was sent, or is still owed (sent empty: the task is retrying, or gave up
    after its retries with the last error shown)."""

    model = BookingEmail
    extra = 0
    can_delete = False
    fields = ("kind", "created_at", "sent_at", "attempts", "last_error")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Booking)
class BookingAdmin(BookingRefundAdminMixin, admin.ModelAdmin):
    list_display = (
        "reference",
        "event",
        "user",
        "status",
        "ticket_count",
        "total",
        "currency",
        "created",
    )
    list_filter = ("status", "event", "created_at")
    list_select_related = ("event__venue", "user")
    search_fields = ("reference", "user__email", "event__title")
    date_hierarchy = "created_at"
    inlines = [TicketInline, PaymentInline, BookingEmailInline]
    actions = ["cancel_and_refund"]
    readonly_fields = (
        "reference",
        "user",
        "event",
        "hold",
        "status",
        "total",
        "refunded_amount",
        "currency",
        "created",
        "confirmed",
        "cancelled",
        "failure_reason",
    )
    fields = readonly_fields
    created = venue_clock_column("created_at", gettext_lazy("booked (venue's clock)"))
    confirmed = venue_clock_column("confirmed_at", gettext_lazy("confirmed (venue's clock)"))
    cancelled = venue_clock_column("cancelled_at", gettext_lazy("cancelled (venue's clock)"))

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(live_tickets=Count("tickets", filter=Q(tickets__status="valid")))
        )

    @admin.display(description=gettext_lazy("tickets"), ordering="live_tickets")
    def ticket_count(self, booking):
        return booking.live_tickets

    # The admin offers, and accepts, the action only with the permission; it asks first
    # (BookingRefundAdminMixin.cancel_and_refund).
    @admin.action(
        description=gettext_lazy("Cancel and refund selected bookings…"), permissions=["refund"]
    )
    def cancel_and_refund(self, request, queryset):
        return super().cancel_and_refund(request, queryset)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(ReadOnlyModelAdmin):
    list_display = ("code", "booking", "seat_label", "price", "status")
    list_filter = ("status", "event_seat__event")
    list_select_related = ("booking", "event_seat__seat")
    search_fields = ("code", "booking__reference", "booking__user__email")
    readonly_fields = ("booking", "event_seat", "price", "status", "code", "created_at")
    fields = readonly_fields

    @admin.display(description=gettext_lazy("seat"))
    def seat_label(self, ticket):
        return str(ticket.event_seat.seat)


@admin.register(PaymentNeedingAttention)
class PaymentsNeedingAttentionAdmin(ReadOnlyModelAdmin):
    """Payments that need attention: paid with neither valid tickets nor a completed refund,
    open at the gateway for longer than the reconciliation waits, or whose refund gave up.
    The reconciliation (beat, every minute) repairs what it can; what stays here needs a
    person (the gateway's dashboard, then "Cancel and refund" on the booking)."""

    list_display = (
        "created_at",
        "booking",
        "amount",
        "currency",
        "status",
        "refund_status",
        "why",
        "intent_id",
    )
    list_select_related = ("booking",)
    search_fields = ("booking__reference", "intent_id")

    def get_queryset(self, request):
        return attention_queryset(PaymentNeedingAttention.objects.all()).prefetch_related("refunds")

    @admin.display(description=gettext_lazy("refund"))
    def refund_status(self, payment):
        refunds = payment.refunds.all()
        return (
            ", ".join(
                ngettext("%(status)s (%(n)s try)", "%(status)s (%(n)s tries)", r.attempts)
                % {"status": r.get_status_display(), "n": r.attempts}
                for r in refunds
            )
            or "-"
        )

    @admin.display(description=gettext_lazy("why"))
    def why(self, payment):
        if payment.status == Payment.Status.SUCCEEDED and not payment.has_valid_tickets:
            return _("paid without tickets")
        if payment.status in Payment.OPEN:
            return _("open at the gateway")
        return _("refund gave up")

from django.contrib import admin, messages
from django.shortcuts import redirect

from apps.common.errors import ShopError
from apps.events.models import PriceTier

from . import (
    admin_holds,  # noqa: F401 (registers the Hold admin)
    admin_views,  # noqa: F401  (registers the lock contention pages)
)
from .models import EventSeat, Seat
from .seats import set_seat_price_tier

# --- Seats and event seats (venue layouts and per-event inventory) ---------------------------


@admin.register(Seat)
class SeatAdmin(admin.ModelAdmin):
    """Read-mostly: seats come from a venue's "Generate seat layout" page. Unused seats can be
    deleted (a seat some event sells is protected)."""

    list_display = ("venue", "section", "row", "number")
    list_filter = ("venue", "section")
    list_select_related = ("venue",)
    search_fields = ("venue__name", "section")
    fields = ("venue", "section", "row", "number", "x", "y")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(EventSeat)
class EventSeatAdmin(admin.ModelAdmin):
    """One seat of one event. Only an available seat's price tier can be changed here; status
    and holds belong to the seat-hold protocol."""

    list_display = ("id", "event", "seat", "tier", "status", "held_until")
    list_filter = ("event", "status")
    list_select_related = ("event", "seat", "price_tier")
    fields = ("event", "seat", "price_tier", "status", "hold", "held_until")
    readonly_fields = ("event", "seat", "status", "hold", "held_until")

    @admin.display(description="price tier", ordering="price_tier__price")
    def tier(self, event_seat):
        tier = event_seat.price_tier
        return f"{tier.name} ({tier.price} {event_seat.event.currency})"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is None or obj.status != EventSeat.Status.AVAILABLE:
            fields.append("price_tier")
        return fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None and "price_tier" in form.base_fields:
            form.base_fields["price_tier"].queryset = PriceTier.objects.filter(
                event_id=obj.event_id
            ).select_related("event")
        return form

    def save_model(self, request, obj, form, change):
        # Not obj.save(): that would write back the status and hold read when the form was
        # opened, undoing a hold a buyer took meanwhile.
        if "price_tier" not in form.changed_data:
            return
        try:
            set_seat_price_tier(event_seat_id=obj.pk, price_tier_id=obj.price_tier_id)
        except ShopError as exc:
            request._event_seat_refusal = exc

    def log_change(self, request, obj, message):
        if getattr(request, "_event_seat_refusal", None) is None:
            return super().log_change(request, obj, message)
        return None

    def response_change(self, request, obj):
        refusal = getattr(request, "_event_seat_refusal", None)
        if refusal is not None:
            self.message_user(request, f"Not changed: {refusal.detail}", messages.ERROR)
            return redirect("admin:inventory_eventseat_change", obj.pk)
        return super().response_change(request, obj)

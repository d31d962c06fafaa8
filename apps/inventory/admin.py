from django.contrib import admin, messages
from django.db.models import Count, Q
from django.db.models.functions import Now
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from apps.common.admin import ReadOnlyModelAdmin, venue_clock_column
from apps.common.errors import ShopError
from apps.common.money import format_money
from apps.events.models import PriceTier
from apps.inventory.seats import set_seat_price_tier

from .holds import release_holds_as_staff
from .models import EventSeat, Hold, Seat

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

    list_display = ("id", "event", "seat", "tier", "status", "held")
    list_filter = ("event", "status")
    list_select_related = ("event__venue", "seat", "price_tier")
    fields = ("event", "seat", "price_tier", "status", "hold", "held")
    readonly_fields = ("event", "seat", "status", "hold", "held")
    held = venue_clock_column("held_until", gettext_lazy("held until (venue's clock)"))

    @admin.display(description=gettext_lazy("price tier"), ordering="price_tier__price")
    def tier(self, event_seat):
        tier = event_seat.price_tier
        return f"{tier.name} ({format_money(tier.price, event_seat.event.currency)})"

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
            self.message_user(
                request, _("Not changed: %(reason)s") % {"reason": refusal.detail}, messages.ERROR
            )
            return redirect("admin:inventory_eventseat_change", obj.pk)
        return super().response_change(request, obj)


# --- Holds: watch them, and release the ones a buyer abandoned at the box office ------------


class HoldStateFilter(admin.SimpleListFilter):
    title = gettext_lazy("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("live", _("Active (not expired)")),
            ("expired_unswept", _("Active but past expiry (not swept yet)")),
            ("ended", _("Ended (released, expired, converted)")),
        ]

    def queryset(self, request, queryset):
        active = Q(status=Hold.Status.ACTIVE)
        if self.value() == "live":
            return queryset.filter(active, expires_at__gt=Now())
        if self.value() == "expired_unswept":
            return queryset.filter(active, expires_at__lte=Now())
        if self.value() == "ended":
            return queryset.exclude(active)
        return queryset


@admin.register(Hold)
class HoldAdmin(ReadOnlyModelAdmin):
    list_display = ("id", "event", "user", "status", "seat_count", "expires", "extensions")
    list_filter = (HoldStateFilter, "status", "event")
    list_select_related = ("event__venue", "user")
    search_fields = ("id", "user__email", "event__title")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    actions = ["release_selected"]
    readonly_fields = ("id", "event", "user", "status", "expires", "extensions", "created", "ended")
    fields = readonly_fields
    expires = venue_clock_column("expires_at", gettext_lazy("expires (venue's clock)"))
    created = venue_clock_column("created_at", gettext_lazy("created (venue's clock)"))
    ended = venue_clock_column("ended_at", gettext_lazy("ended (venue's clock)"))

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(live_seats=Count("event_seats", filter=Q(event_seats__status="held")))
        )

    @admin.display(description=gettext_lazy("seats"), ordering="live_seats")
    def seat_count(self, hold):
        return hold.live_seats

    def has_release_permission(self, request):
        return request.user.has_perm("inventory.release_hold")

    # The admin offers, and accepts, the action only with the permission.
    @admin.action(
        description=gettext_lazy("Release selected holds (seats go back on sale)"),
        permissions=["release"],
    )
    def release_selected(self, request, queryset):
        ids = list(queryset.filter(status=Hold.Status.ACTIVE).values_list("id", flat=True))
        released = release_holds_as_staff(hold_ids=ids, staff_user=request.user)
        skipped = queryset.count() - released
        self.message_user(
            request,
            ngettext("Released %(n)s hold.", "Released %(n)s holds.", released) % {"n": released},
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(n)s hold had already ended and was left alone.",
                    "%(n)s holds had already ended and were left alone.",
                    skipped,
                )
                % {"n": skipped},
                messages.WARNING,
            )

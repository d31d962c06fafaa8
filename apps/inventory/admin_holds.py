"""Admin for holds: watch them, and release the ones a buyer abandoned at the box office."""

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.db.models.functions import Now

from apps.common.admin import ReadOnlyModelAdmin

from .holds import release_holds_as_staff
from .models import Hold


class HoldStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("live", "Active (not expired)"),
            ("expired_unswept", "Active but past expiry (not swept yet)"),
            ("ended", "Ended (released, expired, converted)"),
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
    list_display = ("id", "event", "user", "status", "seat_count", "expires_at", "extensions")
    list_filter = (HoldStateFilter, "status", "event")
    list_select_related = ("event", "user")
    search_fields = ("id", "user__email", "event__title")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    actions = ["release_selected"]
    readonly_fields = (
        "id",
        "event",
        "user",
        "status",
        "expires_at",
        "extensions",
        "created_at",
        "ended_at",
    )
    fields = readonly_fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(live_seats=Count("event_seats", filter=Q(event_seats__status="held")))
        )

    @admin.display(description="seats", ordering="live_seats")
    def seat_count(self, hold):
        return hold.live_seats

    @admin.action(description="Release selected holds (seats go back on sale)")
    def release_selected(self, request, queryset):
        ids = list(queryset.filter(status=Hold.Status.ACTIVE).values_list("id", flat=True))
        released = release_holds_as_staff(hold_ids=ids, staff_user=request.user)
        skipped = queryset.count() - released
        self.message_user(request, f"Released {released} hold(s).", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"{skipped} hold(s) had already ended and were left alone.",
                messages.WARNING,
            )

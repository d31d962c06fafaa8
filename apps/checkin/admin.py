from django.contrib import admin
from django.utils.translation import gettext_lazy

from apps.common.admin import ReadOnlyModelAdmin

from .models import CheckIn


@admin.register(CheckIn)
class CheckInAdmin(ReadOnlyModelAdmin):
    """Who came in where and when; written only by the door (apps.checkin.services)."""

    list_display = ("checked_in_at", "door", "event", "place", "checked_in_by")
    list_filter = ("door", "ticket__booking__event")
    list_select_related = ("ticket__booking__event", "ticket__event_seat__seat", "checked_in_by")
    date_hierarchy = "checked_in_at"
    ordering = ("-checked_in_at",)

    @admin.display(description=gettext_lazy("event"), ordering="ticket__booking__event__starts_at")
    def event(self, check_in):
        return check_in.ticket.booking.event

    @admin.display(description=gettext_lazy("place"))
    def place(self, check_in):
        return check_in.ticket.event_seat.seat.label

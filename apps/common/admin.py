from operator import attrgetter

from django.contrib import admin

from .venue_time import format_local


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """For records only the services write (money, holds, statistics): staff read them, and
    act on them through admin actions that call the services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def venue_clock_column(field: str, description, venue: str = "event.venue"):
    """An admin column (or read-only field) showing the datetime `field` on the venue's clock
    with its zone; `venue` is the path from the row to its venue (select it with the rows).
    `description` is the column's whole title, a lazy translation that says "venue's clock"."""
    venue_of = attrgetter(venue)

    @admin.display(description=description, ordering=field)
    def column(model_admin, obj):
        return format_local(getattr(obj, field), venue_of(obj))

    return column

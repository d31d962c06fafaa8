"""The event page's "Export bookings (CSV)" and "Export attendees (CSV)" buttons (hooked into
EventAdmin by EventExportsAdminMixin). Staff who may see bookings may export them."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import path, reverse

from apps.common.parsing import is_ascii_digits
from apps.events.models import Event

from .. import exports

EXPORT_PERMISSION = "bookings.view_booking"


def export_urls(event_id) -> dict:
    return {
        "bookings": reverse("admin:events_event_export_bookings", args=[event_id]),
        "attendees": reverse("admin:events_event_export_attendees", args=[event_id]),
    }


class EventExportsAdminMixin:
    def get_urls(self):
        pages = [
            path(
                "<int:event_id>/export/bookings.csv",
                self.admin_site.admin_view(self.export_bookings_view),
                name="events_event_export_bookings",
            ),
            path(
                "<int:event_id>/export/attendees.csv",
                self.admin_site.admin_view(self.export_attendees_view),
                name="events_event_export_attendees",
            ),
        ]
        return [*pages, *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if (
            object_id
            and is_ascii_digits(str(object_id))
            and request.user.has_perm(EXPORT_PERMISSION)
        ):
            extra_context = {**(extra_context or {}), "exports": export_urls(object_id)}
        return super().change_view(request, object_id, form_url, extra_context)

    def _event_to_export(self, request, event_id) -> Event:
        if not request.user.has_perm(EXPORT_PERMISSION):
            raise PermissionDenied
        return get_object_or_404(Event, pk=event_id)

    def export_bookings_view(self, request, event_id):
        return exports.bookings_csv(self._event_to_export(request, event_id))

    def export_attendees_view(self, request, event_id):
        return exports.attendees_csv(self._event_to_export(request, event_id))

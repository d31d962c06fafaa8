"""Staff pages that watch a sale: the sales dashboard and the lock-contention page of an event
(hooked into EventAdmin by EventMonitoringAdminMixin), and a "Lock contention" entry in the
admin index listing the events with lock activity. Thin: the numbers come from
backoffice.dashboard and backoffice.contention."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.common.admin import ReadOnlyModelAdmin
from apps.common.errors import NotFound
from apps.common.parsing import ascii_int, is_ascii_digits
from apps.inventory.models import LockStat

from .. import charts
from ..contention import DEFAULT_WINDOW, WINDOWS, contention_overview, event_contention
from ..dashboard import sales_dashboard

HOTTEST_SEATS = 25


def _window_from(request) -> int:
    minutes = ascii_int(request.GET.get("minutes", ""), DEFAULT_WINDOW)
    return minutes if minutes in WINDOWS else DEFAULT_WINDOW


def _window_links(request, current: int) -> list[dict]:
    return [
        {"minutes": m, "label": label, "url": f"?minutes={m}", "current": m == current}
        for m, label in WINDOWS.items()
    ]


def monitoring_urls(event_id) -> dict:
    return {
        "sales": reverse("admin:events_event_sales", args=[event_id]),
        "contention": reverse("admin:events_event_lock_contention", args=[event_id]),
        "change": reverse("admin:events_event_change", args=[event_id]),
    }


class EventMonitoringAdminMixin:
    """Mixed into EventAdmin: /admin/events/event/<id>/sales/ and .../lock-contention/, buttons
    on the event's change page and a column of links in the event list."""

    def get_urls(self):
        pages = [
            path(
                "<int:event_id>/sales/",
                self.admin_site.admin_view(self.sales_dashboard_view),
                name="events_event_sales",
            ),
            path(
                "<int:event_id>/lock-contention/",
                self.admin_site.admin_view(self.lock_contention_view),
                name="events_event_lock_contention",
            ),
        ]
        # Before the default patterns: their "<path:object_id>/" would swallow these.
        return [*pages, *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if object_id and is_ascii_digits(str(object_id)):
            extra_context = {**(extra_context or {}), "monitoring": monitoring_urls(object_id)}
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=gettext_lazy("monitor"))
    def monitoring_links(self, event):
        urls = monitoring_urls(event.pk)
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            urls["sales"],
            _("sales"),
            urls["contention"],
            _("contention"),
        )

    def _page(self, request, template, title, event, context):
        return TemplateResponse(
            request,
            template,
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": title,
                "subtitle": _("%(event)s · times in %(zone)s")
                % {"event": event, "zone": event.venue.time_zone},
                "original": event,
                "monitoring": monitoring_urls(event.pk),
                **context,
            },
        )

    def sales_dashboard_view(self, request, event_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            data = sales_dashboard(event_id=event_id)
        except NotFound:
            return self._get_obj_does_not_exist_redirect(request, self.opts, str(event_id))
        return self._page(
            request,
            "admin/backoffice/sales_dashboard.html",
            _("Sales dashboard"),
            data["event"],
            {
                "data": data,
                "chart": self._on_venue_clock(data, charts.sell_through_chart, "sell_through"),
            },
        )

    @staticmethod
    def _on_venue_clock(data, chart, key):
        # The charts' time labels on the event's venue's clock, as the subtitle says.
        with timezone.override(data["event"].venue.zone):
            return chart(data[key])

    def lock_contention_view(self, request, event_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        minutes = _window_from(request)
        try:
            data = event_contention(event_id=event_id, minutes=minutes, top=HOTTEST_SEATS)
        except NotFound:
            return self._get_obj_does_not_exist_redirect(request, self.opts, str(event_id))
        return self._page(
            request,
            "admin/backoffice/lock_contention.html",
            _("Lock contention"),
            data["event"],
            {
                "data": data,
                "chart": self._on_venue_clock(data, charts.contention_chart, "series"),
                "windows": _window_links(request, minutes),
                "window_label": WINDOWS[minutes],
            },
        )


@admin.register(LockStat)
class LockStatAdmin(ReadOnlyModelAdmin):
    """The "Lock contention" entry of the admin index: events with lock activity in a window,
    hottest first, and the hottest seat locks across them. The rows themselves are written by
    the rollup only."""

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        minutes = _window_from(request)
        data = contention_overview(minutes=minutes, limit=HOTTEST_SEATS)
        for entry in data["events"]:
            entry["url"] = reverse("admin:events_event_lock_contention", args=[entry["event_id"]])
        return TemplateResponse(
            request,
            "admin/backoffice/lock_overview.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": _("Lock contention"),
                "data": data,
                "windows": _window_links(request, minutes),
                "window_label": WINDOWS[minutes],
            },
        )

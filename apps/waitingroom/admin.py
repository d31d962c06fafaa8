"""Staff's page for a room: switch it on with a rate, a pass lifetime and an opening time;
pause, resume and change the rate during the sale; watch waiting, admitted, passes in use and
the time to empty, live (static/js/room-admin.js polls `figures`). Thin: every change goes
through services.configure_room, which also tells Redis."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from apps.common.errors import ShopError
from apps.common.venue_time import VenueClockFormMixin, format_local

from . import services
from .models import WaitingRoom
from .state import RoomUnavailable

NO_REDIS = gettext_lazy("A waiting room needs Redis (set REDIS_URL); this shop runs without it.")


class WaitingRoomForm(VenueClockFormMixin, forms.ModelForm):
    venue_clock_fields = ("opens_at",)

    class Meta:
        model = WaitingRoom
        fields = ["event", "enabled", "opens_at", "admission_per_minute", "pass_minutes", "paused"]

    def saved_venue(self):
        return self.instance.event.venue if self.instance.event_id else None

    def chosen_venue(self, cleaned_data):
        # The event of a saved room is read-only, not in the form.
        event = cleaned_data.get("event")
        return event.venue if event is not None else self.saved_venue()

    def clean_enabled(self):
        enabled = self.cleaned_data["enabled"]
        if enabled and not settings.USING_REDIS:
            raise forms.ValidationError(NO_REDIS)
        return enabled


def _figures(event_id) -> dict:
    try:
        f = services.room_figures(event_id)
    except RoomUnavailable as exc:
        return {"unavailable": exc.detail}
    except ShopError:
        return {"unavailable": _("Not set up in Redis yet.")}
    return {
        "waiting": f.waiting,
        "admitted": f.admitted,
        "passes_in_use": f.passes_in_use,
        "rate_per_minute": f.rate_per_minute,
        "paused": f.paused,
        "minutes_to_empty": f.minutes_to_empty,
    }


@admin.register(WaitingRoom)
class WaitingRoomAdmin(admin.ModelAdmin):
    form = WaitingRoomForm
    list_display = (
        "event",
        "enabled",
        "paused",
        "admission_per_minute",
        "pass_minutes",
        "opens",
    )
    list_filter = ("enabled", "paused")
    list_select_related = ("event__venue",)
    readonly_fields = ("live_figures",)
    actions = ("pause", "resume")

    @property
    def media(self):
        # The script's messages first, in the page's language (?l=: a switch of language is a
        # new address, never a catalogue cached in the other one).
        catalogue = f"{reverse('javascript-catalog')}?l={get_language()}"
        return super().media + forms.Media(js=[catalogue, "js/room-admin.js"])

    def has_delete_permission(self, request, obj=None):
        # Switch a room off instead: its settings and the event's flag change together.
        return False

    def get_readonly_fields(self, request, obj=None):
        # The event of a room is fixed once the room exists.
        return ("event", "live_figures") if obj else ()

    def get_fields(self, request, obj=None):
        fields = list(WaitingRoomForm.Meta.fields)
        return [*fields, "live_figures"] if obj else fields

    @admin.display(description=gettext_lazy("opens (venue's clock)"), ordering="opens_at")
    def opens(self, room):
        return format_local(room.opens_at, room.event.venue)

    @admin.display(description=gettext_lazy("Now"))
    def live_figures(self, obj):
        url = reverse("admin:waitingroom_waitingroom_figures", args=[obj.pk])
        # Labelled figures, not a sentence: each label is its own message, the numbers are
        # filled in by the script.
        return format_html(
            '<div data-room-figures="{}" data-testid="room-figures">'
            "{} <strong data-figure=waiting>…</strong> · "
            "{} <strong data-figure=admitted>…</strong> · "
            "{} <strong data-figure=passes_in_use>…</strong> · "
            "{} <strong data-figure=rate_per_minute>…</strong>{} · "
            "{} <strong data-figure=minutes_to_empty>…</strong> {}"
            " <span data-figure=state></span></div>",
            url,
            _("Waiting"),
            _("admitted"),
            _("passes in use"),
            _("rate"),
            _("/min"),
            _("time to empty"),
            _("min"),
        )

    def get_urls(self):
        figures = path(
            "<path:object_id>/figures/",
            self.admin_site.admin_view(self.figures_view),
            name="waitingroom_waitingroom_figures",
        )
        return [figures, *super().get_urls()]

    def figures_view(self, request, object_id):
        room = get_object_or_404(WaitingRoom, pk=object_id)
        if not self.has_view_permission(request, room):
            return JsonResponse({"detail": "forbidden"}, status=403)
        return JsonResponse(_figures(room.pk))

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in services.ROOM_FIELDS}
        try:
            services.configure_room(event_id=obj.event_id, **values)
        except ShopError as exc:
            self.message_user(request, exc.detail, messages.ERROR)
        obj.refresh_from_db()

    @admin.action(description=gettext_lazy("Pause admission"))
    def pause(self, request, queryset):
        for room in queryset:
            services.pause_room(event_id=room.event_id)
        n = len(queryset)
        self.message_user(
            request, ngettext("Paused %(n)s room.", "Paused %(n)s rooms.", n) % {"n": n}
        )

    @admin.action(description=gettext_lazy("Resume admission"))
    def resume(self, request, queryset):
        for room in queryset:
            services.resume_room(event_id=room.event_id)
        n = len(queryset)
        self.message_user(
            request, ngettext("Resumed %(n)s room.", "Resumed %(n)s rooms.", n) % {"n": n}
        )

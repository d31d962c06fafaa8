"""Staff setup of venues: the venue list with seat and event counts, and the "Generate seat
layout" page. Every write goes through the services; this file only turns forms into service
calls and service errors into messages a box office can act on."""

from functools import lru_cache
from zoneinfo import available_timezones

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from apps.common.errors import ShopError
from apps.events.models import Event, Venue
from apps.inventory.layouts import add_standing_area, generate_seat_layout
from apps.inventory.models import Seat


@lru_cache(maxsize=1)
def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(available_timezones())]


def add_service_error(form: forms.Form, exc: ShopError) -> None:
    """Shows a service's refusal on the form: its sentence on top, and a marker on each field it
    names."""
    for name, field_messages in (exc.extra.get("fields") or {}).items():
        if name in form.fields:
            for message in field_messages:
                form.add_error(name, message)
    form.add_error(None, exc.detail)


def section_summary(venue_id) -> list[dict]:
    """Rows and seats per section of a venue (places, for a standing area), in one query."""
    return list(
        Seat.objects.filter(venue_id=venue_id)
        .values("section", "standing")
        .annotate(rows=Count("row", distinct=True), seats=Count("id"))
        .order_by("section")
    )


def _count_of(model, **filters):
    return Coalesce(
        Subquery(
            model.objects.filter(**filters)
            .order_by()
            .values(next(iter(filters)))
            .annotate(n=Count("pk"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


class SeatLayoutForm(forms.Form):
    sections = forms.CharField(
        required=False,
        label=gettext_lazy("Section names"),
        help_text=gettext_lazy(
            "Separated by commas, e.g. <em>Stalls, Balcony</em> or <em>A, B, C</em>."
        ),
        widget=forms.TextInput(attrs={"size": 40, "autofocus": True}),
    )
    section_count = forms.IntegerField(
        required=False,
        label=gettext_lazy("…or number of sections"),
        help_text=gettext_lazy(
            "Instead of names: sections are then named A, B, C, … "
            "(continuing after the letters this venue already uses)."
        ),
    )
    rows = forms.IntegerField(
        label=gettext_lazy("Rows per section"),
        help_text=gettext_lazy("Row 1 is nearest the stage."),
    )
    seats_per_row = forms.IntegerField(label=gettext_lazy("Seats per row"))

    def clean_sections(self) -> list[str]:
        return [name.strip() for name in self.cleaned_data["sections"].split(",") if name.strip()]


class StandingAreaForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Area name"),
        max_length=50,
        help_text=gettext_lazy("e.g. <em>Standing</em> or <em>Floor</em>."),
    )
    capacity = forms.IntegerField(
        label=gettext_lazy("Capacity"),
        help_text=gettext_lazy("How many people the area admits: never more are sold."),
    )


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ("name", "city", "time_zone", "seat_count", "event_count")
    search_fields = ("name", "city")
    list_filter = ("city",)
    fields = ("name", "city", "address", "time_zone")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "time_zone":
            return forms.ChoiceField(
                choices=time_zone_choices(),
                initial=db_field.default,
                label=capfirst(db_field.verbose_name),
                help_text=_(
                    "The venue's clock: its events' times are typed and shown in it (pages, "
                    "admin, e-mails, tickets). Changing it keeps each event's moment and shows "
                    "it on the new clock."
                ),
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_queryset(self, request):
        # Subqueries rather than two Count() joins, which would multiply seats by events.
        return (
            super()
            .get_queryset(request)
            .annotate(
                seat_count=_count_of(Seat, venue=OuterRef("pk")),
                event_count=_count_of(Event, venue=OuterRef("pk")),
            )
        )

    @admin.display(description=gettext_lazy("seats"), ordering="seat_count")
    def seat_count(self, venue):
        return venue.seat_count

    @admin.display(description=gettext_lazy("events"), ordering="event_count")
    def event_count(self, venue):
        if not venue.event_count:
            return 0
        url = reverse("admin:events_event_changelist") + f"?venue__id__exact={venue.pk}"
        return format_html('<a href="{}">{}</a>', url, venue.event_count)

    def get_urls(self):
        layout = path(
            "<path:object_id>/layout/",
            self.admin_site.admin_view(self.layout_view),
            name="events_venue_layout",
        )
        # Before the default patterns: their "<path:object_id>/" would swallow this one.
        return [layout, *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "sections": section_summary(unquote(object_id))}
        return super().change_view(request, object_id, form_url, extra_context)

    def response_add(self, request, obj, post_url_continue=None):
        # A new venue has no seats yet: go straight on to laying them out.
        if IS_POPUP_VAR in request.POST or "_addanother" in request.POST:
            return super().response_add(request, obj, post_url_continue)
        self.message_user(
            request,
            _("The venue “%(venue)s” was added. Now generate its seats (or skip and do it later).")
            % {"venue": obj},
            messages.SUCCESS,
        )
        return redirect("admin:events_venue_layout", obj.pk)

    def layout_view(self, request, object_id):
        venue = self.get_object(request, unquote(object_id))
        if venue is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, venue):
            raise PermissionDenied
        adding_area = request.method == "POST" and "add_area" in request.POST
        form = SeatLayoutForm(None if adding_area else (request.POST or None))
        area_form = StandingAreaForm(request.POST if adding_area else None, prefix="area")
        if adding_area and area_form.is_valid():
            try:
                area = add_standing_area(venue=venue, **area_form.cleaned_data)
            except ShopError as exc:
                add_service_error(area_form, exc)
            else:
                message = ngettext(
                    "Created the standing area %(name)s for %(n)s person.",
                    "Created the standing area %(name)s for %(n)s people.",
                    area.capacity,
                ) % {"name": area.name, "n": area.capacity}
                self.log_change(request, venue, message)
                self.message_user(request, message, messages.SUCCESS)
                return redirect("admin:events_venue_change", venue.pk)
        if request.method == "POST" and not adding_area and form.is_valid():
            data = form.cleaned_data
            try:
                layout = generate_seat_layout(
                    venue=venue,
                    sections=data["sections"],
                    section_count=data["section_count"],
                    rows=data["rows"],
                    seats_per_row=data["seats_per_row"],
                )
            except ShopError as exc:
                add_service_error(form, exc)
            else:
                message = ngettext(
                    "Created %(n)s seat in sections %(sections)s.",
                    "Created %(n)s seats in sections %(sections)s.",
                    layout.seat_count,
                ) % {"n": layout.seat_count, "sections": ", ".join(layout.sections)}
                self.log_change(request, venue, message)
                self.message_user(request, message, messages.SUCCESS)
                return redirect("admin:events_venue_change", venue.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Seat layout and standing areas"),
            "subtitle": str(venue),
            "opts": self.opts,
            "original": venue,
            "form": form,
            "area_form": area_form,
            "sections": section_summary(venue.pk),
            "events_on_sale": list(
                venue.events.filter(status=Event.Status.ON_SALE).values_list("title", flat=True)
            ),
            "media": self.media + form.media + area_form.media,
        }
        return TemplateResponse(request, "admin/backoffice/venue_layout.html", context)

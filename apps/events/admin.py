"""Staff setup of venues and events. Every write goes through apps.events.services; this file
only turns forms into service calls and service errors into messages a box office can act on."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import redirect
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from apps.bookings.services import cancel_event
from apps.common.errors import ShopError
from apps.inventory.admin_views import EventMonitoringAdminMixin
from apps.inventory.layouts import generate_seat_layout
from apps.inventory.models import Seat
from apps.inventory.publishing import apply_tier_assignments, publish_event
from apps.inventory.selectors import PUBLIC_AVAILABLE, PUBLIC_HELD, PUBLIC_SOLD, seat_counts

from .models import Event, PriceTier, TierAssignment, Venue


def add_service_error(form: forms.Form, exc: ShopError) -> None:
    """Shows a service's refusal on the form: its sentence on top, and a marker on each field it
    names."""
    for name, field_messages in (exc.extra.get("fields") or {}).items():
        if name in form.fields:
            for message in field_messages:
                form.add_error(name, message)
    form.add_error(None, exc.detail)


def section_summary(venue_id) -> list[dict]:
    """Rows and seats per section of a venue, in one query."""
    return list(
        Seat.objects.filter(venue_id=venue_id)
        .values("section")
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
        label="Section names",
        help_text="Separated by commas, e.g. <em>Stalls, Balcony</em> or <em>A, B, C</em>.",
        widget=forms.TextInput(attrs={"size": 40, "autofocus": True}),
    )
    section_count = forms.IntegerField(
        required=False,
        label="…or number of sections",
        help_text="Instead of names: sections are then named A, B, C, … "
        "(continuing after the letters this venue already uses).",
    )
    rows = forms.IntegerField(label="Rows per section", help_text="Row 1 is nearest the stage.")
    seats_per_row = forms.IntegerField(label="Seats per row")

    def clean_sections(self) -> list[str]:
        return [name.strip() for name in self.cleaned_data["sections"].split(",") if name.strip()]


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ("name", "city", "seat_count", "event_count")
    search_fields = ("name", "city")
    list_filter = ("city",)
    fields = ("name", "city", "address")

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

    @admin.display(description="seats", ordering="seat_count")
    def seat_count(self, venue):
        return venue.seat_count

    @admin.display(description="events", ordering="event_count")
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
            f"The venue “{obj}” was added. Now generate its seats (or skip and do it later).",
            messages.SUCCESS,
        )
        return redirect("admin:events_venue_layout", obj.pk)

    def layout_view(self, request, object_id):
        venue = self.get_object(request, unquote(object_id))
        if venue is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, venue):
            raise PermissionDenied
        form = SeatLayoutForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
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
                message = (
                    f"Created {layout.seat_count} seats in sections {', '.join(layout.sections)}."
                )
                self.log_change(request, venue, message)
                self.message_user(request, message, messages.SUCCESS)
                return redirect("admin:events_venue_change", venue.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": "Generate seat layout",
            "subtitle": str(venue),
            "opts": self.opts,
            "original": venue,
            "form": form,
            "sections": section_summary(venue.pk),
            "events_on_sale": list(
                venue.events.filter(status=Event.Status.ON_SALE).values_list("title", flat=True)
            ),
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/events/venue/layout.html", context)


class PriceTierInline(admin.TabularInline):
    model = PriceTier
    fields = ("name", "price", "colour")
    extra = 0
    min_num = 0
    verbose_name = "price tier"

    def get_extra(self, request, obj=None, **kwargs):
        return 0 if obj is not None and obj.price_tiers.exists() else 2

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "colour":
            kwargs["widget"] = forms.TextInput(attrs={"type": "color"})
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class TierAssignmentForm(forms.ModelForm):
    # Filled per request by TierAssignmentInline.get_formset: {section: {row, ...}} of the venue.
    venue_rows: dict[str, set[str]] = {}

    class Meta:
        model = TierAssignment
        fields = ("price_tier", "section", "row")

    def clean(self):
        cleaned = super().clean()
        section, row = cleaned.get("section"), (cleaned.get("row") or "").strip()
        cleaned["row"] = row
        if section and row and row not in self.venue_rows.get(section, set()):
            self.add_error("row", f"Section {section} has no row {row}.")
        return cleaned


class TierAssignmentInline(admin.TabularInline):
    model = TierAssignment
    form = TierAssignmentForm
    fields = ("price_tier", "section", "row")
    extra = 1
    verbose_name = "price tier assignment"
    verbose_name_plural = (
        "Price tier assignments — which seats sell at which tier (a row beats its whole section; "
        "seats not assigned get the cheapest tier)"
    )

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        form = formset.form
        tiers = form.base_fields["price_tier"]
        tiers.queryset = PriceTier.objects.filter(event=obj).select_related("event")
        tiers.help_text = "Tiers added above appear here once saved."
        venue_rows: dict[str, set[str]] = {}
        if obj is not None:
            for section, row in (
                Seat.objects.filter(venue_id=obj.venue_id).values_list("section", "row").distinct()
            ):
                venue_rows.setdefault(section, set()).add(row)
            used = TierAssignment.objects.filter(event=obj).values_list("section", flat=True)
            known = sorted(set(venue_rows) | set(used))
        else:
            known = []
        form.base_fields["section"] = forms.ChoiceField(
            choices=[("", "---------")] + [(s, s) for s in known],
            help_text="" if known else "The venue has no seats yet.",
        )
        form.venue_rows = venue_rows
        return formset


class EventChangeList(ChangeList):
    def get_results(self, request):
        super().get_results(request)
        # Sold/held/available for the whole page in one query, not one per row.
        events = list(self.result_list)
        counts = seat_counts([event.pk for event in events])
        for event in events:
            event.seat_count_by_status = counts.get(event.pk)


@admin.register(Event)
class EventAdmin(EventMonitoringAdminMixin, admin.ModelAdmin):
    list_display = (
        "title",
        "venue",
        "starts_at",
        "status",
        "seats_sold",
        "seats_held",
        "seats_available",
        "monitoring_links",
    )
    list_filter = ("status", ("venue__city", admin.AllValuesFieldListFilter), "starts_at")
    list_select_related = ("venue",)
    search_fields = ("title", "venue__name")
    date_hierarchy = "starts_at"
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("status", "published_at")
    actions = ("publish", "reapply_tiers", "cancel")
    fieldsets = (
        (None, {"fields": ("title", "slug", "venue", "starts_at", "description")}),
        (
            "Sales",
            {
                "fields": (
                    "status",
                    "published_at",
                    ("sales_start", "sales_end"),
                    "currency",
                    "hold_minutes",
                    "max_seats_per_order",
                ),
                "description": "Put the event on sale with the “Publish” action in the event "
                "list, once it has price tiers and its venue has seats.",
            },
        ),
    )

    def get_changelist(self, request, **kwargs):
        return EventChangeList

    def get_inlines(self, request, obj):
        # Assignments pick among saved tiers and the venue's sections: nothing to pick from yet
        # while the event is being added.
        return [PriceTierInline] if obj is None else [PriceTierInline, TierAssignmentInline]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.status != Event.Status.DRAFT:
            # Its seats and prices are already issued for this venue and currency.
            fields += ["venue", "currency"]
        return fields

    def _seats(self, event, status):
        counts = getattr(event, "seat_count_by_status", None)
        return counts[status] if counts else None

    @admin.display(description="sold")
    def seats_sold(self, event):
        return self._seats(event, PUBLIC_SOLD)

    @admin.display(description="held")
    def seats_held(self, event):
        return self._seats(event, PUBLIC_HELD)

    @admin.display(description="available")
    def seats_available(self, event):
        return self._seats(event, PUBLIC_AVAILABLE)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        event = form.instance
        if (
            change
            and event.status == Event.Status.ON_SALE
            and any(fs.model is TierAssignment and fs.has_changed() for fs in formsets)
        ):
            self.message_user(
                request,
                "The price tier assignments changed. Seats already on sale keep their price "
                "until you run “Re-apply price tiers to unsold seats” on this event.",
                messages.WARNING,
            )

    def _run(self, request, queryset, call, done):
        for pk, title in queryset.order_by("starts_at", "pk").values_list("pk", "title"):
            try:
                result = call(event_id=pk)
            except ShopError as exc:
                self.message_user(request, f"“{title}”: {exc.detail}", messages.ERROR)
            else:
                self.message_user(request, done(title, result), messages.SUCCESS)

    @admin.action(description="Publish (put on sale)", permissions=["change"])
    def publish(self, request, queryset):
        self._run(
            request,
            queryset,
            publish_event,
            lambda title, published: f"“{title}” is on sale with {published.seats_created} seats.",
        )

    @admin.action(description="Re-apply price tiers to unsold seats", permissions=["change"])
    def reapply_tiers(self, request, queryset):
        self._run(
            request,
            queryset,
            apply_tier_assignments,
            lambda title, changed: (
                f"“{title}”: {changed} unsold seat{pluralize(changed)} re-priced."
            ),
        )

    @admin.action(description="Cancel event", permissions=["change"])
    def cancel(self, request, queryset):
        self._run(
            request,
            queryset,
            cancel_event,
            lambda title, _: f"“{title}” is cancelled; it is no longer on sale.",
        )

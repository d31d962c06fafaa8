"""Staff setup of events: price tiers and their assignments, the publish / re-apply tiers /
cancel actions, seat counts in the list, and the monitoring pages (EventMonitoringAdminMixin).
Every write goes through the services; this file only turns forms into service calls and
service errors into messages a box office can act on."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from apps.bookings.services import cancel_event
from apps.common.errors import ShopError
from apps.common.venue_time import format_local
from apps.events.models import Event, PriceTier, TierAssignment
from apps.events.services import next_tier_colour, tier_colours_in_use
from apps.inventory.models import Seat
from apps.inventory.publishing import apply_tier_assignments, publish_event
from apps.inventory.selectors import PUBLIC_AVAILABLE, PUBLIC_HELD, PUBLIC_SOLD, seat_counts

from .event_exports import EventExportsAdminMixin
from .monitoring import EventMonitoringAdminMixin
from .venue_clock import EventForm


class PriceTierForm(forms.ModelForm):
    class Meta:
        model = PriceTier
        fields = ("name", "price", "colour")

    def has_changed(self):
        # A blank row offers a colour of its own: that alone does not make it a new tier.
        if self.instance.pk is None:
            return bool(set(self.changed_data) - {"colour"})
        return super().has_changed()


class PriceTierFormSet(BaseInlineFormSet):
    """New tiers get distinct colours: each blank row offers the next palette colour unused by
    the event's tiers, and a new tier saved with a colour another tier of the event has (a row
    added in the page starts from the model's default) gets the next unused one instead."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._offered = [form.instance.colour for form in self.initial_forms]
        for form in self.extra_forms:
            form.initial["colour"] = self._next_colour()

    def _next_colour(self) -> str:
        colour = next_tier_colour(self._offered)
        self._offered.append(colour)
        return colour

    @property
    def empty_form(self):
        form = super().empty_form
        form.initial["colour"] = next_tier_colour(self._offered)
        return form

    def save_new(self, form, commit=True):
        used = tier_colours_in_use(self.instance.pk)
        if form.instance.colour.lower() in {c.lower() for c in used}:
            form.instance.colour = next_tier_colour(used)
        return super().save_new(form, commit=commit)


class PriceTierInline(admin.TabularInline):
    model = PriceTier
    form = PriceTierForm
    formset = PriceTierFormSet
    fields = ("name", "price", "colour")
    extra = 0
    min_num = 0
    verbose_name = gettext_lazy("price tier")
    verbose_name_plural = gettext_lazy("price tiers")

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
            message = _("Section %(section)s has no row %(row)s.")
            self.add_error("row", message % {"section": section, "row": row})
        return cleaned


class TierAssignmentInline(admin.TabularInline):
    model = TierAssignment
    form = TierAssignmentForm
    fields = ("price_tier", "section", "row")
    extra = 1
    verbose_name = gettext_lazy("price tier assignment")
    verbose_name_plural = gettext_lazy(
        "Price tier assignments — which seats sell at which tier (a row beats its whole section; "
        "seats not assigned get the cheapest tier)"
    )

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        form = formset.form
        tiers = form.base_fields["price_tier"]
        tiers.queryset = PriceTier.objects.filter(event=obj).select_related("event")
        tiers.help_text = _("Tiers added above appear here once saved.")
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
            help_text="" if known else _("The venue has no seats yet."),
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
class EventAdmin(EventExportsAdminMixin, EventMonitoringAdminMixin, admin.ModelAdmin):
    form = EventForm
    list_display = (
        "title",
        "venue",
        "starts",
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
    readonly_fields = ("status", "published")
    actions = ("publish", "reapply_tiers", "cancel")
    fieldsets = (
        (None, {"fields": ("title", "slug", "venue", "starts_at", "description")}),
        (
            gettext_lazy("Sales"),
            {
                "fields": (
                    "status",
                    "published",
                    ("sales_start", "sales_end"),
                    "currency",
                    "hold_minutes",
                    "max_seats_per_order",
                    "max_tickets_per_buyer",
                ),
                "description": gettext_lazy(
                    "Put the event on sale with the “Publish” action in the event list, once it "
                    "has price tiers and its venue has seats."
                ),
            },
        ),
    )

    def get_changelist(self, request, **kwargs):
        return EventChangeList

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The whole page on the venue's clock, rendered inside it: the admin's date shortcuts
        # ("Now", "You are 1 hour ahead of server time") then agree with the fields.
        time_zone = (
            Event.objects.filter(pk=object_id).values_list("venue__time_zone", flat=True).first()
            if str(object_id).isdigit()
            else None
        )
        if time_zone is None:
            return super().change_view(request, object_id, form_url, extra_context)
        with timezone.override(time_zone):
            response = super().change_view(request, object_id, form_url, extra_context)
            if hasattr(response, "render"):
                response.render()
        return response

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

    @admin.display(description=gettext_lazy("starts (venue's clock)"), ordering="starts_at")
    def starts(self, event):
        return format_local(event.starts_at, event.venue)

    @admin.display(description=gettext_lazy("published"))
    def published(self, event):
        return format_local(event.published_at, event.venue) if event.venue_id else ""

    def _seats(self, event, status):
        counts = getattr(event, "seat_count_by_status", None)
        return counts[status] if counts else None

    @admin.display(description=gettext_lazy("sold"))
    def seats_sold(self, event):
        return self._seats(event, PUBLIC_SOLD)

    @admin.display(description=gettext_lazy("held"))
    def seats_held(self, event):
        return self._seats(event, PUBLIC_HELD)

    @admin.display(description=gettext_lazy("available"))
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
                _(
                    "The price tier assignments changed. Seats already on sale keep their price "
                    "until you run “Re-apply price tiers to unsold seats” on this event."
                ),
                messages.WARNING,
            )

    def _run(self, request, queryset, call, done):
        for pk, title in queryset.order_by("starts_at", "pk").values_list("pk", "title"):
            try:
                result = call(event_id=pk)
            except ShopError as exc:
                self.message_user(
                    request,
                    _("“%(title)s”: %(reason)s") % {"title": title, "reason": exc.detail},
                    messages.ERROR,
                )
            else:
                self.message_user(request, done(title, result), messages.SUCCESS)

    @admin.action(description=gettext_lazy("Publish (put on sale)"), permissions=["change"])
    def publish(self, request, queryset):
        def done(title, published):
            self._warn_of_empty_tiers(request, title, published.tiers_without_seats)
            n = published.seats_created
            return ngettext(
                "“%(title)s” is on sale with %(n)s seat.",
                "“%(title)s” is on sale with %(n)s seats.",
                n,
            ) % {"title": title, "n": n}

        self._run(request, queryset, publish_event, done)

    def _warn_of_empty_tiers(self, request, title, empty: list[str]) -> None:
        # A tier no seat sells at is almost always a mistake (an assignment to the wrong
        # section); the event is published all the same, but staff are told.
        if empty:
            names = ", ".join(_("“%(name)s”") % {"name": name} for name in empty)
            self.message_user(
                request,
                ngettext(
                    "“%(title)s”: no seat sells at the price tier %(names)s. Check the tier "
                    "assignments, then run “Re-apply price tiers to unsold seats”.",
                    "“%(title)s”: no seat sells at the price tiers %(names)s. Check the tier "
                    "assignments, then run “Re-apply price tiers to unsold seats”.",
                    len(empty),
                )
                % {"title": title, "names": names},
                messages.WARNING,
            )

    @admin.action(
        description=gettext_lazy("Re-apply price tiers to unsold seats"), permissions=["change"]
    )
    def reapply_tiers(self, request, queryset):
        self._run(
            request,
            queryset,
            apply_tier_assignments,
            lambda title, changed: (
                ngettext(
                    "“%(title)s”: %(n)s unsold seat re-priced.",
                    "“%(title)s”: %(n)s unsold seats re-priced.",
                    changed,
                )
                % {"title": title, "n": changed}
            ),
        )

    @admin.action(description=gettext_lazy("Cancel event"), permissions=["change"])
    def cancel(self, request, queryset):
        self._run(
            request,
            queryset,
            cancel_event,
            lambda title, _result: (
                _("“%(title)s” is cancelled; it is no longer on sale.") % {"title": title}
            ),
        )

"""The event form: its start and sales window typed and shown on the venue's clock
(apps.common.venue_time.VenueClockFormMixin)."""

from django import forms

from apps.common.venue_time import VenueClockFormMixin


class EventForm(VenueClockFormMixin, forms.ModelForm):
    """EventAdmin's form (the admin adds the model and fields from its fieldsets)."""

    venue_clock_fields = ("starts_at", "sales_start", "sales_end")

    def saved_venue(self):
        return self.instance.venue if self.instance.venue_id else None

    def chosen_venue(self, cleaned_data):
        # A published event's venue is read-only, not in the form: the saved one counts.
        return cleaned_data.get("venue") or self.saved_venue()

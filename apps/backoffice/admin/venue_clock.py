"""Event times in the admin on the venue's clock: staff at a Berlin venue type 10:00 and mean
10:00 in Berlin, whatever zone the server runs in, and the form shows them back the same way.

The form parses a time in the current time zone (Django's way) and `clean` moves it to the
same wall-clock time in the chosen venue's zone, so on the add form, where the venue is picked
in the same form, the zone is the one picked. Changing a draft event's venue keeps its times
on the clock (19:00 stays 19:00, now at the new venue)."""

from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.common.venue_time import venue_wall_clock

VENUE_CLOCK_FIELDS = ("starts_at", "sales_start", "sales_end")


class EventForm(forms.ModelForm):
    """EventAdmin's form (the admin adds the model and fields from its fieldsets)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        venue = self.instance.venue if self.instance.venue_id else None
        zone_note = (
            f"{venue.time_zone} time (the venue's clock)."
            if venue is not None
            else "On the venue's clock (its time zone)."
        )
        for name in VENUE_CLOCK_FIELDS:
            field = self.fields.get(name)
            if field is None:
                continue
            field.help_text = f"{zone_note} {field.help_text}".strip()
            value = self.initial.get(name)
            if venue is not None and isinstance(value, datetime) and timezone.is_aware(value):
                # Naive, so that the widget shows it as it is instead of in the current zone.
                self.initial[name] = timezone.make_naive(value, venue.zone)

    def clean(self):
        cleaned = super().clean()
        # A published event's venue is read-only: not in the form, the saved one counts.
        venue = cleaned.get("venue") or (self.instance.venue if self.instance.venue_id else None)
        if venue is None:
            return cleaned  # the venue field says what is missing
        for name in VENUE_CLOCK_FIELDS:
            value = cleaned.get(name)
            if value is None:
                continue
            try:
                cleaned[name] = venue_wall_clock(value, venue)
            except ValidationError as exc:
                self.add_error(name, exc)
        return cleaned

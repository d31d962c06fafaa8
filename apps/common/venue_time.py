"""Times as the people at a venue see them: on the venue's clock, saying which clock.

The database keeps instants (UTC); a buyer or staff member reads an event's times in its
venue's zone, with the zone's abbreviation ("Fri 4 Dec 2026, 19:00 CET"), whoever they are and
wherever the server runs. Staff type times on the venue's clock too (`venue_wall_clock`).

`place` is anything with a `zone` (a Venue), a tzinfo, or an IANA name: common knows no
models."""

from datetime import datetime, tzinfo
from datetime import timezone as dt_timezone
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext, pgettext


def datetime_format() -> str:
    """Day, date, time and the zone's abbreviation, in the active language's order ("Fri 4 Dec
    2026, 19:00 CET", "Fr, 4. Dez 2026, 19:00 CET"): what every page shows unless it needs
    less. A `date` filter format, translated like a message."""
    return pgettext("date filter format of a time on the venue's clock", "D j M Y, H:i T")


def zone_of(place) -> tzinfo:
    if isinstance(place, tzinfo):
        return place
    if isinstance(place, str):
        return ZoneInfo(place)
    return place.zone


class _OnVenueClock(datetime):
    # Tells the template engine (and the `date` filter) not to convert it to the current time
    # zone again, as Django's own `timezone` filter does.
    convert_to_local_time = False


def local(moment: datetime | None, place) -> datetime | None:
    """`moment` on the venue's clock, left there by templates' `date` and `time` filters."""
    if moment is None:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    there = moment.astimezone(zone_of(place))
    # Fixed at this instant's offset and named by its abbreviation: Django's formats drop the
    # zone of a wall time the clock shows twice (02:30 on the night summer time ends), though
    # the instant knows which of the two it is.
    fixed = dt_timezone(there.utcoffset(), there.tzname())
    return _OnVenueClock(
        there.year,
        there.month,
        there.day,
        there.hour,
        there.minute,
        there.second,
        there.microsecond,
        tzinfo=fixed,
    )


def format_local(moment: datetime | None, place, fmt: str | None = None) -> str:
    """`moment` on the venue's clock in `fmt` (a `date` filter format, by default
    `datetime_format()`); "" for no time."""
    if moment is None:
        return ""
    return formats.date_format(local(moment, place), fmt or datetime_format())


def venue_wall_clock(moment: datetime, place) -> datetime:
    """The instant at which the venue's clock shows what `moment` shows on the current time
    zone's: a form parses "10:00" in the current zone, staff meant 10:00 at the venue. Refuses a
    time the venue's clock skips or shows twice (a daylight-saving change): which one is
    meant cannot be guessed."""
    zone = zone_of(place)
    wall = timezone.make_naive(moment) if timezone.is_aware(moment) else moment
    there = wall.replace(tzinfo=zone)
    # Only a skipped or a repeated wall time has two readings with different offsets.
    if there.replace(fold=0).utcoffset() != there.replace(fold=1).utcoffset():
        raise ValidationError(
            gettext(
                "%(time)s does not exist or happens twice in %(zone)s (the clocks change "
                "then); choose another time."
            ),
            code="ambiguous_local_time",
            params={"time": wall.strftime("%Y-%m-%d %H:%M"), "zone": str(zone)},
        )
    return there.replace(fold=0)


class VenueClockFormMixin:
    """For a ModelForm whose times staff type and read on a venue's clock: at a Berlin venue
    "10:00" means 10:00 in Berlin, whatever zone the server runs in, and the form shows the
    saved times back the same way, with the zone in each field's help text.

    The form parses a time in the current time zone (Django's way) and `clean` moves it to the
    same wall-clock time in the zone of the venue chosen in the form (on an add form the venue
    is picked in the same form), so changing the venue keeps the times on the clock (19:00
    stays 19:00, now at the new venue). Subclasses say which fields and which venue."""

    venue_clock_fields: tuple[str, ...] = ()

    def saved_venue(self):
        """The venue of the saved instance (its clock shows the initial values), or None."""
        raise NotImplementedError

    def chosen_venue(self, cleaned_data: dict):
        """The venue the form's times are meant on, or None when the form has none yet."""
        raise NotImplementedError

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        venue = self.saved_venue()
        zone_note = (
            gettext("%(zone)s time (the venue's clock).") % {"zone": venue.time_zone}
            if venue is not None
            else gettext("On the venue's clock (its time zone).")
        )
        for name in self.venue_clock_fields:
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
        venue = self.chosen_venue(cleaned)
        if venue is None:
            return cleaned  # the venue's own field says what is missing
        for name in self.venue_clock_fields:
            value = cleaned.get(name)
            if value is None:
                continue
            try:
                cleaned[name] = venue_wall_clock(value, venue)
            except ValidationError as exc:
                self.add_error(name, exc)
        return cleaned

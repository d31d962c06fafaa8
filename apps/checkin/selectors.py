"""Reads for the door and for the sales dashboard."""

from datetime import datetime, timedelta

from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from apps.common.errors import NotFound
from apps.common.venue_time import format_local
from apps.events.models import Event

from .models import CheckIn

# The door page lists events from this long before now (one still under way) onwards.
DOOR_EVENTS_SINCE = timedelta(hours=12)
DOOR_EVENTS_LISTED = 20


def event_at_the_door(event_id) -> Event:
    event = Event.objects.select_related("venue").filter(pk=event_id).first()
    if event is None:
        raise NotFound(_("There is no such event."), code="event_not_found")
    return event


def events_for_the_door(now=None) -> list[Event]:
    """Events on sale that have not long begun, soonest first: one query."""
    now = now or timezone.now()
    return list(
        Event.objects.select_related("venue")
        .filter(status=Event.Status.ON_SALE, starts_at__gte=now - DOOR_EVENTS_SINCE)
        .order_by("starts_at", "pk")[:DOOR_EVENTS_LISTED]
    )


def local_time(moment: datetime, zone: str) -> str:
    """A moment as the venue's clock shows it, with the zone's abbreviation, in the active
    language: 14 Mar 20:05 CET, 14. Mär 20:05 CET."""
    return format_local(
        moment, zone, pgettext("date filter format of a check-in time", "j M H:i T")
    )


def check_in_counts(event_id: int) -> dict:
    """Tickets checked in to the event, in all and per door (most first), with each door's last
    scan: one query."""
    doors = list(
        CheckIn.objects.filter(ticket__booking__event_id=event_id)
        .values("door")
        .annotate(checked_in=Count("id"), last_at=Max("checked_in_at"))
        .order_by("-checked_in", "door")
    )
    return {"total": sum(d["checked_in"] for d in doors), "doors": doors}

"""A quantity of places in a general-admission (standing) area.

The worst hot spot of a sale: every buyer of a standing event wants the same area. Each request
is one statement (apps.inventory.seats.hold_free_places) that locks the first free places of
the area's run that nobody else is locking (`FOR UPDATE SKIP LOCKED`), inserts the hold and
moves the places; concurrent buyers therefore get different places instead of waiting for
each other, and no Redis locks are needed. Never more sold than the capacity: one row per
place and one live ticket per event seat, as for numbered seats."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.common.errors import Conflict, InvalidRequest
from apps.events.models import Event

from .. import areas, seats, snapshot
from ..availability import free_seat_q
from ..models import EventSeat
from .claim import SeatLine, created, live_hold_of, one_hold_per_buyer
from .refusals import active_hold_exists

# A request that found fewer free places than it asked for because others were taking them
# at that instant (not because the area is full) tries again this many times.
STANDING_TRIES = 6


def hold_standing_places(user, event: Event, quantity: int, area_name: str, tier_id=None):
    area = areas.places(event.pk).area(area_name)
    if area is None:
        raise InvalidRequest(
            _("This event has no standing area of that name."),
            code="unknown_area",
            fields={"area": [_("No standing area named '%(name)s'.") % {"name": area_name}]},
        )
    _refuse_known_full(user, event, area, quantity)  # layer 0
    for _attempt in range(STANDING_TRIES):
        with one_hold_per_buyer(user, event), transaction.atomic(durable=True):
            hold, lines = seats.hold_free_places(
                user, event, area.first, area.capacity, quantity, tier_id
            )
        if hold is not None:
            lines = [SeatLine(*line, standing=True) for line in lines]
            return created(hold, user, event, lines, "standing")
        left = _free_places(event, area, tier_id)
        if left < quantity:
            break  # not others taking places this instant: the area has too few
    live = live_hold_of(user, event)
    if live is not None:
        raise active_hold_exists(live)
    if left >= quantity:
        raise area_busy(area.name)
    raise not_enough_places(area.name, left)


def area_busy(area: str) -> Conflict:
    return Conflict(
        _("Many buyers are taking places in %(area)s right now. Please try again in a moment.")
        % {"area": area},
        code="area_busy",
        retryable=True,
        area=area,
    )


def not_enough_places(area: str, left: int) -> Conflict:
    if left <= 0:
        detail = _("%(area)s is sold out.") % {"area": area}
    elif left == 1:
        detail = _("Only 1 place is left in %(area)s.") % {"area": area}
    else:
        # Never 1 here (above); ngettext all the same, for languages with several plural forms.
        detail = ngettext(
            "Only %(left)s place is left in %(area)s; ask for %(left)s or fewer.",
            "Only %(left)s places are left in %(area)s; ask for %(left)s or fewer.",
            left,
        ) % {"left": left, "area": area}
    return Conflict(detail, code="not_enough_places", area=area, left=max(left, 0))


def _refuse_known_full(user, event: Event, area: areas.Area, quantity: int) -> None:
    """Fewer free places in the snapshot than asked for (a buyer holding on the event is let
    through, so that the claim can send them to that hold)."""
    if not snapshot.enabled():
        return
    taken = snapshot.taken_seats(event.pk, must=False)
    if taken is None or user.pk in taken.holders:
        return
    left = taken.free_between(area.first, area.capacity, timezone.now())
    if left < quantity:
        raise not_enough_places(area.name, left)


def _free_places(event: Event, area: areas.Area, tier_id) -> int:
    places = EventSeat.objects.filter(
        event=event, position__gte=area.first, position__lte=area.last
    ).filter(free_seat_q())
    if tier_id:
        places = places.filter(price_tier_id=tier_id)
    return places.count()

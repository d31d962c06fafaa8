"""General-admission areas of an event: where their places sit in the layout order.

A standing area is a section of the venue whose seats are places (Seat.standing), numbered
after every numbered seat when the event is published (apps.inventory.seats
.create_event_seats), one area after another. So the numbered seats are positions
0 .. seated - 1, and each area a run of positions of its own: a hold in an area walks the
index over that run, and its free places are counted from the taken-seat snapshot's bits over
it, without a query."""

from dataclasses import dataclass

from django.db.models import Count, Max, Min

from apps.common.process_cache import MISSING, ProcessCache

from .models import EventSeat

# Fixed when the event is published; publishing forgets it.
_places = ProcessCache("event-places", seconds=300.0, max_entries=64)


@dataclass(frozen=True)
class Area:
    name: str
    first: int  # the position of its first place
    capacity: int

    @property
    def last(self) -> int:
        return self.first + self.capacity - 1


@dataclass(frozen=True)
class Places:
    seated: int  # how many numbered seats (positions 0 .. seated - 1)
    areas: dict  # {name: Area}, in layout order

    def area(self, name) -> Area | None:
        return self.areas.get(name)


def places(event_id: int) -> Places:
    found = _places.get(event_id)
    if found is not MISSING:
        return found
    rows = (
        EventSeat.objects.filter(event_id=event_id)
        .values("seat__standing", "seat__section")
        .annotate(first=Min("position"), last=Max("position"), count=Count("id"))
        .order_by("first")
    )
    seated, areas = 0, {}
    for row in rows:
        if not row["seat__standing"]:
            seated += row["count"]
            continue
        if row["last"] - row["first"] + 1 != row["count"]:
            # Published before areas were numbered as runs: an invariant of publishing broke.
            raise RuntimeError(f"area {row['seat__section']!r} of event {event_id} is not a run")
        areas[row["seat__section"]] = Area(row["seat__section"], row["first"], row["count"])
    found = Places(seated, areas)
    if rows:  # an event not published yet has none: ask again next time
        _places.set(event_id, found)
    return found


def forget(event_id: int) -> None:
    _places.forget(event_id)

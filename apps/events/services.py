"""Writes for venues and events: seat layouts, price tiers, publishing."""

import logging
import string
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.template.defaultfilters import pluralize
from django.utils import timezone

from apps.common.errors import InvalidRequest, NotFound, RuleBroken
from apps.inventory.models import EventSeat, Seat

from .models import Event, PriceTier, TierAssignment, Venue

logger = logging.getLogger(__name__)

SEAT_SPACING = 10.0
SECTION_GAP = 30.0
MAX_LAYOUT_SEATS = 100_000
MAX_SECTIONS = 200
SECTION_NAME_MAX = Seat._meta.get_field("section").max_length


def section_names(count: int) -> list[str]:
    """A, B, ..., Z, AA, AB, ...: the names the layout generator gives sections."""
    letters = string.ascii_uppercase
    names = []
    for index in range(count):
        name, n = "", index
        while True:
            name = letters[n % 26] + name
            n = n // 26 - 1
            if n < 0:
                break
        names.append(name)
    return names


@dataclass(frozen=True)
class SeatLayout:
    seat_count: int
    sections: list[str]


def _layout_sections(venue: Venue, sections, section_count) -> list[str]:
    names = [s.strip() for s in (sections or []) if s and s.strip()]
    if names and section_count is not None:
        raise InvalidRequest(
            "Give either section names or a number of sections, not both.",
            fields={"section_count": ["Leave empty when you name the sections."]},
        )
    if section_count is not None:
        if section_count < 1 or section_count > MAX_SECTIONS:
            raise InvalidRequest(
                f"The number of sections must be between 1 and {MAX_SECTIONS}.",
                fields={"section_count": [f"Between 1 and {MAX_SECTIONS}."]},
            )
        # A count continues after the sections the venue already has (A, B exist: C, D, ...).
        taken = set(Seat.objects.filter(venue=venue).values_list("section", flat=True).distinct())
        free = (n for n in section_names(len(taken) + section_count) if n not in taken)
        return [next(free) for _ in range(section_count)]
    if not names:
        raise InvalidRequest(
            "Give at least one section name, or a number of sections.",
            fields={"sections": ["Required unless you give a number of sections."]},
        )
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise InvalidRequest(
            "Section names must be different; repeated: " + ", ".join(repeated) + ".",
            fields={"sections": ["Repeated: " + ", ".join(repeated) + "."]},
        )
    too_long = [n for n in names if len(n) > SECTION_NAME_MAX]
    if too_long:
        raise InvalidRequest(
            f"Section names can have at most {SECTION_NAME_MAX} characters.",
            fields={"sections": [f"At most {SECTION_NAME_MAX} characters: {too_long[0][:20]}…"]},
        )
    return names


@transaction.atomic
def generate_seat_layout(
    *,
    venue: Venue,
    sections: list[str] | None = None,
    section_count: int | None = None,
    rows: int,
    seats_per_row: int,
) -> SeatLayout:
    """Creates sections x rows x seats of a venue in one set-based insert, side by side on the
    map with row 1 of every section nearest the stage, to the right of any existing sections.

    Sections are either named, or counted (named A, B, C, ... after the names already used)."""
    bad = {}
    if rows is None or rows < 1:
        bad["rows"] = ["At least 1."]
    if seats_per_row is None or seats_per_row < 1:
        bad["seats_per_row"] = ["At least 1."]
    if bad:
        raise InvalidRequest("Rows and seats per row must be at least 1.", fields=bad)
    # Serialises layout changes of one venue, so that two staff members (or a double-clicked
    # button) cannot both pass the checks below and collide on the unique seat constraint.
    Venue.objects.select_for_update().filter(pk=venue.pk).values_list("pk", flat=True).first()
    names = _layout_sections(venue, sections, section_count)
    total = len(names) * rows * seats_per_row
    if total > MAX_LAYOUT_SEATS:
        raise InvalidRequest(
            f"A layout of {total} seats is larger than {MAX_LAYOUT_SEATS}.", code="layout_too_large"
        )
    existing = sorted(
        set(Seat.objects.filter(venue=venue, section__in=names).values_list("section", flat=True))
    )
    if existing:
        raise RuleBroken(
            "This venue already has seats in section "
            + ", ".join(existing)
            + "; pick new section names or delete those seats first.",
            code="sections_exist",
            fields={"sections": ["Already exists: " + ", ".join(existing) + "."]},
        )
    existing_right = Seat.objects.filter(venue=venue).aggregate(right=Max("x"))["right"]
    x_origin = 0.0 if existing_right is None else existing_right + SECTION_GAP
    section_width = (seats_per_row - 1) * SEAT_SPACING
    seats = []
    for s_index, section in enumerate(names):
        left = x_origin + s_index * (section_width + SECTION_GAP)
        for row in range(1, rows + 1):
            for number in range(1, seats_per_row + 1):
                seats.append(
                    Seat(
                        venue=venue,
                        section=section,
                        row=str(row),
                        number=number,
                        x=left + (number - 1) * SEAT_SPACING,
                        y=(row - 1) * SEAT_SPACING,
                    )
                )
    Seat.objects.bulk_create(seats, batch_size=2000)
    logger.info("seat layout generated venue=%s seats=%s", venue.pk, len(seats))
    return SeatLayout(seat_count=len(seats), sections=names)


def _tier_resolver(event: Event):
    tiers = list(event.price_tiers.all())
    if not tiers:
        raise RuleBroken("Add at least one price tier before publishing.", code="no_price_tiers")
    cheapest = min(tiers, key=lambda t: (t.price, t.pk))
    by_row, by_section = {}, {}
    # price_tier__event guards against an assignment pointing at another event's tier.
    for a in TierAssignment.objects.filter(event=event, price_tier__event=event):
        if a.row:
            by_row[(a.section, a.row)] = a.price_tier_id
        else:
            by_section[a.section] = a.price_tier_id

    def resolve(section: str, row: str) -> int:
        return by_row.get((section, row)) or by_section.get(section) or cheapest.pk

    return resolve


def _get_event(event_id, *, lock: bool = False) -> Event:
    queryset = Event.objects.select_related("venue")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    try:
        return queryset.get(pk=event_id)
    except (Event.DoesNotExist, ValueError, TypeError):
        raise NotFound("There is no such event.", code="event_not_found") from None


def publish_event(*, event_id: int) -> Event:
    """Puts a draft event on sale: creates one EventSeat per venue seat (set-based), priced by
    the tier assignments (row beats section; unassigned seats get the cheapest tier).

    The returned event carries `seats_created`."""
    with transaction.atomic():
        event = _get_event(event_id, lock=True)
        if event.status == Event.Status.ON_SALE:
            raise RuleBroken("This event is already on sale.", code="already_published")
        if event.status == Event.Status.CANCELLED:
            raise RuleBroken("A cancelled event cannot be published.", code="event_cancelled")
        if event.starts_at <= timezone.now():
            raise RuleBroken("This event has already started.", code="event_started")
        resolve = _tier_resolver(event)
        seats = list(Seat.objects.filter(venue=event.venue).values_list("id", "section", "row"))
        if not seats:
            raise RuleBroken(
                "The venue has no seats; generate its seat layout first.", code="venue_has_no_seats"
            )
        have = set(EventSeat.objects.filter(event=event).values_list("seat_id", flat=True))
        created = EventSeat.objects.bulk_create(
            [
                EventSeat(event=event, seat_id=seat_id, price_tier_id=resolve(section, row))
                for seat_id, section, row in seats
                if seat_id not in have
            ],
            batch_size=2000,
        )
        now = timezone.now()
        event.status = Event.Status.ON_SALE
        event.published_at = now
        if event.sales_start is None:
            event.sales_start = now
        event.save(update_fields=["status", "published_at", "sales_start", "updated_at"])
    event.seats_created = len(created)
    logger.info("event published event=%s seats=%s", event.pk, len(created))
    return event


def apply_tier_assignments(*, event_id: int) -> int:
    """Re-prices the available seats of an event on sale from its tier assignments; returns how
    many changed. Held seats keep their price so that a buyer's total never changes under them,
    and sold seats keep the price their ticket was bought at. A seat being held at this very
    moment is skipped rather than waited for."""
    with transaction.atomic():
        event = _get_event(event_id)
        if event.status != Event.Status.ON_SALE:
            raise RuleBroken(
                "Only an event on sale has seats to re-price; a draft gets its tiers when it "
                "is published.",
                code="event_not_on_sale",
            )
        resolve = _tier_resolver(event)
        rows = (
            EventSeat.objects.filter(event=event, status=EventSeat.Status.AVAILABLE)
            .select_for_update(of=("self",), skip_locked=True)
            .order_by("id")
            .values_list("id", "seat__section", "seat__row", "price_tier_id")
        )
        by_tier: dict[int, list[int]] = {}
        for es_id, section, row, current in rows:
            wanted = resolve(section, row)
            if wanted != current:
                by_tier.setdefault(wanted, []).append(es_id)
        changed = 0
        for tier_id, ids in by_tier.items():
            changed += EventSeat.objects.filter(
                id__in=ids, status=EventSeat.Status.AVAILABLE
            ).update(price_tier_id=tier_id)
    logger.info("tier assignments applied event=%s seats=%s", event.pk, changed)
    return changed


def cancel_event(*, event_id: int) -> Event:
    """Takes an event off sale for good. Refused while it has confirmed bookings: those buyers
    must be refunded first (cancelling their bookings), so that no paid ticket is left for an
    event that will not happen."""
    # Imported here: bookings depends on events, not the other way round.
    from apps.bookings.models import Booking

    with transaction.atomic():
        event = _get_event(event_id, lock=True)
        if event.status == Event.Status.CANCELLED:
            raise RuleBroken("This event is already cancelled.", code="already_cancelled")
        confirmed = Booking.objects.filter(event=event, status=Booking.Status.CONFIRMED).count()
        if confirmed:
            raise RuleBroken(
                f"This event has {confirmed} confirmed booking{pluralize(confirmed)}; cancel and "
                "refund them before cancelling the event.",
                code="event_has_bookings",
                confirmed_bookings=confirmed,
            )
        event.status = Event.Status.CANCELLED
        event.save(update_fields=["status", "updated_at"])
    logger.info("event cancelled event=%s", event.pk)
    return event


def set_seat_price_tier(*, event_seat_id: int, price_tier_id: int) -> EventSeat:
    """Moves one available seat to another price tier of its event (staff fixing a single seat;
    whole sections go through tier assignments)."""
    with transaction.atomic():
        try:
            seat = EventSeat.objects.select_for_update(of=("self",)).get(pk=event_seat_id)
        except (EventSeat.DoesNotExist, ValueError, TypeError):
            raise NotFound("There is no such event seat.", code="event_seat_not_found") from None
        if not PriceTier.objects.filter(pk=price_tier_id, event_id=seat.event_id).exists():
            raise InvalidRequest(
                "Choose a price tier of this event.",
                fields={"price_tier": ["Not a price tier of this event."]},
            )
        if seat.status != EventSeat.Status.AVAILABLE:
            raise RuleBroken(
                f"This seat is {seat.get_status_display().lower()}; its price cannot change now.",
                code="seat_not_available",
            )
        EventSeat.objects.filter(pk=seat.pk).update(price_tier_id=price_tier_id)
        seat.price_tier_id = price_tier_id
    return seat

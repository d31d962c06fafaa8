"""Writes for venues and events: seat layouts, price tiers, publishing."""

import logging
import string

from django.db import transaction
from django.utils import timezone

from apps.common.errors import InvalidRequest, RuleBroken
from apps.inventory.models import EventSeat, Seat

from .models import Event, TierAssignment, Venue

logger = logging.getLogger(__name__)

SEAT_SPACING = 10.0
SECTION_GAP = 30.0
MAX_LAYOUT_SEATS = 100_000


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


@transaction.atomic
def generate_seat_layout(
    *, venue: Venue, sections: list[str], rows: int, seats_per_row: int
) -> int:
    """Creates sections x rows x seats of a venue in one set-based insert, side by side on the
    map with row 1 of every section nearest the stage. Returns how many seats were created."""
    sections = [s.strip() for s in sections if s and s.strip()]
    if not sections:
        raise InvalidRequest("Give at least one section name.", fields={"sections": ["Required."]})
    if len(set(sections)) != len(sections):
        raise InvalidRequest("Section names must be different.", fields={"sections": ["Repeated."]})
    if rows < 1 or seats_per_row < 1:
        raise InvalidRequest("Rows and seats per row must be at least 1.")
    total = len(sections) * rows * seats_per_row
    if total > MAX_LAYOUT_SEATS:
        raise InvalidRequest(f"A layout of {total} seats is larger than {MAX_LAYOUT_SEATS}.")
    if Seat.objects.filter(venue=venue, section__in=sections).exists():
        raise RuleBroken(
            "This venue already has seats in "
            + ", ".join(sections)
            + "; pick new section names or delete those seats first.",
            code="sections_exist",
        )
    existing_right = max(
        (x for x in Seat.objects.filter(venue=venue).values_list("x", flat=True)), default=None
    )
    x_origin = 0.0 if existing_right is None else existing_right + SECTION_GAP
    section_width = (seats_per_row - 1) * SEAT_SPACING
    seats = []
    for s_index, section in enumerate(sections):
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
    return len(seats)


def _tier_resolver(event: Event):
    tiers = list(event.price_tiers.all())
    if not tiers:
        raise RuleBroken("Add at least one price tier before publishing.", code="no_price_tiers")
    cheapest = min(tiers, key=lambda t: (t.price, t.pk))
    by_row, by_section = {}, {}
    for a in TierAssignment.objects.filter(price_tier__event=event):
        if a.row:
            by_row[(a.section, a.row)] = a.price_tier_id
        else:
            by_section[a.section] = a.price_tier_id

    def resolve(section: str, row: str) -> int:
        return by_row.get((section, row)) or by_section.get(section) or cheapest.pk

    return resolve


def publish_event(*, event_id: int) -> Event:
    """Puts a draft event on sale: creates one EventSeat per venue seat (set-based), priced by
    the tier assignments (row beats section; unassigned seats get the cheapest tier)."""
    with transaction.atomic():
        event = Event.objects.select_for_update().select_related("venue").get(pk=event_id)
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
        already = EventSeat.objects.filter(event=event).values_list("seat_id", flat=True)
        have = set(already)
        EventSeat.objects.bulk_create(
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
    logger.info("event published event=%s seats=%s", event.pk, len(seats))
    return event


def apply_tier_assignments(*, event_id: int) -> int:
    """Re-prices the unsold, unheld seats of a published event from its tier assignments.
    Held seats keep their price so that a buyer's total never changes under them."""
    event = Event.objects.get(pk=event_id)
    resolve = _tier_resolver(event)
    changed = 0
    with transaction.atomic():
        rows = (
            EventSeat.objects.filter(event=event, status=EventSeat.Status.AVAILABLE)
            .select_for_update(of=("self",), skip_locked=True)
            .values_list("id", "seat__section", "seat__row", "price_tier_id")
        )
        by_tier: dict[int, list[int]] = {}
        for es_id, section, row, current in rows:
            wanted = resolve(section, row)
            if wanted != current:
                by_tier.setdefault(wanted, []).append(es_id)
        for tier_id, ids in by_tier.items():
            changed += EventSeat.objects.filter(
                id__in=ids, status=EventSeat.Status.AVAILABLE
            ).update(price_tier_id=tier_id)
    return changed

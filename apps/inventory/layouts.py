"""Seat layouts of venues: the physical seats that every event at the venue is sold from."""

import logging
import string
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.common.errors import InvalidRequest, RuleBroken
from apps.events.models import Venue

from .models import Seat

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
            _("Give either section names or a number of sections, not both."),
            fields={"section_count": [_("Leave empty when you name the sections.")]},
        )
    if section_count is not None:
        if section_count < 1 or section_count > MAX_SECTIONS:
            most = {"most": MAX_SECTIONS}
            raise InvalidRequest(
                _("The number of sections must be between 1 and %(most)s.") % most,
                fields={"section_count": [_("Between 1 and %(most)s.") % most]},
            )
        # A count continues after the sections the venue already has (A, B exist: C, D, ...).
        taken = set(Seat.objects.filter(venue=venue).values_list("section", flat=True).distinct())
        free = (n for n in section_names(len(taken) + section_count) if n not in taken)
        return [next(free) for _index in range(section_count)]
    if not names:
        raise InvalidRequest(
            _("Give at least one section name, or a number of sections."),
            fields={"sections": [_("Required unless you give a number of sections.")]},
        )
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        names_repeated = {"names": ", ".join(repeated)}
        raise InvalidRequest(
            _("Section names must be different; repeated: %(names)s.") % names_repeated,
            fields={"sections": [_("Repeated: %(names)s.") % names_repeated]},
        )
    too_long = [n for n in names if len(n) > SECTION_NAME_MAX]
    if too_long:
        most = {"most": SECTION_NAME_MAX, "name": too_long[0][:20]}
        raise InvalidRequest(
            _("Section names can have at most %(most)s characters.") % most,
            fields={"sections": [_("At most %(most)s characters: %(name)s…") % most]},
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
        bad["rows"] = [_("At least 1.")]
    if seats_per_row is None or seats_per_row < 1:
        bad["seats_per_row"] = [_("At least 1.")]
    if bad:
        raise InvalidRequest(_("Rows and seats per row must be at least 1."), fields=bad)
    # Serialises layout changes of one venue, so that two staff members (or a double-clicked
    # button) cannot both pass the checks below and collide on the unique seat constraint.
    Venue.objects.select_for_update().filter(pk=venue.pk).values_list("pk", flat=True).first()
    names = _layout_sections(venue, sections, section_count)
    total = len(names) * rows * seats_per_row
    if total > MAX_LAYOUT_SEATS:
        raise InvalidRequest(
            ngettext(
                "A layout of %(total)s seat is larger than %(most)s.",
                "A layout of %(total)s seats is larger than %(most)s.",
                total,
            )
            % {"total": total, "most": MAX_LAYOUT_SEATS},
            code="layout_too_large",
        )
    existing = sorted(
        set(Seat.objects.filter(venue=venue, section__in=names).values_list("section", flat=True))
    )
    if existing:
        names_existing = {"names": ", ".join(existing)}
        raise RuleBroken(
            _(
                "This venue already has seats in section %(names)s; "
                "pick new section names or delete those seats first."
            )
            % names_existing,
            code="sections_exist",
            fields={"sections": [_("Already exists: %(names)s.") % names_existing]},
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


MAX_AREA_CAPACITY = 100_000


@dataclass(frozen=True)
class StandingArea:
    name: str
    capacity: int


@transaction.atomic
def add_standing_area(*, venue: Venue, name: str, capacity: int) -> StandingArea:
    """A general-admission area of `capacity` places: one Seat row per place (standing=True),
    the area's name as their section, numbered 1..capacity. One row per place is what lets
    "never more sold than the capacity" be the seat table's own invariant (one live ticket per
    event seat) and lets holds, expiry, checkout, cancellation and the statistics treat a place
    as they treat a seat. All places sit at one spot to the right of the seats on the map, so
    that publishing numbers them one after another (apps.inventory.seats.create_event_seats)."""
    name = (name or "").strip()
    if not name or len(name) > SECTION_NAME_MAX:
        most = {"most": SECTION_NAME_MAX}
        raise InvalidRequest(
            _("Give the area a name of at most %(most)s characters.") % most,
            fields={"name": [_("Required, at most %(most)s characters.") % most]},
        )
    if capacity is None or not 1 <= capacity <= MAX_AREA_CAPACITY:
        raise InvalidRequest(
            _("The capacity must be between 1 and %(most)s.") % {"most": MAX_AREA_CAPACITY},
            fields={"capacity": [_("Between 1 and %(most)s.") % {"most": MAX_AREA_CAPACITY}]},
        )
    Venue.objects.select_for_update().filter(pk=venue.pk).values_list("pk", flat=True).first()
    if Seat.objects.filter(venue=venue, section=name).exists():
        raise RuleBroken(
            _("This venue already has a section or area named %(name)s; pick another name.")
            % {"name": name},
            code="sections_exist",
            fields={"name": [_("Already exists: %(names)s.") % {"names": name}]},
        )
    existing_right = Seat.objects.filter(venue=venue).aggregate(right=Max("x"))["right"]
    x = 0.0 if existing_right is None else existing_right + SECTION_GAP
    Seat.objects.bulk_create(
        [
            Seat(venue=venue, section=name, row="", number=n, x=x, y=0.0, standing=True)
            for n in range(1, capacity + 1)
        ],
        batch_size=5000,
    )
    logger.info("standing area added venue=%s area=%s capacity=%s", venue.pk, name, capacity)
    return StandingArea(name=name, capacity=capacity)

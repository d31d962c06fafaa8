"""Publishing an event's seats, re-pricing them and generating a venue's layout
(apps/inventory/publishing.py, layouts.py, seats.py)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.common.errors import InvalidRequest, NotFound, RuleBroken
from apps.events.models import Event, TierAssignment
from apps.inventory.holds import hold_seats
from apps.inventory.layouts import SEAT_SPACING, SECTION_GAP, generate_seat_layout, section_names
from apps.inventory.models import EventSeat, Seat
from apps.inventory.publishing import apply_tier_assignments, publish_event
from apps.inventory.seats import set_seat_price_tier
from apps.payments.providers.base import CardDetails
from tests.factories import (
    EventFactory,
    PriceTierFactory,
    UserFactory,
    VenueFactory,
    on_sale_event,
)

pytestmark = pytest.mark.django_db


def tier_by_place(event):
    """{(section, row, number): tier name} of an event's seats."""
    return {
        (s, r, n): tier
        for s, r, n, tier in EventSeat.objects.filter(event=event).values_list(
            "seat__section", "seat__row", "seat__number", "price_tier__name"
        )
    }


def card():
    return CardDetails.parse(
        number="4242424242424242", exp_month=12, exp_year=2035, cvc="123", name="A B"
    )


# --- section_names -------------------------------------------------------------------------


def test_section_names_count_like_spreadsheet_columns():
    assert section_names(0) == []
    assert section_names(3) == ["A", "B", "C"]
    names = section_names(28)
    assert names[25:] == ["Z", "AA", "AB"]
    assert section_names(703)[-2:] == ["ZZ", "AAA"]
    assert len(set(section_names(1000))) == 1000


# --- generate_seat_layout ------------------------------------------------------------------


def test_layout_creates_every_seat_at_its_place():
    venue = VenueFactory()
    layout = generate_seat_layout(venue=venue, sections=["A", "B"], rows=3, seats_per_row=4)
    assert layout.seat_count == 24 and layout.sections == ["A", "B"]
    seats = {(s.section, s.row, s.number): (s.x, s.y) for s in Seat.objects.filter(venue=venue)}
    assert len(seats) == 24
    assert set(seats) == {(s, str(r), n) for s in "AB" for r in (1, 2, 3) for n in (1, 2, 3, 4)}
    # Row 1 nearest the stage, seats left to right, section B to the right of A with a gap.
    assert seats[("A", "1", 1)] == (0.0, 0.0)
    assert seats[("A", "3", 4)] == (3 * SEAT_SPACING, 2 * SEAT_SPACING)
    assert seats[("B", "1", 1)] == (3 * SEAT_SPACING + SECTION_GAP, 0.0)


def test_layout_by_count_continues_after_existing_sections_to_their_right():
    venue = VenueFactory()
    generate_seat_layout(venue=venue, sections=["A", "Balcony"], rows=1, seats_per_row=2)
    layout = generate_seat_layout(venue=venue, section_count=2, rows=2, seats_per_row=2)
    assert layout.sections == ["B", "C"]
    assert layout.seat_count == 8
    right_of_old = max(
        Seat.objects.filter(section__in=["A", "Balcony"]).values_list("x", flat=True)
    )
    assert min(Seat.objects.filter(section="B").values_list("x", flat=True)) > right_of_old


def test_layout_strips_names_and_ignores_blanks():
    venue = VenueFactory()
    layout = generate_seat_layout(
        venue=venue, sections=[" Stalls ", "", "  "], rows=1, seats_per_row=1
    )
    assert layout.sections == ["Stalls"]
    assert Seat.objects.get(venue=venue).section == "Stalls"


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"sections": ["A"], "rows": 0, "seats_per_row": 5}, "rows"),
        ({"sections": ["A"], "rows": 5, "seats_per_row": -1}, "seats_per_row"),
        ({"sections": ["A", "B", "A"], "rows": 1, "seats_per_row": 1}, "sections"),
        ({"sections": [" ", ""], "rows": 1, "seats_per_row": 1}, "sections"),
        ({"sections": None, "rows": 1, "seats_per_row": 1}, "sections"),
        ({"sections": ["A"], "section_count": 2, "rows": 1, "seats_per_row": 1}, "section_count"),
        ({"section_count": 0, "rows": 1, "seats_per_row": 1}, "section_count"),
        ({"sections": ["x" * 51], "rows": 1, "seats_per_row": 1}, "sections"),
    ],
)
def test_bad_layouts_are_refused_naming_the_field(kwargs, field):
    venue = VenueFactory()
    with pytest.raises(InvalidRequest) as exc:
        generate_seat_layout(venue=venue, **kwargs)
    assert field in exc.value.extra["fields"]
    assert not Seat.objects.exists()


def test_too_large_a_layout_is_refused():
    venue = VenueFactory()
    with pytest.raises(InvalidRequest, match="larger than"):
        generate_seat_layout(venue=venue, sections=["A", "B"], rows=1000, seats_per_row=100)
    assert not Seat.objects.exists()


def test_existing_sections_are_refused_and_nothing_is_added():
    venue = VenueFactory()
    generate_seat_layout(venue=venue, sections=["A"], rows=2, seats_per_row=2)
    with pytest.raises(RuleBroken) as exc:
        generate_seat_layout(venue=venue, sections=["B", "A"], rows=2, seats_per_row=2)
    assert exc.value.code == "sections_exist"
    assert "A" in exc.value.detail and "B," not in exc.value.detail
    assert Seat.objects.filter(venue=venue).count() == 4
    # The same names are fine at another venue.
    generate_seat_layout(venue=VenueFactory(), sections=["A"], rows=1, seats_per_row=1)


# --- publish_event -------------------------------------------------------------------------


def draft_with_layout(**layout):
    event = EventFactory()
    generate_seat_layout(
        venue=event.venue,
        sections=layout.get("sections", ["A", "B"]),
        rows=layout.get("rows", 3),
        seats_per_row=layout.get("seats_per_row", 2),
    )
    return event


def test_publish_creates_one_event_seat_per_seat_priced_by_assignments():
    event = draft_with_layout()
    cheap = PriceTierFactory(event=event, name="Cheap", price=Decimal("10.00"))
    PriceTierFactory(event=event, name="Dear", price=Decimal("99.00"))
    mid = PriceTierFactory(event=event, name="Mid", price=Decimal("50.00"))
    front = PriceTierFactory(event=event, name="Front", price=Decimal("80.00"))
    TierAssignment.objects.create(event=event, price_tier=mid, section="A")
    TierAssignment.objects.create(event=event, price_tier=front, section="A", row="1")

    published = publish_event(event_id=event.pk)

    assert published.status == Event.Status.ON_SALE
    assert published.published_at is not None and published.sales_start is not None
    assert published.seats_created == 12
    assert EventSeat.objects.filter(event=event).count() == 12
    assert EventSeat.objects.filter(event=event).values("seat").distinct().count() == 12
    tiers = tier_by_place(event)
    assert {tiers[("A", "1", n)] for n in (1, 2)} == {"Front"}  # the row beats its section
    assert {tiers[("A", r, n)] for r in "23" for n in (1, 2)} == {"Mid"}
    assert {tiers[("B", r, n)] for r in "123" for n in (1, 2)} == {cheap.name}
    assert set(EventSeat.objects.filter(event=event).values_list("status", flat=True)) == {
        "available"
    }


def test_publish_keeps_a_sales_start_already_set():
    event = draft_with_layout()
    PriceTierFactory(event=event)
    start = timezone.now() + timedelta(days=2)
    Event.objects.filter(pk=event.pk).update(sales_start=start)
    assert publish_event(event_id=event.pk).sales_start == start


@pytest.mark.parametrize(
    "setup, code",
    [
        ("no_tiers", "no_price_tiers"),
        ("no_seats", "venue_has_no_seats"),
        ("cancelled", "event_cancelled"),
        ("started", "event_started"),
        ("published", "already_published"),
    ],
)
def test_publish_refusals_leave_the_event_as_it_was(setup, code):
    event = EventFactory() if setup == "no_seats" else draft_with_layout()
    if setup != "no_tiers":
        PriceTierFactory(event=event)
    if setup == "cancelled":
        Event.objects.filter(pk=event.pk).update(status=Event.Status.CANCELLED)
    if setup == "started":
        Event.objects.filter(pk=event.pk).update(starts_at=timezone.now() - timedelta(minutes=1))
    if setup == "published":
        publish_event(event_id=event.pk)
    seats_before = EventSeat.objects.filter(event=event).count()
    status_before = Event.objects.get(pk=event.pk).status

    with pytest.raises(RuleBroken) as exc:
        publish_event(event_id=event.pk)

    assert exc.value.code == code
    assert EventSeat.objects.filter(event=event).count() == seats_before
    assert Event.objects.get(pk=event.pk).status == status_before


def test_publish_unknown_event_is_not_found():
    with pytest.raises(NotFound):
        publish_event(event_id=987654)


# --- apply_tier_assignments ----------------------------------------------------------------


def test_reapplying_tiers_reprices_only_available_seats():
    event = on_sale_event(sections=("A",), rows=2, seats_per_row=3, price="40.00")
    buyer = UserFactory()
    a1 = list(EventSeat.objects.filter(event=event, seat__row="1").order_by("seat__number"))
    hold = hold_seats(user=buyer, event_id=event.pk, event_seat_ids=[a1[0].pk])
    EventSeat.objects.filter(pk=a1[1].pk).update(status=EventSeat.Status.SOLD)
    vip = PriceTierFactory(event=event, name="VIP", price=Decimal("90.00"))
    TierAssignment.objects.create(event=event, price_tier=vip, section="A", row="1")

    changed = apply_tier_assignments(event_id=event.pk)

    assert changed == 1  # A1 seat 3 only: seat 1 is held, seat 2 sold, row 2 unassigned
    tiers = tier_by_place(event)
    assert tiers[("A", "1", 3)] == "VIP"
    assert tiers[("A", "1", 1)] == "Standard" and tiers[("A", "1", 2)] == "Standard"
    assert {tiers[("A", "2", n)] for n in (1, 2, 3)} == {"Standard"}
    held = EventSeat.objects.get(pk=a1[0].pk)
    assert held.status == "held" and held.hold_id == hold.pk
    assert apply_tier_assignments(event_id=event.pk) == 0


def test_reapplying_tiers_of_a_draft_is_refused():
    event = draft_with_layout()
    PriceTierFactory(event=event)
    with pytest.raises(RuleBroken) as exc:
        apply_tier_assignments(event_id=event.pk)
    assert exc.value.code == "event_not_on_sale"


def test_assignments_pointing_at_another_events_tier_are_ignored():
    event = draft_with_layout(sections=["A"], rows=1, seats_per_row=2)
    PriceTierFactory(event=event, name="Own", price=Decimal("5.00"))
    stranger = PriceTierFactory(name="Stranger", price=Decimal("1.00"))
    TierAssignment.objects.create(event=event, price_tier=stranger, section="A")
    publish_event(event_id=event.pk)
    assert set(tier_by_place(event).values()) == {"Own"}


# --- set_seat_price_tier -------------------------------------------------------------------


def test_moving_one_available_seat_to_another_tier():
    event = on_sale_event(rows=1, seats_per_row=2)
    vip = PriceTierFactory(event=event, name="VIP", price=Decimal("90.00"))
    seat = EventSeat.objects.filter(event=event).first()
    set_seat_price_tier(event_seat_id=seat.pk, price_tier_id=vip.pk)
    assert EventSeat.objects.get(pk=seat.pk).price_tier_id == vip.pk


def test_a_held_seat_or_a_foreign_tier_cannot_be_moved():
    event = on_sale_event(rows=1, seats_per_row=2)
    vip = PriceTierFactory(event=event, name="VIP", price=Decimal("90.00"))
    other = PriceTierFactory(name="Elsewhere")
    seat = EventSeat.objects.filter(event=event).first()
    with pytest.raises(InvalidRequest):
        set_seat_price_tier(event_seat_id=seat.pk, price_tier_id=other.pk)
    hold_seats(user=UserFactory(), event_id=event.pk, event_seat_ids=[seat.pk])
    with pytest.raises(RuleBroken) as exc:
        set_seat_price_tier(event_seat_id=seat.pk, price_tier_id=vip.pk)
    assert exc.value.code == "seat_not_available"
    assert EventSeat.objects.get(pk=seat.pk).price_tier.name == "Standard"

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from apps.bookings.services import confirm_booking
from apps.events.models import Event, PriceTier, TierAssignment, Venue
from apps.inventory.holds import hold_seats
from apps.inventory.layouts import SEAT_SPACING, SECTION_GAP, generate_seat_layout
from apps.inventory.models import EventSeat, Seat
from apps.payments.providers.base import CardDetails
from tests.factories import (
    EventFactory,
    PriceTierFactory,
    UserFactory,
    VenueFactory,
    on_sale_event,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:events_event_changelist")


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


def messages_of(response) -> list[str]:
    return [m.message for m in get_messages(response.wsgi_request)]


def layout_url(venue):
    return reverse("admin:events_venue_layout", args=[venue.pk])


def run_action(admin_client, action, *events):
    return admin_client.post(
        CHANGELIST, {"action": action, "_selected_action": [e.pk for e in events]}
    )


# --- venues and the seat layout generator -------------------------------------------------


def test_layout_generator_creates_the_seats_and_says_so(admin_client):
    venue = VenueFactory()
    page = admin_client.get(layout_url(venue))
    assert page.status_code == 200 and b"Create seats" in page.content

    response = admin_client.post(
        layout_url(venue), {"sections": "A, B", "rows": "3", "seats_per_row": "4"}
    )

    assert response.status_code == 302
    assert response.url == reverse("admin:events_venue_change", args=[venue.pk])
    assert messages_of(response) == ["Created 24 seats in sections A, B."]
    seats = {(s.section, s.row, s.number): (s.x, s.y) for s in Seat.objects.filter(venue=venue)}
    assert set(seats) == {(s, str(r), n) for s in "AB" for r in range(1, 4) for n in range(1, 5)}
    # Row 1 nearest the stage (y = 0), numbered left to right, B to the right of A.
    assert seats[("A", "1", 1)] == (0.0, 0.0)
    assert seats[("A", "3", 4)] == (3 * SEAT_SPACING, 2 * SEAT_SPACING)
    assert seats[("B", "1", 1)] == (3 * SEAT_SPACING + SECTION_GAP, 0.0)

    change_page = admin_client.get(response.url)
    summary = change_page.context["sections"]
    assert summary == [
        {"section": "A", "standing": False, "rows": 3, "seats": 12},
        {"section": "B", "standing": False, "rows": 3, "seats": 12},
    ]
    assert b"Seats per section" in change_page.content
    seats_of_b = reverse("admin:inventory_seat_changelist") + f"?venue__id__exact={venue.pk}"
    assert f"{seats_of_b}&amp;section=B".encode() in change_page.content
    listed = admin_client.get(seats_of_b + "&section=B")
    assert listed.status_code == 200 and listed.context["cl"].result_count == 12
    assert layout_url(venue).encode() in change_page.content  # the button


def test_layout_generator_names_counted_sections(admin_client):
    venue = VenueFactory()
    response = admin_client.post(
        layout_url(venue), {"section_count": "3", "rows": "2", "seats_per_row": "5"}
    )
    assert messages_of(response) == ["Created 30 seats in sections A, B, C."]
    assert Seat.objects.filter(venue=venue).count() == 30


@pytest.mark.parametrize(
    "data, field",
    [
        ({"sections": "A", "rows": "0", "seats_per_row": "4"}, "rows"),
        ({"sections": "A, B, A", "rows": "2", "seats_per_row": "4"}, "sections"),
        ({"sections": "", "rows": "2", "seats_per_row": "4"}, "sections"),
        ({"sections": "A", "section_count": "2", "rows": "2", "seats_per_row": "4"}, None),
        ({"sections": "A", "rows": "two", "seats_per_row": "4"}, "rows"),
        ({"sections": "A", "rows": "2"}, "seats_per_row"),
    ],
)
def test_bad_layout_input_shows_an_error_and_creates_nothing(admin_client, data, field):
    venue = VenueFactory()
    response = admin_client.post(layout_url(venue), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors
    if field:
        assert field in form.errors
    assert b"Nothing was created." in response.content
    assert not Seat.objects.filter(venue=venue).exists()


def test_existing_sections_are_an_error_and_nothing_is_added(admin_client):
    venue = VenueFactory()
    generate_seat_layout(venue=venue, sections=["A"], rows=2, seats_per_row=2)
    response = admin_client.post(
        layout_url(venue), {"sections": "B, A", "rows": "2", "seats_per_row": "2"}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "Already exists: A." in errors["sections"]
    assert any("already has seats in section A" in e for e in errors["__all__"])
    assert set(Seat.objects.filter(venue=venue).values_list("section", flat=True)) == {"A"}


def test_adding_a_venue_goes_on_to_its_seat_layout(admin_client):
    response = admin_client.post(
        reverse("admin:events_venue_add"),
        {
            "name": "Konzerthaus",
            "city": "Berlin",
            "address": "Gendarmenmarkt",
            "time_zone": "Europe/Berlin",
            "_save": "Save",
        },
    )
    venue = Venue.objects.get(name="Konzerthaus")
    assert response.status_code == 302 and response.url == layout_url(venue)
    assert venue.time_zone == "Europe/Berlin"


def test_layout_of_a_missing_venue_is_not_a_500(admin_client):
    response = admin_client.get(reverse("admin:events_venue_layout", args=[424242]))
    assert response.status_code == 302
    assert response.url == reverse("admin:index")


def test_venue_list_counts_seats_and_events_in_fixed_queries(
    admin_client, django_assert_num_queries
):
    def make(n):
        for _ in range(n):
            venue = VenueFactory()
            generate_seat_layout(venue=venue, sections=["A"], rows=2, seats_per_row=3)
            EventFactory.create_batch(2, venue=venue)

    url = reverse("admin:events_venue_changelist")
    make(1)
    with django_assert_num_queries(QUERIES_VENUE_LIST):
        response = admin_client.get(url)
    make(4)
    with django_assert_num_queries(QUERIES_VENUE_LIST):
        response = admin_client.get(url)
    assert response.status_code == 200
    rows = {v.name: (v.seat_count, v.event_count) for v in response.context["cl"].result_list}
    assert len(rows) == 5 and set(rows.values()) == {(6, 2)}


# session, user, count, full count, city filter values, page of venues
QUERIES_VENUE_LIST = 6


# --- events: tiers, assignments, actions --------------------------------------------------


def draft_event(sections=("A", "B"), rows=3, seats_per_row=2):
    event = EventFactory()
    generate_seat_layout(
        venue=event.venue, sections=list(sections), rows=rows, seats_per_row=seats_per_row
    )
    return event


def event_form_data(event, tiers=(), assignments=()):
    """The event change form as a browser would post it, with the given tier rows (existing
    PriceTier objects) and new assignment rows (tier, section, row)."""
    data = {
        "title": event.title,
        "slug": event.slug,
        "venue": event.venue_id,
        "starts_at_0": event.starts_at.strftime("%Y-%m-%d"),
        "starts_at_1": event.starts_at.strftime("%H:%M:%S"),
        "description": event.description,
        "sales_start_0": "",
        "sales_start_1": "",
        "sales_end_0": "",
        "sales_end_1": "",
        "currency": event.currency,
        "hold_minutes": event.hold_minutes,
        "max_seats_per_order": event.max_seats_per_order,
        "price_tiers-TOTAL_FORMS": len(tiers),
        "price_tiers-INITIAL_FORMS": len(tiers),
        "price_tiers-MIN_NUM_FORMS": 0,
        "price_tiers-MAX_NUM_FORMS": 1000,
        "tier_assignments-TOTAL_FORMS": len(assignments),
        "tier_assignments-INITIAL_FORMS": 0,
        "tier_assignments-MIN_NUM_FORMS": 0,
        "tier_assignments-MAX_NUM_FORMS": 1000,
        "_continue": "Save and continue editing",
    }
    for i, tier in enumerate(tiers):
        data |= {
            f"price_tiers-{i}-id": tier.pk,
            f"price_tiers-{i}-event": event.pk,
            f"price_tiers-{i}-name": tier.name,
            f"price_tiers-{i}-price": tier.price,
            f"price_tiers-{i}-colour": tier.colour,
        }
    for i, (tier, section, row) in enumerate(assignments):
        data |= {
            f"tier_assignments-{i}-event": event.pk,
            f"tier_assignments-{i}-price_tier": tier.pk,
            f"tier_assignments-{i}-section": section,
            f"tier_assignments-{i}-row": row,
        }
    return data


def test_assignments_are_edited_on_the_event_page(admin_client):
    event = draft_event()
    front = PriceTierFactory(event=event, name="Front", price=Decimal("80.00"))
    cheap = PriceTierFactory(event=event, name="Cheap", price=Decimal("20.00"))
    url = reverse("admin:events_event_change", args=[event.pk])

    page = admin_client.get(url)
    assert page.status_code == 200
    tier_field = page.context["inline_admin_formsets"][1].formset.form.base_fields["price_tier"]
    assert set(tier_field.queryset) == {front, cheap}

    response = admin_client.post(
        url, event_form_data(event, [front, cheap], [(front, "A", "1"), (cheap, "B", "")])
    )
    assert response.status_code == 302, response.context["errors"]
    assert set(TierAssignment.objects.values_list("event", "price_tier", "section", "row")) == {
        (event.pk, front.pk, "A", "1"),
        (event.pk, cheap.pk, "B", ""),
    }


@pytest.mark.parametrize(
    "bad",
    ["other_event_tier", "same_place_twice", "unknown_section", "unknown_row"],
)
def test_bad_assignments_are_form_errors(admin_client, bad):
    event = draft_event()
    front = PriceTierFactory(event=event, name="Front", price=Decimal("80.00"))
    stranger = PriceTierFactory(name="Elsewhere")
    rows = {
        "other_event_tier": [(stranger, "A", "")],
        "same_place_twice": [(front, "A", "1"), (front, "A", "1")],
        "unknown_section": [(front, "Z", "")],
        "unknown_row": [(front, "A", "9")],
    }[bad]
    response = admin_client.post(
        reverse("admin:events_event_change", args=[event.pk]),
        event_form_data(event, [front], rows),
    )
    assert response.status_code == 200
    assert response.context["errors"]
    assert not TierAssignment.objects.exists()


def test_publish_action_creates_one_event_seat_per_seat_with_assigned_tiers(admin_client):
    event = draft_event()
    cheap = PriceTierFactory(event=event, name="Cheap", price=Decimal("20.00"))
    mid = PriceTierFactory(event=event, name="Mid", price=Decimal("50.00"))
    front = PriceTierFactory(event=event, name="Front", price=Decimal("80.00"))
    PriceTierFactory(event=event, name="Unused", price=Decimal("30.00"))
    TierAssignment.objects.create(event=event, price_tier=mid, section="A")
    TierAssignment.objects.create(event=event, price_tier=front, section="A", row="1")

    response = run_action(admin_client, "publish", event)

    assert response.status_code == 302
    assert messages_of(response) == [
        f"“{event.title}”: no seat sells at the price tier “Unused”. Check the tier "
        "assignments, then run “Re-apply price tiers to unsold seats”.",
        f"“{event.title}” is on sale with 12 seats.",
    ]
    event.refresh_from_db()
    assert event.status == Event.Status.ON_SALE
    seats = EventSeat.objects.filter(event=event)
    assert seats.count() == 12 == Seat.objects.filter(venue=event.venue).count()
    assert seats.values("seat").distinct().count() == 12
    tiers = dict(seats.values_list("seat", "price_tier"))
    by_place = {(s.section, s.row): tiers[s.pk] for s in Seat.objects.filter(venue=event.venue)}
    assert by_place[("A", "1")] == front.pk  # the row beats the section
    assert by_place[("A", "2")] == by_place[("A", "3")] == mid.pk
    assert {by_place[("B", r)] for r in "123"} == {cheap.pk}  # unassigned: the cheapest


def test_publishing_twice_is_refused_with_a_message(admin_client):
    event = on_sale_event(rows=2, seats_per_row=2)
    response = run_action(admin_client, "publish", event)
    assert messages_of(response) == [f"“{event.title}”: This event is already on sale."]
    assert EventSeat.objects.filter(event=event).count() == 4


def test_publish_refusal_and_success_side_by_side(admin_client):
    ready = draft_event(rows=1, seats_per_row=1)
    PriceTierFactory(event=ready)
    no_tiers = draft_event(rows=1, seats_per_row=1)
    response = run_action(admin_client, "publish", ready, no_tiers)
    text = " ".join(messages_of(response))
    assert f"“{ready.title}” is on sale with 2 seats." in text
    assert f"“{no_tiers.title}”: Add at least one price tier before publishing." in text
    assert not EventSeat.objects.filter(event=no_tiers).exists()


def test_reapply_action_reprices_unsold_seats(admin_client):
    event = on_sale_event(sections=("A",), rows=2, seats_per_row=2, price="40.00")
    vip = PriceTierFactory(event=event, name="VIP", price=Decimal("90.00"))
    TierAssignment.objects.create(event=event, price_tier=vip, section="A", row="1")
    response = run_action(admin_client, "reapply_tiers", event)
    assert messages_of(response) == [f"“{event.title}”: 2 unsold seats re-priced."]
    assert EventSeat.objects.filter(event=event, price_tier=vip).count() == 2


def test_cancel_action(admin_client):
    free = on_sale_event(rows=1, seats_per_row=2)
    sold = on_sale_event(rows=1, seats_per_row=2)
    buyer = UserFactory()
    hold = hold_seats(user=buyer, event_id=sold.pk, quantity=1)
    card = CardDetails.parse(number="4242424242424242", exp_month=12, exp_year=2035, cvc="123")
    confirm_booking(user=buyer, hold_id=hold.pk, card=card)

    response = run_action(admin_client, "cancel", free, sold)

    text = " ".join(messages_of(response))
    assert f"“{free.title}” is cancelled" in text
    assert f"“{sold.title}”: This event has 1 confirmed booking" in text
    assert Event.objects.get(pk=free.pk).status == Event.Status.CANCELLED
    assert Event.objects.get(pk=sold.pk).status == Event.Status.ON_SALE


def test_a_published_events_venue_and_status_cannot_be_edited(admin_client):
    event = on_sale_event(rows=1, seats_per_row=2)
    elsewhere = VenueFactory()
    url = reverse("admin:events_event_change", args=[event.pk])
    page = admin_client.get(url)
    fields = page.context["adminform"].form.fields
    assert "venue" not in fields and "status" not in fields and "currency" not in fields

    tiers = list(PriceTier.objects.filter(event=event))
    data = event_form_data(event, tiers) | {"venue": elsewhere.pk, "title": "Renamed"}
    response = admin_client.post(url, data)
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.title == "Renamed" and event.venue_id != elsewhere.pk


def test_adding_an_event_with_its_tiers(admin_client):
    venue = VenueFactory()
    starts = timezone.now() + timedelta(days=10)
    response = admin_client.post(
        reverse("admin:events_event_add"),
        {
            "title": "Opening night",
            "slug": "opening-night",
            "venue": venue.pk,
            "starts_at_0": starts.strftime("%Y-%m-%d"),
            "starts_at_1": "19:30:00",
            "currency": "EUR",
            "hold_minutes": 10,
            "max_seats_per_order": 6,
            "price_tiers-TOTAL_FORMS": 2,
            "price_tiers-INITIAL_FORMS": 0,
            "price_tiers-MIN_NUM_FORMS": 0,
            "price_tiers-MAX_NUM_FORMS": 1000,
            "price_tiers-0-name": "Stalls",
            "price_tiers-0-price": "55.00",
            "price_tiers-0-colour": "#ff0000",
            "price_tiers-1-name": "",
            "price_tiers-1-price": "",
            "price_tiers-1-colour": "#3b82f6",
            "_save": "Save",
        },
    )
    assert response.status_code == 302, response.context["errors"]
    event = Event.objects.get(slug="opening-night")
    assert event.status == Event.Status.DRAFT
    assert list(event.price_tiers.values_list("name", "price")) == [("Stalls", Decimal("55.00"))]


def test_sales_window_in_the_wrong_order_is_a_clear_form_error(admin_client):
    event = draft_event(rows=1, seats_per_row=1)
    data = event_form_data(event) | {
        "sales_start_0": "2030-01-02",
        "sales_start_1": "10:00:00",
        "sales_end_0": "2030-01-01",
        "sales_end_1": "10:00:00",
    }
    response = admin_client.post(reverse("admin:events_event_change", args=[event.pk]), data)
    assert response.status_code == 200
    assert b"Sales must end after they start." in response.content


# --- the event list -----------------------------------------------------------------------


def make_events(n):
    for i in range(n):
        if i % 2:
            EventFactory()
        else:
            event = on_sale_event(rows=2, seats_per_row=3)
            hold_seats(user=UserFactory(), event_id=event.pk, quantity=2)


# session, user, filtered count, full count, page of events (with venues), seat counts of the
# page, date hierarchy (first/last date, then the dates), city filter values
QUERIES_EVENT_LIST = 9


@pytest.mark.parametrize("n", [2, 10])
def test_event_list_runs_a_fixed_number_of_queries(admin_client, django_assert_num_queries, n):
    make_events(n)
    with django_assert_num_queries(QUERIES_EVENT_LIST):
        response = admin_client.get(CHANGELIST)
    assert response.status_code == 200
    events = response.context["cl"].result_list
    assert len(events) == n
    on_sale = [e for e in events if e.status == Event.Status.ON_SALE]
    assert on_sale and all(
        e.seat_count_by_status == {"available": 4, "held": 2, "sold": 0} for e in on_sale
    )
    assert b'<td class="field-seats_held">2</td>' in response.content


def test_event_list_filters_and_search(admin_client):
    berlin = on_sale_event(rows=1, seats_per_row=1, title="Berlin Brass")
    hamburg = EventFactory(title="Hamburg Harps", venue=VenueFactory(city="Hamburg"))
    for query, expected in [
        ("?venue__city=Hamburg", {hamburg}),
        ("?status__exact=on_sale", {berlin}),
        ("?q=brass", {berlin}),
        (f"?q={hamburg.venue.name}", {hamburg}),
    ]:
        response = admin_client.get(CHANGELIST + query)
        assert set(response.context["cl"].result_list) == expected, query


# --- who may enter ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "buyer"])
def test_non_staff_are_sent_to_the_login(client, who):
    venue = VenueFactory()
    event = EventFactory(venue=venue)
    if who == "buyer":
        client.force_login(UserFactory())
    for url in [
        CHANGELIST,
        reverse("admin:events_event_change", args=[event.pk]),
        layout_url(venue),
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("admin:login")), url
    response = client.post(layout_url(venue), {"sections": "A", "rows": 1, "seats_per_row": 1})
    assert response.status_code == 302
    response = client.post(CHANGELIST, {"action": "publish", "_selected_action": [event.pk]})
    assert response.status_code == 302
    assert not Seat.objects.exists()
    assert Event.objects.get(pk=event.pk).status == Event.Status.DRAFT

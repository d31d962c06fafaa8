"""General admission: a buyer asks for a quantity of places in a standing area; the same hold
engine, checkout, expiry and cancellation as for numbered seats, and never more sold than the
area's capacity."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.bookings.models import Ticket
from apps.bookings.services import cancel_booking, confirm_booking
from apps.common.errors import Conflict, InvalidRequest
from apps.inventory.holds import expire_holds, hold_seats, release_hold
from apps.inventory.models import EventSeat, Hold
from apps.inventory.snapshot import forget as forget_taken_seats
from apps.payments.providers.base import CardDetails
from tests.factories import UserFactory, on_sale_event, standing_event
from tests.inventory.invariants import assert_no_seat_taken_twice

pytestmark = pytest.mark.django_db


def card():
    return CardDetails.parse(
        number="4242424242424242", exp_month=12, exp_year=2035, cvc="123", name="A B"
    )


def places_left(api_client, event) -> int:
    answer = api_client.get(f"/api/v1/events/{event.id}/availability").json()
    return answer["areas"]["Standing"]


def test_a_buyer_holds_places_in_an_area_through_the_api(buyer_client, api_client):
    event = standing_event(areas={"Standing": 30})
    response = buyer_client.post(
        "/api/v1/holds", {"event": event.id, "area": "Standing", "quantity": 3}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert len(body["seats"]) == 3
    assert {line["label"] for line in body["seats"]} == {"Standing (general admission)"}
    assert all(line["standing"] for line in body["seats"])
    assert body["total"] == "90.00"
    assert places_left(api_client, event) == 27
    # The hold reads back the same way.
    again = buyer_client.get(f"/api/v1/holds/{body['id']}").json()
    assert {line["label"] for line in again["seats"]} == {"Standing (general admission)"}


def test_an_area_only_event_has_no_seats_on_its_map_and_says_how_many_places_are_left(
    api_client,
):
    event = standing_event(areas={"Standing": 40, "Balcony standing": 10})
    layout = api_client.get(f"/api/v1/events/{event.id}/layout").json()
    assert layout["seats"] == [] and layout["sections"] == []
    assert [(a["name"], a["capacity"]) for a in layout["areas"]] == [
        ("Standing", 40),
        ("Balcony standing", 10),
    ] or [(a["name"], a["capacity"]) for a in layout["areas"]] == [
        ("Balcony standing", 10),
        ("Standing", 40),
    ]
    availability = api_client.get(f"/api/v1/events/{event.id}/availability").json()
    assert availability["areas"] == {"Standing": 40, "Balcony standing": 10}


def test_asking_for_more_than_is_left_is_refused_with_how_many_are(buyer, api_client):
    event = standing_event(areas={"Standing": 5})
    hold_seats(user=UserFactory(), event_id=event.id, quantity=3, area="Standing")
    with pytest.raises(Conflict) as refused:
        hold_seats(user=buyer, event_id=event.id, quantity=3, area="Standing")
    assert refused.value.code == "not_enough_places"
    assert refused.value.extra["left"] == 2
    assert "Only 2 places are left in Standing" in refused.value.detail
    hold_seats(user=buyer, event_id=event.id, quantity=2, area="Standing")
    with pytest.raises(Conflict) as sold_out:
        hold_seats(user=UserFactory(), event_id=event.id, quantity=1, area="Standing")
    assert sold_out.value.detail == "Standing is sold out."


def test_unknown_area_and_area_with_section_are_bad_requests(buyer_client):
    event = standing_event(areas={"Standing": 5})
    unknown = buyer_client.post(
        "/api/v1/holds", {"event": event.id, "area": "Pit", "quantity": 1}, format="json"
    )
    assert unknown.status_code == 400 and unknown.json()["code"] == "unknown_area"
    both = buyer_client.post(
        "/api/v1/holds",
        {"event": event.id, "area": "Standing", "section": "A", "quantity": 1},
        format="json",
    )
    assert both.status_code == 400 and both.json()["code"] == "section_or_area"
    too_many = buyer_client.post(
        "/api/v1/holds", {"event": event.id, "area": "Standing", "quantity": 9}, format="json"
    )
    assert too_many.status_code == 422 and too_many.json()["code"] == "too_many_seats"


def test_paying_cancelling_and_expiring_work_for_places(
    buyer, api_client, django_capture_on_commit_callbacks
):
    def look_again():  # what every process sees once the shared snapshot is dropped
        with django_capture_on_commit_callbacks(execute=True):
            forget_taken_seats(event.id)

    event = standing_event(areas={"Standing": 10})
    hold = hold_seats(user=buyer, event_id=event.id, quantity=2, area="Standing")
    booking = confirm_booking(user=buyer, hold_id=hold.id, card=card())
    assert booking.status == "confirmed" and booking.total == Decimal("60.00")
    assert Ticket.objects.filter(booking=booking, status="valid").count() == 2
    assert places_left(api_client, event) == 8

    other = UserFactory()
    lapsed = hold_seats(user=other, event_id=event.id, quantity=4, area="Standing")
    past = timezone.now() - timedelta(seconds=1)
    Hold.objects.filter(pk=lapsed.pk).update(expires_at=past)
    EventSeat.objects.filter(hold=lapsed).update(held_until=past)
    look_again()
    assert places_left(api_client, event) == 8  # a hold that ran out counts as free at once
    assert expire_holds() == 1
    assert Hold.objects.get(pk=lapsed.pk).status == "expired"

    cancel_booking(user=buyer, reference=booking.reference)
    look_again()
    assert places_left(api_client, event) == 10
    assert_no_seat_taken_twice(event)


def test_release_gives_the_places_back(buyer, api_client):
    event = standing_event(areas={"Standing": 4})
    hold = hold_seats(user=buyer, event_id=event.id, quantity=4, area="Standing")
    assert places_left(api_client, event) == 0
    release_hold(user=buyer, hold_id=hold.id)
    assert places_left(api_client, event) == 4


def test_seats_and_places_in_one_event_stay_apart(buyer, api_client):
    event = standing_event(areas={"Standing": 6}, seated_sections=("A",))
    layout = api_client.get(f"/api/v1/events/{event.id}/layout").json()
    assert len(layout["seats"]) == 10 and layout["sections"] == ["A"]
    assert layout["areas"][0]["first"] == 10  # the places come after the seats

    # Best available never picks standing places, though they are free and "adjacent".
    seated = hold_seats(user=buyer, event_id=event.id, quantity=4)
    assert not EventSeat.objects.filter(hold=seated, seat__standing=True).exists()
    row = hold_seats(user=UserFactory(), event_id=event.id, quantity=5)
    assert not EventSeat.objects.filter(hold=row, seat__standing=True).exists()
    with pytest.raises(Conflict) as no_seats:
        hold_seats(user=UserFactory(), event_id=event.id, quantity=5)
    assert no_seats.value.code == "no_adjacent_seats"
    # A standing hold never takes a numbered seat.
    standing = hold_seats(user=UserFactory(), event_id=event.id, quantity=6, area="Standing")
    assert EventSeat.objects.filter(hold=standing, seat__standing=True).count() == 6
    # The last numbered seat still sells, chosen on the map.
    last = EventSeat.objects.get(event=event, seat__standing=False, status="available")
    hold_seats(user=UserFactory(), event_id=event.id, event_seat_ids=[last.id])
    assert_no_seat_taken_twice(event)


def test_an_event_without_areas_refuses_an_area(buyer):
    event = on_sale_event(rows=1, seats_per_row=4)
    with pytest.raises(InvalidRequest) as refused:
        hold_seats(user=buyer, event_id=event.id, quantity=1, area="Standing")
    assert refused.value.code == "unknown_area"


def test_the_event_page_shows_the_area_and_holds_places(client):
    event = standing_event(areas={"Standing": 12})
    page = client.get(event.get_absolute_url()).content.decode()
    assert 'data-testid="standing-areas"' in page
    assert 'data-testid="seatmap"' not in page  # no seat map for an area-only event
    assert "12</strong> of 12 places left" in page
    buyer = UserFactory()
    client.force_login(buyer)
    form = {"mode": "area", "area": "Standing", "quantity": "3"}
    response = client.post(reverse("holds:create", args=[event.id]), form)
    hold = Hold.objects.get(user=buyer, status="active")
    assert response.status_code == 302 and str(hold.id) in response["Location"]
    assert EventSeat.objects.filter(hold=hold).count() == 3
    checkout = client.get(response["Location"]).content.decode()
    assert "Standing (general admission)" in checkout

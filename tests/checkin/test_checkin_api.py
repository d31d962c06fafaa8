"""POST /api/v1/checkin: each answer a door can get, who may ask, and what /metrics counts."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone
from prometheus_client import REGISTRY
from rest_framework.test import APIClient

from apps.bookings.services import cancel_booking
from apps.checkin.models import CheckIn
from tests.checkin.helpers import door_steward, jwt_client, scan, sold_tickets
from tests.factories import UserFactory, VenueFactory, on_sale_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    return on_sale_event(rows=2, seats_per_row=5, venue=VenueFactory(time_zone="Europe/Berlin"))


@pytest.fixture
def steward():
    return door_steward()


@pytest.fixture
def door(steward):
    return jwt_client(steward)


def scans(result) -> float:
    return REGISTRY.get_sample_value("ticketing_checkin_scans_total", {"result": result}) or 0.0


def test_a_valid_ticket_is_admitted_with_its_seat(door, event, steward):
    ticket, _ = sold_tickets(event)
    before = scans("admitted")
    response = scan(door, event, ticket.code, door="north")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["result"] == "admitted"
    assert body["place"] == ticket.event_seat.seat.label
    assert body["place"].startswith("Section A, row ")
    assert body["door"] == "north" and body["event"] == event.pk
    check_in = CheckIn.objects.get(ticket=ticket)
    assert (check_in.door, check_in.checked_in_by) == ("north", steward)
    assert abs((check_in.checked_in_at - timezone.now()).total_seconds()) < 60
    # Berlin's clock with its abbreviation, as the venue's staff read it.
    local = check_in.checked_in_at.astimezone(event.venue.zone)
    assert body["checked_in_at_local"].endswith(local.strftime("%H:%M %Z"))
    assert local.strftime("%Z") in {"CET", "CEST"}
    assert scans("admitted") == before + 1


def test_a_second_scan_says_when_and_at_which_door(door, event):
    ticket, _ = sold_tickets(event)
    assert scan(door, event, ticket.code, door="north").status_code == 200
    before = scans("already_checked_in")
    response = scan(door, event, ticket.code, door="south")
    assert response.status_code == 409
    body = response.json()
    first = CheckIn.objects.get(ticket=ticket)
    assert body["code"] == "already_checked_in"
    assert body["door"] == "north"
    assert body["checked_in_at"] == first.checked_in_at.isoformat()
    assert "door north" in body["detail"] and body["checked_in_at_local"] in body["detail"]
    assert CheckIn.objects.count() == 1
    assert scans("already_checked_in") == before + 1


def test_a_ticket_for_another_event_is_refused(door, event):
    other = on_sale_event(rows=1, seats_per_row=4, title="Another night")
    (ticket,) = sold_tickets(other, quantity=1)
    before = scans("wrong_event")
    response = scan(door, event, ticket.code)
    assert response.status_code == 422
    assert response.json()["code"] == "wrong_event"
    assert "Another night" in response.json()["detail"]
    assert not CheckIn.objects.exists()
    assert scans("wrong_event") == before + 1


def test_a_ticket_of_a_cancelled_booking_is_refused(door, event):
    ticket, _ = sold_tickets(event)
    cancel_booking(user=ticket.booking.user, reference=ticket.booking.reference)
    before = scans("ticket_cancelled")
    response = scan(door, event, ticket.code)
    assert response.status_code == 410
    assert response.json()["code"] == "ticket_cancelled"
    assert not CheckIn.objects.exists()
    assert scans("ticket_cancelled") == before + 1


@pytest.mark.parametrize(
    "code", ["not-a-ticket-code", "x" * 40, "https://example.com/" + "x" * 150]
)
def test_an_unknown_code_is_refused(door, event, code):
    sold_tickets(event)
    before = scans("unknown_code")
    response = scan(door, event, code)
    assert response.status_code == 404
    assert response.json()["code"] == "unknown_code"
    assert scans("unknown_code") == before + 1


def test_a_near_miss_of_a_real_code_is_unknown(door, event):
    """The code is looked up whole on the server: changing one character of a real one (a
    forgery from a photo of someone's ticket) finds nothing."""
    ticket, _ = sold_tickets(event)
    last = "A" if ticket.code[-1] != "A" else "B"
    assert scan(door, event, ticket.code[:-1] + last).json()["code"] == "unknown_code"
    assert scan(door, event, ticket.code.swapcase()).json()["code"] == "unknown_code"
    assert scan(door, event, ticket.code).status_code == 200


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"code": "abc", "door": "north"}, "event"),
        ({"event": 1, "door": "north"}, "code"),
        ({"event": 1, "code": "abc"}, "door"),
        ({"event": 1, "code": "abc", "door": "   "}, "door"),
        ({"event": 1, "code": "x" * 201, "door": "north"}, "code"),
        ({"event": 1, "code": " \t ", "door": "north"}, "code"),
        ({"event": 1, "code": "abc", "door": "x" * 41}, "door"),
        ({"event": "٣", "code": "abc", "door": "north"}, "event"),
    ],
)
def test_malformed_scans_are_400(door, payload, field):
    response = door.post("/api/v1/checkin", payload, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert field in response.json()["fields"]


def test_an_event_that_does_not_exist_is_404(door):
    response = door.post(
        "/api/v1/checkin", {"event": 999999, "code": "abc", "door": "north"}, format="json"
    )
    assert response.status_code == 404 and response.json()["code"] == "event_not_found"


def test_anonymous_is_401_buyers_and_other_staff_403(event):
    ticket, _ = sold_tickets(event)
    assert scan(APIClient(), event, ticket.code).status_code == 401
    assert scan(jwt_client(UserFactory()), event, ticket.code).status_code == 403
    box_office = UserFactory(is_staff=True)
    box_office.groups.set(Group.objects.filter(name__in=["Box office", "Finance"]))
    response = scan(jwt_client(box_office), event, ticket.code)
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert not CheckIn.objects.exists()


def test_a_retry_with_the_same_idempotency_key_gets_the_same_admission(door, event):
    """A scanner app that lost the answer retries: the same key replays "admitted" instead of
    turning its own first scan into "already checked in"."""
    ticket, _ = sold_tickets(event)
    payload = {"event": event.pk, "code": ticket.code, "door": "north"}
    first = door.post("/api/v1/checkin", payload, format="json", HTTP_IDEMPOTENCY_KEY="scan-1")
    again = door.post("/api/v1/checkin", payload, format="json", HTTP_IDEMPOTENCY_KEY="scan-1")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert CheckIn.objects.count() == 1


def test_the_page_posts_with_its_session_and_csrf_token(event, steward):
    """The check-in page's way in: session cookie plus CSRF token; without the token, 403."""
    ticket, _ = sold_tickets(event)
    client = Client(enforce_csrf_checks=True)
    client.force_login(steward)
    page = client.get(f"/checkin/{event.pk}/")
    assert page.status_code == 200
    token = client.cookies["csrftoken"].value
    body = {"event": event.pk, "code": ticket.code, "door": "west"}
    refused = client.post("/api/v1/checkin", body, content_type="application/json")
    assert refused.status_code == 403 and not CheckIn.objects.exists()
    admitted = client.post(
        "/api/v1/checkin", body, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert admitted.status_code == 200 and admitted.json()["door"] == "west"

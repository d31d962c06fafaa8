import uuid

import pytest
from rest_framework.test import APIClient

from apps.bookings.models import Booking
from apps.inventory.models import EventSeat, Hold
from apps.payments.models import SandboxCharge
from tests.factories import UserFactory, on_sale_event

pytestmark = pytest.mark.django_db

CARD = {"card_number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": 2035, "cvc": "123"}


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def event():
    return on_sale_event(rows=2, seats_per_row=10)


@pytest.fixture
def buyer():
    return UserFactory()


@pytest.fixture
def api(buyer):
    return client_for(buyer)


def seat_ids(event, n):
    return list(event.event_seats.order_by("id").values_list("id", flat=True)[:n])


def test_the_whole_journey(api, event):
    ids = seat_ids(event, 2)
    response = api.post("/api/v1/holds", {"event": event.id, "seats": ids}, format="json")
    assert response.status_code == 201, response.json()
    hold = response.json()
    assert [s["id"] for s in hold["seats"]] == ids
    assert hold["status"] == "active" and hold["total"] == "90.00" and hold["expires_at"]

    assert api.get(f"/api/v1/holds/{hold['id']}").json() == hold, "POST answers what GET reads"
    extended = api.post(f"/api/v1/holds/{hold['id']}/extend")
    assert extended.status_code == 200 and extended.json()["extensions"] == 1

    response = api.post("/api/v1/bookings", {"hold": hold["id"], "payment": CARD}, format="json")
    assert response.status_code == 201, response.json()
    booking = response.json()
    assert booking["status"] == "confirmed" and booking["total"] == "90.00"
    assert len(booking["tickets"]) == 2 and all(t["code"] for t in booking["tickets"])

    listed = api.get("/api/v1/bookings").json()
    assert [b["reference"] for b in listed["results"]] == [booking["reference"]]
    assert api.get(f"/api/v1/bookings/{booking['reference']}").status_code == 200

    cancelled = api.post(f"/api/v1/bookings/{booking['reference']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


def test_taken_seats_are_a_409_listing_them(api, event):
    ids = seat_ids(event, 3)
    client_for(UserFactory()).post(
        "/api/v1/holds", {"event": event.id, "seats": ids[:1]}, format="json"
    )
    response = api.post("/api/v1/holds", {"event": event.id, "seats": ids}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "seats_unavailable"
    assert response.json()["seats"] == ids[:1]


def test_best_available_through_the_api(api, event):
    response = api.post("/api/v1/holds", {"event": event.id, "quantity": 3}, format="json")
    assert response.status_code == 201
    assert len(response.json()["seats"]) == 3
    assert api.get(f"/api/v1/holds/{response.json()['id']}").json() == response.json()


@pytest.mark.parametrize(
    "body, status, code",
    [
        ({"event": "x", "seats": [1]}, 400, "validation_error"),
        ({"seats": [1]}, 400, "validation_error"),
        ({"event": 999999, "seats": [1]}, 404, "event_not_found"),
        ({"event": None, "quantity": 1}, 400, "validation_error"),
        ({"seats": ["a"], "event": 1}, 400, "validation_error"),
        ({"seats": [], "event": "EVENT"}, 400, "validation_error"),
        ({"seats": "1,2", "event": "EVENT"}, 400, "validation_error"),
        ({"seats": [1, 1], "event": "EVENT"}, 400, "duplicate_seats"),
        ({"quantity": 9, "event": "EVENT"}, 422, "too_many_seats"),
        ({"quantity": 0, "event": "EVENT"}, 400, "validation_error"),
        ({"seats": [1], "quantity": 1, "event": "EVENT"}, 400, "validation_error"),
        ({"seats": [10**9], "event": "EVENT"}, 400, "invalid_seats"),
    ],
)
def test_bad_hold_requests_get_a_clear_4xx_and_leave_nothing(api, event, body, status, code):
    body = {k: (event.id if v == "EVENT" else v) for k, v in body.items()}
    response = api.post("/api/v1/holds", body, format="json")
    assert response.status_code == status, response.json()
    assert response.json()["code"] == code
    assert response.json()["detail"]
    assert Hold.objects.count() == 0


def test_malformed_json_is_a_400(api):
    response = api.post("/api/v1/holds", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_anonymous_buyers_are_asked_to_log_in(event):
    response = APIClient().post("/api/v1/holds", {"event": event.id, "quantity": 1}, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_other_buyers_holds_and_bookings_are_invisible(api, event):
    hold = api.post("/api/v1/holds", {"event": event.id, "quantity": 1}, format="json").json()
    booking = api.post(
        "/api/v1/bookings", {"hold": hold["id"], "payment": CARD}, format="json"
    ).json()
    other = client_for(UserFactory())
    assert other.get(f"/api/v1/holds/{hold['id']}").status_code == 404
    assert other.delete(f"/api/v1/holds/{hold['id']}").status_code == 404
    assert other.get(f"/api/v1/bookings/{booking['reference']}").status_code == 404
    assert other.post(f"/api/v1/bookings/{booking['reference']}/cancel").status_code == 404
    assert other.get("/api/v1/bookings").json()["count"] == 0
    assert other.get("/api/v1/holds/not-a-uuid").status_code == 404


def test_release_through_the_api(api, event):
    hold = api.post("/api/v1/holds", {"event": event.id, "quantity": 2}, format="json").json()
    response = api.delete(f"/api/v1/holds/{hold['id']}")
    assert response.status_code == 200 and response.json()["status"] == "released"
    assert not EventSeat.objects.exclude(status="available").exists()
    assert api.delete(f"/api/v1/holds/{hold['id']}").status_code == 409


def test_declined_card_is_a_402_and_the_hold_survives(api, event):
    hold = api.post("/api/v1/holds", {"event": event.id, "quantity": 1}, format="json").json()
    declined = CARD | {"card_number": "4000000000000002"}
    response = api.post(
        "/api/v1/bookings", {"hold": hold["id"], "payment": declined}, format="json"
    )
    assert response.status_code == 402 and response.json()["code"] == "payment_declined"
    assert api.get(f"/api/v1/holds/{hold['id']}").json()["status"] == "active"


def test_bad_card_is_a_400_or_422_naming_the_field(api, event):
    hold = api.post("/api/v1/holds", {"event": event.id, "quantity": 1}, format="json").json()
    bad = CARD | {"card_number": "1234 5678"}  # not the shape of a card number: 400
    response = api.post("/api/v1/bookings", {"hold": hold["id"], "payment": bad}, format="json")
    assert response.status_code == 400
    assert "card_number" in response.json()["fields"]["payment"]
    wrong_digit = CARD | {"card_number": "4242424242424241"}  # the shape, not a card: 422
    response = api.post(
        "/api/v1/bookings", {"hold": hold["id"], "payment": wrong_digit}, format="json"
    )
    assert response.status_code == 422 and response.json()["code"] == "invalid_card"
    assert "card_number" in response.json()["fields"]
    missing = api.post("/api/v1/bookings", {"hold": hold["id"]}, format="json")
    assert missing.status_code == 400 and "payment_method" in missing.json()["fields"]
    unknown = api.post(
        "/api/v1/bookings", {"hold": str(uuid.uuid4()), "payment": CARD}, format="json"
    )
    assert unknown.status_code == 404
    assert not SandboxCharge.objects.exists()
    assert not Booking.objects.exists()


def test_the_longest_idempotency_key_pays_and_a_longer_one_is_a_400(api, event):
    hold = api.post("/api/v1/holds", {"event": event.id, "quantity": 1}, format="json").json()
    body = {"hold": hold["id"], "payment": CARD}
    too_long = api.post("/api/v1/bookings", body, format="json", HTTP_IDEMPOTENCY_KEY="k" * 256)
    assert too_long.status_code == 400
    assert too_long.json()["code"] == "invalid_idempotency_key"
    assert not Booking.objects.exists(), "refused before anything was recorded"
    longest = api.post("/api/v1/bookings", body, format="json", HTTP_IDEMPOTENCY_KEY="k" * 255)
    assert longest.status_code == 201, longest.json()
    again = api.post("/api/v1/bookings", body, format="json", HTTP_IDEMPOTENCY_KEY="k" * 255)
    assert again.json() == longest.json() and again["Idempotent-Replayed"] == "true"
    assert SandboxCharge.objects.count() == 1

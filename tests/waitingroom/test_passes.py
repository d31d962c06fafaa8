"""The pass through the API: with the room on a hold needs the buyer's own live pass for the
event; a confirmed booking spends it; Redis away fails the room closed while events without a
room keep selling."""

import time

import pytest
from prometheus_client import REGISTRY
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.bookings.models import Booking
from apps.inventory.models import Hold
from apps.waitingroom import passes
from tests import factories

from .rooms import admit, room_event

pytestmark = pytest.mark.django_db(transaction=True)


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def seat_ids(event, count=2) -> list[int]:
    return list(event.event_seats.order_by("id").values_list("id", flat=True)[:count])


def hold(client, event, queue_pass=None, seats=None):
    headers = {"HTTP_X_QUEUE_PASS": queue_pass} if queue_pass else {}
    body = {"event": event.pk, "seats": seats or seat_ids(event)}
    return client.post("/api/v1/holds", body, format="json", **headers)


def test_with_the_room_on_a_hold_without_a_pass_is_403_and_with_one_201():
    event = room_event(opens_in=-60, rate=60_000)
    buyer = factories.UserFactory()
    client = client_for(buyer)

    refused = hold(client, event)
    assert refused.status_code == 403
    body = refused.json()
    assert body["code"] == "queue_pass_required"
    assert body["room"] == f"/api/v1/events/{event.pk}/room"
    assert body["room_page"] == f"/room/{event.pk}/"
    assert not Hold.objects.exists()

    joined = client.post(f"/api/v1/events/{event.pk}/room")
    assert joined.status_code == 200
    assert joined.json()["state"] in ("waiting", "admitted")
    admit(buyer, event)
    status = client.get(f"/api/v1/events/{event.pk}/room").json()
    assert status["state"] == "admitted"
    assert status["queue_pass"] and status["pass_expires_at"]

    held = hold(client, event, status["queue_pass"])
    assert held.status_code == 201, held.json()
    assert Hold.objects.get().user_id == buyer.pk


def test_a_pass_is_bound_to_its_buyer_its_event_and_its_time():
    event = room_event(opens_in=-60, rate=60_000)
    other_event = room_event(opens_in=-60, rate=60_000)
    buyer, other = factories.UserFactory(), factories.UserFactory()
    for user in (buyer, other):
        client_for(user).post(f"/api/v1/events/{event.pk}/room")
    client_for(buyer).post(f"/api/v1/events/{other_event.pk}/room")
    buyers_pass = admit(buyer, event).queue_pass
    admit(other, event)
    pass_for_other_event = admit(buyer, other_event).queue_pass

    # Another buyer's pass.
    stolen = hold(client_for(other), event, buyers_pass)
    assert (stolen.status_code, stolen.json()["code"]) == (403, "queue_pass_required")
    # The buyer's pass for another event.
    elsewhere = hold(client_for(buyer), event, pass_for_other_event)
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (403, "queue_pass_required")
    # A pass that ran out (signed by the shop, a second in the past).
    expired = passes.issue(event.pk, buyer.pk, int(time.time() * 1000) - 1000)
    late = hold(client_for(buyer), event, expired)
    assert (late.status_code, late.json()["code"]) == (403, "queue_pass_required")
    assert "run out" in late.json()["detail"]
    # A forged one: the buyer's pass with a later expiry written in.
    event_part, user_part, _, signature = buyers_pass.replace(":", ".").split(".")
    forged = f"{event_part}.{user_part}.{int(time.time() * 1000) + 10**9}:{signature}"
    assert hold(client_for(buyer), event, forged).status_code == 403
    assert hold(client_for(buyer), event, "garbage").status_code == 403
    assert not Hold.objects.exists()

    assert hold(client_for(buyer), event, buyers_pass).status_code == 201


def test_a_confirmed_booking_spends_the_pass():
    event = room_event(opens_in=-60, rate=60_000)
    buyer = factories.UserFactory()
    client = client_for(buyer)
    client.post(f"/api/v1/events/{event.pk}/room")
    queue_pass = admit(buyer, event).queue_pass
    first = hold(client, event, queue_pass, seats=seat_ids(event, 1))
    booked = client.post(
        "/api/v1/bookings",
        {"hold": first.json()["id"], "payment_method": "pm_card_visa"},
        format="json",
    )
    assert booked.status_code == 201, booked.json()
    assert Booking.objects.get().status == Booking.Status.CONFIRMED

    again = hold(client, event, queue_pass, seats=seat_ids(event, 3)[2:])
    assert (again.status_code, again.json()["code"]) == (403, "queue_pass_required")
    assert client.get(f"/api/v1/events/{event.pk}/room").json()["state"] == "spent"


def test_room_status_answers_the_buyer_with_when_to_ask_again():
    event = room_event(opens_in=-60, rate=1, paused=False)
    ahead, buyer = factories.UserFactory(), factories.UserFactory()
    client = client_for(buyer)
    assert client.get(f"/api/v1/events/{event.pk}/room").json()["state"] == "not_joined"
    client_for(ahead).post(f"/api/v1/events/{event.pk}/room")
    answer = client.post(f"/api/v1/events/{event.pk}/room")
    body = answer.json()
    assert body["state"] == "waiting"
    assert body["position"] in (1, 2)  # the first may have been let in by now
    assert body["estimated_wait_seconds"] >= 60 * (body["position"] - 1)
    assert int(answer["Retry-After"]) == pytest.approx(body["poll_seconds"], abs=1)
    assert body["queue_pass"] is None

    no_room = factories.on_sale_event()
    missing = client.get(f"/api/v1/events/{no_room.pk}/room")
    assert (missing.status_code, missing.json()["code"]) == (404, "no_waiting_room")
    assert client.get("/api/v1/events/999999/room").status_code == 404
    assert APIClient().get(f"/api/v1/events/{event.pk}/room").status_code == 401


def test_with_redis_down_a_room_admits_nobody_and_says_so_while_other_events_sell(
    dead_redis,
):
    refused_before = REGISTRY.get_sample_value("ticketing_room_unavailable_total") or 0
    # The room was switched on while Redis was away: the settings wait in the database.
    event = room_event(opens_in=-60, rate=60_000)
    plain = factories.on_sale_event()
    buyer = factories.UserFactory()
    client = client_for(buyer)

    joined = client.post(f"/api/v1/events/{event.pk}/room")
    assert joined.status_code == 503
    assert joined.json()["code"] == "waiting_room_unavailable"
    assert "you keep your place" in joined.json()["detail"]
    assert joined["Retry-After"]
    status = client.get(f"/api/v1/events/{event.pk}/room")
    assert (status.status_code, status.json()["code"]) == (503, "waiting_room_unavailable")

    # Not even a genuine pass gets a hold: nobody can say whether it was spent.
    genuine = passes.issue(event.pk, buyer.pk, int(time.time() * 1000) + 60_000)
    refused = hold(client, event, genuine)
    assert (refused.status_code, refused.json()["code"]) == (503, "waiting_room_unavailable")
    assert hold(client, event).json()["code"] == "queue_pass_required"
    assert not Hold.objects.filter(event=event).exists()

    sold = hold(client, plain)
    assert sold.status_code == 201, sold.json()
    assert REGISTRY.get_sample_value("ticketing_room_unavailable_total") >= refused_before + 3
    assert User.objects.count() == 1


def test_a_refusal_for_want_of_a_pass_is_not_kept_for_the_idempotency_key():
    event = room_event(opens_in=-60, rate=60_000)
    buyer = factories.UserFactory()
    client = client_for(buyer)
    body = {"event": event.pk, "seats": seat_ids(event)}
    key = {"HTTP_IDEMPOTENCY_KEY": "hold-after-the-room"}
    assert client.post("/api/v1/holds", body, format="json", **key).status_code == 403
    client.post(f"/api/v1/events/{event.pk}/room")
    queue_pass = admit(buyer, event).queue_pass
    held = client.post("/api/v1/holds", body, format="json", HTTP_X_QUEUE_PASS=queue_pass, **key)
    assert held.status_code == 201, held.json()

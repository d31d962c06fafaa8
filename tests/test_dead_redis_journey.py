"""With Redis unreachable (the cache pointed at a closed port), the whole journey works on the
database alone: sign up, log in, browse, the seat map, chosen seats and best available, extend,
release, pay, list, cancel, and the staff's monitoring (issue 14, finding 8). Each use of the
cache or Redis on these paths must degrade, not answer 500; the test client re-raises any
exception a view lets out."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from apps.common.redis import redis_health
from apps.inventory.models import EventSeat
from tests.factories import on_sale_event

pytestmark = pytest.mark.django_db

CARD = {"card_number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": 2035, "cvc": "123"}


def ok(response, status=200):
    assert response.status_code == status, (response.status_code, response.content[:500])
    return response.json() if response.get("Content-Type") == "application/json" else response


def logged_in_client(email="dead-redis@example.com") -> APIClient:
    client = APIClient()
    ok(
        client.post(
            "/api/v1/auth/register",
            {"email": email, "password": "a long pass phrase 42"},
            format="json",
        ),
        201,
    )
    tokens = ok(
        client.post(
            "/api/v1/auth/token",
            {"email": email, "password": "a long pass phrase 42"},
            format="json",
        )
    )
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    ok(client.post("/api/v1/auth/token/refresh", {"refresh": tokens["refresh"]}, format="json"))
    return client


@pytest.mark.parametrize("breaker_open", [False, True])
def test_the_api_journey_with_redis_dead(dead_redis, client, monkeypatch, breaker_open):
    event = on_sale_event(sections=("A", "B"), rows=3, seats_per_row=8)
    if not breaker_open:
        # Each call meets the dead port itself, instead of the breaker's "skip Redis".
        monkeypatch.setattr(redis_health, "failed", lambda: None)
    api = logged_in_client()
    assert ok(api.get("/api/v1/auth/me"))["email"] == "dead-redis@example.com"

    # Browsing: the catalogue, the seat map and its two halves, the pages.
    assert [e["id"] for e in ok(api.get("/api/v1/events"))["results"]] == [event.id]
    ok(api.get(f"/api/v1/events/{event.id}"))
    assert len(ok(api.get(f"/api/v1/events/{event.id}/seats"))["seats"]) == 48
    ok(api.get(f"/api/v1/events/{event.id}/layout"))
    assert ok(api.get(f"/api/v1/events/{event.id}/availability"))["available"] == 48
    ok(client.get(reverse("events:list")))
    ok(client.get(event.get_absolute_url()))

    # Chosen seats, with an idempotency key and its replay.
    seats = list(event.event_seats.order_by("id").values_list("id", flat=True)[:2])
    body = {"event": event.id, "seats": seats}
    hold = ok(api.post("/api/v1/holds", body, format="json", HTTP_IDEMPOTENCY_KEY="k1"), 201)
    again = api.post("/api/v1/holds", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert again.status_code in (201, 409) and again.status_code != 500
    assert ok(api.get(f"/api/v1/holds/{hold['id']}"))["id"] == hold["id"]
    assert ok(api.post(f"/api/v1/holds/{hold['id']}/extend"))["extensions"] == 1
    assert ok(api.delete(f"/api/v1/holds/{hold['id']}"))["status"] == "released"

    # Best available, in a section and anywhere: what answered 500 with Redis down.
    best = ok(
        api.post(
            "/api/v1/holds", {"event": event.id, "quantity": 3, "section": "B"}, format="json"
        ),
        201,
    )
    assert {s["section"] for s in best["seats"]} == {"B"} and len(best["seats"]) == 3
    assert ok(api.delete(f"/api/v1/holds/{best['id']}"))["status"] == "released"
    best = ok(api.post("/api/v1/holds", {"event": event.id, "quantity": 2}, format="json"), 201)

    # Paying, listing, cancelling.
    booking = ok(
        api.post("/api/v1/bookings", {"hold": best["id"], "payment": CARD}, format="json"), 201
    )
    assert booking["status"] == "confirmed"
    assert [b["reference"] for b in ok(api.get("/api/v1/bookings"))["results"]] == [
        booking["reference"]
    ]
    ok(api.get(f"/api/v1/bookings/{booking['reference']}"))
    cancelled = ok(api.post(f"/api/v1/bookings/{booking['reference']}/cancel"))
    assert cancelled["status"] == "cancelled"
    assert EventSeat.objects.filter(event=event, status=EventSeat.Status.AVAILABLE).count() == 48


def test_staff_monitoring_with_redis_dead(dead_redis, staff_user):
    event = on_sale_event(rows=1, seats_per_row=4)
    staff = APIClient()
    staff.force_authenticate(staff_user)
    ok(staff.get("/api/v1/monitoring/lock-contention"))
    ok(staff.get(f"/api/v1/monitoring/lock-contention/event:{event.id}"))
    seat = event.event_seats.first()
    ok(staff.get(f"/api/v1/monitoring/lock-contention/seat:{seat.id}"))


def test_the_pages_with_redis_dead(dead_redis, client):
    event = on_sale_event(rows=2, seats_per_row=6)
    logged_in_client("pages@example.com")
    response = client.post(
        reverse("accounts:login"),
        {"username": "pages@example.com", "password": "a long pass phrase 42"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("holds:create", args=[event.id]), {"mode": "best", "quantity": "2"}
    )
    assert response.status_code == 302 and "/checkout/" in response["Location"]
    ok(client.get(response["Location"]))
    ok(client.get(event.get_absolute_url()))
    ok(client.get(reverse("bookings:list")))

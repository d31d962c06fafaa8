"""Anti-hoarding: a buyer who releases a hold waits HOLD_COOLDOWN_SECONDS before holding seats
for the same event again (429 hold_cooldown with Retry-After), chosen seats and best available
alike; other buyers and other events are not affected, and the wait ends."""

import time

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.inventory.models import Hold
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cooldown(settings):
    settings.TICKETING = {**settings.TICKETING, "HOLD_COOLDOWN_SECONDS": 1.5}


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_after_a_release_the_buyer_waits_before_holding_again(cooldown):
    event = factories.on_sale_event(rows=2, seats_per_row=10)
    other_event = factories.on_sale_event(rows=1, seats_per_row=5)
    ids = list(event.event_seats.order_by("id").values_list("id", flat=True))
    buyer = factories.UserFactory()
    client = client_for(buyer)

    first = client.post("/api/v1/holds", {"event": event.pk, "seats": ids[:2]}, format="json")
    assert first.status_code == 201
    assert client.delete(f"/api/v1/holds/{first.json()['id']}").status_code == 200

    again = client.post("/api/v1/holds", {"event": event.pk, "seats": ids[:2]}, format="json")
    assert again.status_code == 429
    assert again.json()["code"] == "hold_cooldown"
    assert again["Retry-After"] == "1"
    best = client.post("/api/v1/holds", {"event": event.pk, "quantity": 2}, format="json")
    assert (best.status_code, best.json()["code"]) == (429, "hold_cooldown")
    assert Hold.objects.filter(user=buyer, status="active").count() == 0
    # The seats it let go are free for others at once; the buyer may buy elsewhere.
    other = client_for(factories.UserFactory())
    assert (
        other.post("/api/v1/holds", {"event": event.pk, "seats": ids[:2]}, format="json")
    ).status_code == 201
    assert (
        client.post("/api/v1/holds", {"event": other_event.pk, "quantity": 1}, format="json")
    ).status_code == 201

    time.sleep(1.6)
    later = client.post("/api/v1/holds", {"event": event.pk, "seats": ids[5:7]}, format="json")
    assert later.status_code == 201, later.json()


def test_a_hold_that_ran_out_brings_no_cool_down(cooldown):
    event = factories.on_sale_event(rows=1, seats_per_row=10)
    client = client_for(factories.UserFactory())
    first = client.post("/api/v1/holds", {"event": event.pk, "quantity": 2}, format="json")
    # Its time passed (not swept yet): not something the buyer let go on purpose.
    Hold.objects.filter(pk=first.json()["id"]).update(expires_at=timezone.now())
    again = client.post("/api/v1/holds", {"event": event.pk, "quantity": 2}, format="json")
    assert again.status_code == 201, again.json()
    assert Hold.objects.get(pk=first.json()["id"]).status == "expired"

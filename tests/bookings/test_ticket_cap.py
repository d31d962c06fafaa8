"""Anti-hoarding: one buyer's tickets for an event, across all their orders, stay within the
event's cap (default: the seats per order); past it the order is refused before any charge."""

import pytest
from rest_framework.test import APIClient

from apps.bookings.models import Booking, Ticket
from apps.events.models import Event
from apps.payments.models import Payment
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def buy(client, event, seats):
    held = client.post("/api/v1/holds", {"event": event.pk, "seats": seats}, format="json")
    assert held.status_code == 201, held.json()
    return held.json()["id"], client.post(
        "/api/v1/bookings",
        {"hold": held.json()["id"], "payment_method": "pm_card_visa"},
        format="json",
    )


@pytest.fixture
def event():
    event = factories.on_sale_event(rows=2, seats_per_row=10)
    Event.objects.filter(pk=event.pk).update(max_tickets_per_buyer=3)
    return event


def test_the_cap_counts_tickets_across_orders_and_refuses_before_charging(event):
    buyer = factories.UserFactory()
    client = APIClient()
    client.force_authenticate(buyer)
    ids = list(event.event_seats.order_by("id").values_list("id", flat=True))

    _, first = buy(client, event, ids[:2])
    assert first.status_code == 201
    hold_id, second = buy(client, event, ids[2:4])
    assert second.status_code == 422
    body = second.json()
    assert (body["code"], body["cap"], body["owned"]) == ("ticket_cap_reached", 3, 2)
    assert "1 more" in body["detail"]
    assert Payment.objects.count() == 1  # nothing charged for the refused order
    assert Ticket.objects.filter(booking__user=buyer).count() == 2

    client.delete(f"/api/v1/holds/{hold_id}")
    _, third = buy(client, event, ids[4:5])
    assert third.status_code == 201
    assert Ticket.objects.filter(booking__user=buyer, status="valid").count() == 3

    # Another buyer has a cap of their own.
    other = APIClient()
    other.force_authenticate(factories.UserFactory())
    assert buy(other, event, ids[10:13])[1].status_code == 201


def test_without_a_cap_set_it_is_the_seats_per_order(event):
    Event.objects.filter(pk=event.pk).update(max_tickets_per_buyer=None, max_seats_per_order=2)
    client = APIClient()
    client.force_authenticate(factories.UserFactory())
    ids = list(event.event_seats.order_by("id").values_list("id", flat=True))
    assert buy(client, event, ids[:2])[1].status_code == 201
    refused = buy(client, event, ids[2:3])[1]
    assert refused.json()["code"] == "ticket_cap_reached"
    assert Booking.objects.filter(status="confirmed").count() == 1

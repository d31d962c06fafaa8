"""Tickets to scan and the accounts that scan them."""

from django.contrib.auth.models import Group
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from apps.bookings.services import confirm_booking
from apps.inventory.holds import hold_seats
from apps.payments.providers.base import CardDetails
from tests.factories import UserFactory


def card():
    return CardDetails.parse(number="4242424242424242", exp_month=12, exp_year=2035, cvc="123")


def sold_tickets(event, quantity=2, buyer=None):
    """A confirmed booking of `quantity` seats of the event: its tickets, in seat order."""
    buyer = buyer or UserFactory()
    hold = hold_seats(user=buyer, event_id=event.pk, quantity=quantity)
    booking = confirm_booking(user=buyer, hold_id=hold.id, card=card())
    return list(booking.tickets.select_related("event_seat__seat").order_by("id"))


def door_steward(**fields):
    user = UserFactory(is_staff=True, **fields)
    user.groups.set([Group.objects.get(name="Door")])
    return user


def jwt_client(user) -> APIClient:
    """A client with a real access token, as a scanner app sends it."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def scan(client, event, code, door="north"):
    return client.post(
        "/api/v1/checkin", {"event": event.pk, "code": code, "door": door}, format="json"
    )

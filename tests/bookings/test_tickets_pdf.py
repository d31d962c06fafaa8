"""The tickets as a PDF, downloaded from the booking page and from the API: the owner gets a
page per valid ticket whose QR decodes to that ticket's code; anybody else a 404."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from apps.bookings.services import cancel_booking, confirm_booking
from apps.inventory.holds import hold_seats
from apps.payments.providers.base import CardDetails
from tests.factories import UserFactory, VenueFactory, on_sale_event
from tests.pdfreading import read_pages

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    venue = VenueFactory(time_zone="America/New_York")
    return on_sale_event(rows=2, seats_per_row=5, price="30.00", venue=venue)


@pytest.fixture
def buyer():
    return UserFactory()


@pytest.fixture
def booking(event, buyer):
    hold = hold_seats(user=buyer, event_id=event.id, quantity=2)
    card = CardDetails.parse(number="4242424242424242", exp_month=12, exp_year=2035, cvc="123")
    return confirm_booking(user=buyer, hold_id=hold.id, card=card)


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def assert_is_the_tickets_pdf(response, booking):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="tickets-{booking.reference}.pdf"'
    )
    assert "no-store" in response["Cache-Control"]
    pages = read_pages(response.content)
    tickets = {
        t.code: t.event_seat.seat.label for t in booking.tickets.select_related("event_seat__seat")
    }
    assert len(pages) == len(tickets) == 2
    assert sorted(code for page in pages for code in page["qr"]) == sorted(tickets)
    for page in pages:
        [code] = page["qr"]
        assert tickets[code] in page["text"], "the page of a code shows that ticket's place"
        assert booking.reference in page["text"] and "€30.00" in page["text"]
        assert " EST" in page["text"] or " EDT" in page["text"], "the venue's zone"


def test_the_booking_page_links_its_pdf_and_the_owner_downloads_it(booking, buyer):
    client = page_client(buyer)
    url = reverse("bookings:tickets-pdf", args=[booking.reference])
    page = client.get(reverse("bookings:detail", args=[booking.reference]))
    assert f'href="{url}"' in page.content.decode()

    assert_is_the_tickets_pdf(client.get(url), booking)


def test_another_buyer_gets_a_404_from_the_page(booking):
    url = reverse("bookings:tickets-pdf", args=[booking.reference])
    assert page_client(UserFactory()).get(url).status_code == 404


def test_the_owner_downloads_the_pdf_from_the_api(booking, buyer, django_assert_num_queries):
    url = f"/api/v1/bookings/{booking.reference}/tickets.pdf"
    with django_assert_num_queries(2):  # the booking with event and venue; its tickets
        response = api_client(buyer).get(url)
    assert_is_the_tickets_pdf(response, booking)
    asking_for_pdf = api_client(buyer).get(url, HTTP_ACCEPT="application/pdf")
    assert_is_the_tickets_pdf(asking_for_pdf, booking)


@pytest.mark.parametrize("accept", ["application/json", "application/pdf"])
def test_another_buyer_gets_a_404_in_the_error_shape_from_the_api(booking, accept):
    url = f"/api/v1/bookings/{booking.reference}/tickets.pdf"
    response = api_client(UserFactory()).get(url, HTTP_ACCEPT=accept)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "booking_not_found"


def test_nobody_signed_in_gets_a_401(booking):
    response = APIClient().get(f"/api/v1/bookings/{booking.reference}/tickets.pdf")
    assert response.status_code == 401


def test_a_cancelled_booking_has_no_pdf(booking, buyer):
    cancel_booking(user=buyer, reference=booking.reference)

    response = api_client(buyer).get(f"/api/v1/bookings/{booking.reference}/tickets.pdf")
    assert response.status_code == 409 and response.json()["code"] == "no_valid_tickets"
    detail = page_client(buyer).get(reverse("bookings:detail", args=[booking.reference]))
    assert "tickets.pdf" not in detail.content.decode()
    url = reverse("bookings:tickets-pdf", args=[booking.reference])
    followed = page_client(buyer).get(url, follow=True)
    assert followed.redirect_chain[-1][0] == reverse("bookings:detail", args=[booking.reference])
    assert "no valid tickets" in followed.content.decode()

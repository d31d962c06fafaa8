"""The booking page's PDF download in a real Chromium: the file the browser saves is the
tickets, a page each, each page's QR code that ticket's code."""

import pytest

from apps.bookings.services import confirm_booking
from apps.inventory.holds import hold_seats
from apps.payments.providers.base import CardDetails
from tests import factories
from tests.pdfreading import read_pages

pytestmark = pytest.mark.browser


def test_the_buyer_downloads_the_tickets_pdf_from_the_booking_page(browsers, tmp_path):
    event = factories.on_sale_event(title="Organ Recital", rows=2, seats_per_row=6)
    buyer = factories.UserFactory()
    hold = hold_seats(user=buyer, event_id=event.id, quantity=3)
    card = CardDetails.parse(number="4242424242424242", exp_month=12, exp_year=2035, cvc="123")
    booking = confirm_booking(user=buyer, hold_id=hold.id, card=card)
    page = browsers.page(buyer)

    page.goto(f"/bookings/{booking.reference}/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download tickets (PDF)").click()
    assert download.value.suggested_filename == f"tickets-{booking.reference}.pdf"
    saved = tmp_path / "tickets.pdf"
    download.value.save_as(saved)

    pages = read_pages(saved.read_bytes())
    codes = set(booking.tickets.values_list("code", flat=True))
    assert len(pages) == 3
    assert {code for page in pages for code in page["qr"]} == codes
    assert all(len(page["qr"]) == 1 for page in pages)

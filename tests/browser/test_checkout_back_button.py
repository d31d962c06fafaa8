"""Back after paying never brings back a live-looking checkout with the card in it (issue 16,
defect 1): the checkout is not stored (no-store), its card fields are cleared, and the checkout
of a hold that became a booking leads to the tickets with a message."""

import re

import pytest
from playwright.sync_api import expect

from apps.inventory import holds as inventory_holds
from apps.payments.models import SandboxCharge
from tests import factories

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


def fill_card(page, number):
    page.get_by_label("Card number").fill(number)
    page.get_by_label("Expiry month").fill("12")
    page.get_by_label("Expiry year").fill("2039")
    page.get_by_label("CVC").fill("123")
    page.get_by_test_id("pay-button").click()


@pytest.mark.parametrize("size", SIZES)
def test_back_after_a_decline_and_a_payment_leads_to_the_tickets(browsers, artifacts, size):
    event = factories.on_sale_event(rows=2, seats_per_row=6)
    buyer = factories.UserFactory()
    hold = inventory_holds.hold_seats(user=buyer, event_id=event.id, quantity=2)
    page = browsers.page(buyer, viewport=SIZES[size])

    checkout = page.goto(f"/bookings/checkout/{hold.id}/")
    assert "no-store" in checkout.headers["cache-control"]
    expect(page.get_by_label("CVC")).to_have_attribute("autocomplete", "off")
    expect(page.get_by_label("Card number")).to_have_attribute("autocomplete", "cc-number")
    fill_card(page, "4000 0000 0000 0002")
    expect(page.get_by_test_id("checkout-error")).to_have_text("Your card was declined.")
    fill_card(page, "4242 4242 4242 4242")
    expect(page).to_have_url(re.compile(r"/bookings/TK-[A-Z0-9]{8}/$"))
    booking_url = page.url

    page.go_back()
    expect(page).to_have_url(booking_url)
    expect(page.get_by_test_id("message")).to_contain_text("You have already paid for these seats")
    expect(page.get_by_label("Card number")).to_have_count(0)
    expect(page.get_by_test_id("countdown")).to_have_count(0)
    page.screenshot(path=str(artifacts / f"defect1-back-after-paying-{size}.png"), full_page=True)
    assert SandboxCharge.objects.filter(status="succeeded").count() == 1


@pytest.mark.parametrize("size", SIZES)
def test_a_restored_checkout_has_no_card_number_in_it(browsers, artifacts, size):
    event = factories.on_sale_event(rows=2, seats_per_row=6)
    buyer = factories.UserFactory()
    hold = inventory_holds.hold_seats(user=buyer, event_id=event.id, quantity=1)
    page = browsers.page(buyer, viewport=SIZES[size])
    page.goto(f"/bookings/checkout/{hold.id}/")
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("CVC").fill("123")
    page.goto(event.get_absolute_url())
    page.go_back()
    expect(page.get_by_label("Card number")).to_have_value("")
    expect(page.get_by_label("CVC")).to_have_value("")
    page.screenshot(path=str(artifacts / f"defect1-restored-checkout-{size}.png"), full_page=True)

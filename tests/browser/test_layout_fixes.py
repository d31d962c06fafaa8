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
    "path,column", [("inventory/hold", "expires"), ("bookings/booking", "currency")]
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


@pytest.mark.parametrize("size", SIZES)
def test_sales_dashboard_fits_and_its_chart_labels_are_not_cut_off(browsers, artifacts, size):
    event = some_sales()
    page = browsers.page(superuser(), viewport=SIZES[size])
    page.goto(f"/admin/events/event/{event.pk}/sales/")
    page.screenshot(path=str(artifacts / f"defect7-sales-dashboard-{size}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= SIZES[size]["width"], f"the page is {width} px wide"
    chart = page.locator("svg.ticketing-chart").first.bounding_box()
    labels = page.locator("svg.ticketing-chart text")
    for i in range(labels.count()):
        box = labels.nth(i).bounding_box()
        assert chart["x"] - 0.5 <= box["x"]
        assert box["x"] + box["width"] <= chart["x"] + chart["width"] + 0.5


def seat_box(page, section, row, number, price="45.00"):
    label = f"Section {section}, row {row}, seat {number}, €{price}"
    return page.get_by_role("checkbox", name=label)


@pytest.mark.parametrize("size", SIZES)
def test_the_hold_is_made_right_after_logging_in(browsers, artifacts, size):
    event = factories.on_sale_event(rows=3, seats_per_row=6)
    buyer = factories.UserFactory()
    page = browsers.page(viewport=SIZES[size])
    page.goto(event.get_absolute_url())
    expect(page.locator("#seatmap-help")).not_to_contain_text("Click a seat")
    expect(page.locator("#seatmap-help")).to_contain_text("Tap or click a seat")
    seat_box(page, "A", 2, 3).click()
    seat_box(page, "A", 2, 4).click()
    page.get_by_test_id("hold-button").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.get_by_label("Email address").fill(buyer.email)
    page.get_by_label("Password").fill(factories.DEFAULT_PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page).to_have_url(re.compile(r"/bookings/checkout/"))
    expect(page.get_by_test_id("hold-lines")).to_contain_text("row 2, seat 3")
    expect(page.get_by_test_id("hold-lines")).to_contain_text("row 2, seat 4")
    page.screenshot(path=str(artifacts / f"defect7-held-after-login-{size}.png"), full_page=True)
    assert Hold.objects.filter(user=buyer, status=Hold.Status.ACTIVE).count() == 1


@pytest.mark.parametrize("size", SIZES)
def test_checkout_after_the_last_extension_and_with_a_two_digit_year(browsers, artifacts, size):
    event = factories.on_sale_event(rows=1, seats_per_row=6)
    buyer = factories.UserFactory()
    hold = inventory_holds.hold_seats(user=buyer, event_id=event.id, quantity=1)
    Hold.objects.filter(pk=hold.pk).update(extensions=settings.TICKETING["MAX_HOLD_EXTENSIONS"] - 1)
    page = browsers.page(buyer, viewport=SIZES[size])
    page.goto(f"/bookings/checkout/{hold.id}/")
    page.get_by_role("button", name="Need more time?").click()
    expect(page.get_by_test_id("message")).to_contain_text("Done: your seats are held until")
    expect(page.get_by_role("button", name="Need more time?")).to_have_count(0)
    expect(page.get_by_test_id("extension-limit")).to_be_visible()

    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("Expiry month").fill("12")
    page.get_by_label("Expiry year").fill("39")
    page.get_by_label("CVC").fill("123")
    page.get_by_test_id("pay-button").click()
    expect(page.locator("#exp_year-error")).to_have_text(
        "Enter the expiry year in four digits, e.g. 2031."
    )
    page.screenshot(path=str(artifacts / f"defect7-checkout-limits-{size}.png"), full_page=True)
    assert Hold.objects.get(pk=hold.pk).status == Hold.Status.ACTIVE


@pytest.mark.parametrize("size", SIZES)
def test_messages_are_not_printed_on_the_tickets(browsers, artifacts, size):
    event = factories.on_sale_event(rows=1, seats_per_row=6)
    buyer = factories.UserFactory()
    hold = inventory_holds.hold_seats(user=buyer, event_id=event.id, quantity=1)
    page = browsers.page(buyer, viewport=SIZES[size])
    page.goto(f"/bookings/checkout/{hold.id}/")
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("Expiry month").fill("12")
    page.get_by_label("Expiry year").fill("2039")
    page.get_by_label("CVC").fill("123")
    page.get_by_test_id("pay-button").click()
    expect(page.get_by_test_id("message")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.get_by_test_id("message")).to_be_hidden()
    expect(page.get_by_test_id("ticket")).to_be_visible()
    page.screenshot(path=str(artifacts / f"defect7-tickets-print-{size}.png"), full_page=True)


@pytest.mark.parametrize("size", SIZES)
def test_swapped_dates_are_swapped_back_with_a_hint(browsers, artifacts, size):
    starts = timezone.now() + timedelta(days=20)
    factories.on_sale_event(title="Late Autumn Gala", starts_at=starts)
    page = browsers.page(viewport=SIZES[size])
    later = (starts + timedelta(days=5)).date().isoformat()
    earlier = (starts - timedelta(days=5)).date().isoformat()
    page.goto(f"/?date_from={later}&date_to={earlier}")
    expect(page.get_by_test_id("dates-swapped")).to_contain_text("we swapped them")
    expect(page.get_by_test_id("event-card")).to_have_count(1)
    page.screenshot(path=str(artifacts / f"defect7-swapped-dates-{size}.png"), full_page=True)


def test_the_admin_has_the_shops_favicon(browsers):
    page = browsers.page(superuser(), viewport=DESKTOP)
    page.goto("/admin/")
    href = page.locator('link[rel="icon"]').get_attribute("href")
    assert href and href.endswith(".svg")
    assert page.request.get(href).status == 200

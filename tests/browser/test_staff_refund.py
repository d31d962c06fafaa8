"""Staff refund some tickets of a booking from its page, after a confirmation that says what
goes back and to whom; the buyer gets an e-mail (issue 16, defect 6)."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from playwright.sync_api import expect

from apps.bookings.models import Booking, Ticket
from apps.bookings.services import confirm_booking
from apps.inventory import holds as inventory_holds
from apps.payments.models import Payment
from apps.payments.providers.base import CardDetails
from tests import factories

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


def paid_booking(quantity, email="fan@example.com"):
    event = factories.on_sale_event(rows=1, seats_per_row=8, price="40.00")
    buyer = factories.UserFactory(email=email)
    hold = inventory_holds.hold_seats(user=buyer, event_id=event.id, quantity=quantity)
    card = CardDetails.parse(number="4242424242424242", exp_month=12, exp_year=2039, cvc="123")
    return confirm_booking(user=buyer, hold_id=hold.id, card=card)


def finance_staff():
    user = factories.UserFactory(is_staff=True)
    user.groups.set(Group.objects.filter(name="Finance"))
    return user


@pytest.mark.parametrize("size", SIZES)
def test_staff_refund_one_ticket_of_three_after_confirming(browsers, artifacts, size, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    booking = paid_booking(3)
    page = browsers.page(finance_staff(), viewport=SIZES[size])
    page.goto(f"/admin/bookings/booking/{booking.pk}/change/")
    page.get_by_role("link", name="Cancel and refund…").click()
    expect(page.get_by_text("fan@example.com")).to_be_visible()
    boxes = page.get_by_role("checkbox")
    expect(boxes).to_have_count(3)
    boxes.nth(1).uncheck()
    boxes.nth(2).uncheck()
    page.get_by_role("button", name="Review the refund").click()
    expect(page.get_by_test_id("refund-amount")).to_have_text("€40.00")
    page.screenshot(path=str(artifacts / f"defect6-refund-confirm-{size}.png"), full_page=True)
    assert Payment.objects.get().refunded_amount == 0  # nothing happens before confirming

    page.get_by_role("button", name="Yes, cancel and refund €40.00").click()
    expect(page.locator(".messagelist")).to_contain_text(
        f"Cancelled 1 ticket of {booking.reference} and refunded €40.00; "
        "fan@example.com is told by e-mail."
    )
    expect(page.locator(".field-refunded_amount")).to_contain_text("40.00")
    page.screenshot(path=str(artifacts / f"defect6-refund-done-{size}.png"), full_page=True)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.tickets.filter(status=Ticket.Status.VALID).count() == 2
    assert Payment.objects.get().refunded_amount == Decimal("40.00")
    refund_notices = [m for m in mail.outbox if m.subject.startswith("Refund for booking")]
    assert [m.to for m in refund_notices] == [["fan@example.com"]]


def test_the_list_action_asks_before_refunding(browsers, artifacts):
    first, second = paid_booking(1), paid_booking(1, email="other@example.com")
    page = browsers.page(finance_staff(), viewport=SIZES["desktop"])
    page.goto("/admin/bookings/booking/")
    page.locator(f'input[name="_selected_action"][value="{first.pk}"]').check()
    page.locator(f'input[name="_selected_action"][value="{second.pk}"]').check()
    page.locator('select[name="action"]').select_option("cancel_and_refund")
    page.locator("button[name=index]").click()
    expect(page.get_by_role("heading", name="Cancel and refund these bookings?")).to_be_visible()
    assert not Booking.objects.filter(status=Booking.Status.CANCELLED).exists()
    page.screenshot(path=str(artifacts / "defect6-list-action-confirm.png"), full_page=True)
    page.get_by_role("button", name="Yes, cancel and refund").click()
    expect(page.locator(".messagelist")).to_contain_text("Cancelled and refunded 2 bookings")
    assert Booking.objects.filter(status=Booking.Status.CANCELLED).count() == 2

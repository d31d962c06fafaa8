"""A buyer's journey in a real Chromium: search, seat map, hold, countdown, payment, tickets,
and what other buyers see meanwhile."""

import re
from datetime import timedelta

import pytest
from django.db.models.functions import Now
from playwright.sync_api import expect

from apps.inventory import holds as inventory_holds
from apps.inventory import selectors as inventory_selectors
from apps.inventory.models import EventSeat, Hold
from apps.payments.models import Payment, SandboxCharge
from tests import factories

pytestmark = pytest.mark.browser

SUCCESS_CARD = "4242 4242 4242 4242"
DECLINE_CARD = "4000 0000 0000 0002"


def seat(page, section, row, number, price="45.00"):
    label = f"Section {section}, row {row}, seat {number}, €{price}"
    return page.get_by_role("checkbox", name=label)


def seat_id(event, section, row, number) -> int:
    for s in inventory_selectors.event_seat_map(event.id):
        if (s["section"], s["row"], s["number"]) == (section, str(row), number):
            return s["id"]
    raise AssertionError("no such seat")


def pay(page, card=SUCCESS_CARD):
    page.get_by_label("Card number").fill(card)
    page.get_by_label("Expiry month").fill("12")
    page.get_by_label("Expiry year").fill("2039")
    page.get_by_label("CVC").fill("123")
    page.get_by_test_id("pay-button").click()


def test_search_pick_two_seats_hold_pay_and_see_them_sold(browsers, artifacts):
    event = factories.on_sale_event(
        title="Moonlight Sonata Night", sections=("A", "B"), rows=6, seats_per_row=12
    )
    factories.on_sale_event(title="Brass Band Matinee")
    buyer = factories.UserFactory()
    page = browsers.page(buyer)

    page.goto("/")
    expect(page.get_by_test_id("event-card")).to_have_count(2)
    page.get_by_label("Search").fill("moonlight")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("event-card")).to_have_count(1)
    page.screenshot(path=str(artifacts / "event-list.png"), full_page=True)
    page.get_by_role("link", name="Moonlight Sonata Night").click()
    expect(page).to_have_title(re.compile("Moonlight Sonata Night"))

    seat(page, "A", 3, 6).click()
    seat(page, "A", 3, 7).click()
    expect(seat(page, "A", 3, 6)).to_have_attribute("aria-checked", "true")
    expect(page.get_by_test_id("selection-total")).to_have_text("€90.00")
    expect(page.get_by_test_id("selection-list").locator("li")).to_have_count(2)
    page.screenshot(path=str(artifacts / "event-page.png"), full_page=True)

    page.get_by_test_id("hold-button").click()
    expect(page).to_have_url(re.compile(r"/bookings/checkout/"))
    expect(page.get_by_test_id("countdown-time")).to_have_text(re.compile(r"^(09:5\d|10:00)$"))
    expect(page.get_by_test_id("checkout-total")).to_have_text("€90.00")
    expect(page.get_by_test_id("test-cards")).to_contain_text("4242 4242 4242 4242")
    page.screenshot(path=str(artifacts / "checkout-page.png"), full_page=True)

    pay(page)
    expect(page).to_have_url(re.compile(r"/bookings/TK-[A-Z0-9]{8}/$"))
    tickets = page.get_by_test_id("ticket")
    expect(tickets).to_have_count(2)
    expect(tickets.locator("svg.qr")).to_have_count(2)
    expect(page.get_by_test_id("booking-total")).to_have_text("€90.00")
    page.screenshot(path=str(artifacts / "ticket-page.png"), full_page=True)

    # Another buyer (a second browser context, on a phone) sees those seats sold.
    other = browsers.page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    other.goto(event.get_absolute_url())
    for number in (6, 7):
        expect(seat(other, "A", 3, number)).to_have_attribute("data-status", "sold")
        expect(seat(other, "A", 3, number)).to_have_attribute("aria-disabled", "true")
    expect(seat(other, "A", 3, 8)).to_have_attribute("data-status", "available")
    other.screenshot(path=str(artifacts / "event-page-phone.png"), full_page=True)

    assert Payment.objects.filter(status=Payment.Status.SUCCEEDED).count() == 1


def test_two_buyers_race_for_one_seat(browsers):
    event = factories.on_sale_event()
    pages = [browsers.page(factories.UserFactory()) for _ in range(2)]
    for page in pages:
        page.goto(event.get_absolute_url())
        seat(page, "A", 1, 5).click()
        expect(page.get_by_test_id("hold-button")).to_be_enabled()

    # Both submit at the same moment: two real requests racing on the live server.
    submit = "document.getElementById('hold-form').requestSubmit()"
    with pages[0].expect_navigation(), pages[1].expect_navigation():
        pages[0].evaluate(submit)
        pages[1].evaluate(submit)

    winners = [p for p in pages if "/bookings/checkout/" in p.url]
    losers = [p for p in pages if "/bookings/checkout/" not in p.url]
    assert len(winners) == 1 and len(losers) == 1, [p.url for p in pages]
    loser = losers[0]
    expect(loser).to_have_url(re.compile(re.escape(event.get_absolute_url())))
    expect(loser.get_by_test_id("message")).to_contain_text(
        re.compile("just been taken|taking one of these seats right now")
    )
    # The map the loser sees is fresh: the seat is on hold by the winner, not selected.
    expect(seat(loser, "A", 1, 5)).to_have_attribute("data-status", "held")
    expect(seat(loser, "A", 1, 5)).to_have_attribute("aria-checked", "false")
    expect(winners[0].get_by_test_id("hold-lines")).to_contain_text("row 1, seat 5")
    assert Hold.objects.filter(status=Hold.Status.ACTIVE).count() == 1


def test_declined_card_then_success_card_charges_once(browsers):
    event = factories.on_sale_event()
    buyer = factories.UserFactory()
    hold = inventory_holds.hold_seats(
        user=buyer, event_id=event.id, event_seat_ids=[seat_id(event, "A", 2, 3)]
    )
    page = browsers.page(buyer)
    page.goto(f"/bookings/checkout/{hold.id}/")

    pay(page, DECLINE_CARD)
    expect(page.get_by_test_id("checkout-error")).to_contain_text("declined")
    expect(page.get_by_test_id("countdown")).to_be_visible()
    expect(page.get_by_test_id("hold-lines")).to_contain_text("row 2, seat 3")

    # The retry, double-clicked for good measure.
    page.get_by_label("Card number").fill(SUCCESS_CARD)
    page.get_by_label("CVC").fill("123")
    page.get_by_test_id("pay-button").dblclick()
    expect(page).to_have_url(re.compile(r"/bookings/TK-"))
    expect(page.get_by_test_id("ticket")).to_have_count(1)

    assert Payment.objects.filter(status=Payment.Status.SUCCEEDED).count() == 1
    assert Payment.objects.filter(status=Payment.Status.DECLINED).count() == 1
    assert SandboxCharge.objects.filter(status=SandboxCharge.Status.SUCCEEDED).count() == 1


def test_expired_hold_says_so_and_frees_the_seats(browsers):
    event = factories.on_sale_event()
    buyer = factories.UserFactory()
    ids = [seat_id(event, "A", 1, 1), seat_id(event, "A", 1, 2)]
    hold = inventory_holds.hold_seats(user=buyer, event_id=event.id, event_seat_ids=ids)
    # A hold about to run out, instead of waiting out the event's minimum of one minute.
    soon = Now() + timedelta(seconds=4)
    Hold.objects.filter(pk=hold.pk).update(expires_at=soon)
    EventSeat.objects.filter(hold=hold).update(held_until=soon)

    page = browsers.page(buyer)
    page.goto(f"/bookings/checkout/{hold.id}/")
    expect(page.get_by_test_id("countdown")).to_be_visible()
    expect(page.get_by_test_id("hold-expired")).to_be_visible(timeout=10_000)
    expect(page.get_by_test_id("hold-expired")).to_contain_text("Your hold expired")
    expect(page.get_by_test_id("pay-form")).to_be_hidden()

    page.get_by_test_id("back-to-event").click()
    expect(page).to_have_url(re.compile(re.escape(event.get_absolute_url())))
    expect(seat(page, "A", 1, 1)).to_have_attribute("data-status", "available")
    expect(seat(page, "A", 1, 2)).to_have_attribute("data-status", "available")

    # Reloading the checkout shows the same thing, decided by the server this time.
    page.goto(f"/bookings/checkout/{hold.id}/")
    expect(page.get_by_test_id("hold-expired")).to_be_visible()
    expect(page.get_by_test_id("pay-form")).to_have_count(0)


def test_keyboard_only_seat_selection(browsers):
    event = factories.on_sale_event(max_seats_per_order=3)
    page = browsers.page(factories.UserFactory())
    page.goto(event.get_absolute_url())

    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('data-testid')") == "seat":
            break
    focused = page.locator(":focus")
    expect(focused).to_have_attribute("aria-label", "Section A, row 1, seat 1, €45.00")

    page.keyboard.press("Space")  # A1-1
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")  # A1-2
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")  # A2-2
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Space")  # a fourth seat: over the event's limit of 3
    expect(page.get_by_test_id("seatmap-status")).to_contain_text("at most 3 seats")
    expect(seat(page, "A", 2, 3)).to_have_attribute("aria-checked", "false")
    expect(page.get_by_test_id("selection-total")).to_have_text("€135.00")

    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "hold-button":
            break
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/bookings/checkout/"))
    lines = page.get_by_test_id("hold-lines")
    for text in ("row 1, seat 1", "row 1, seat 2", "row 2, seat 2"):
        expect(lines).to_contain_text(text)


def test_logged_out_selection_is_held_right_after_login(browsers):
    event = factories.on_sale_event()
    buyer = factories.UserFactory()
    page = browsers.page()
    page.goto(event.get_absolute_url())
    seat(page, "A", 4, 4).click()
    seat(page, "A", 4, 5).click()
    page.get_by_test_id("hold-button").click()

    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    expect(page.get_by_test_id("message")).to_contain_text("Log in")
    page.get_by_label("Email address").fill(buyer.email)
    page.get_by_label("Password").fill(factories.DEFAULT_PASSWORD)
    page.get_by_test_id("login-submit").click()

    # Held at once: the buyer pressed "Hold seats" before being asked to log in.
    expect(page).to_have_url(re.compile(r"/bookings/checkout/"))
    expect(page.get_by_test_id("hold-lines")).to_contain_text("row 4, seat 4")
    expect(page.get_by_test_id("hold-lines")).to_contain_text("row 4, seat 5")


def test_availability_refreshes_while_the_page_is_open(browsers):
    event = factories.on_sale_event()
    page = browsers.page(factories.UserFactory())
    page.goto(event.get_absolute_url())
    seat(page, "A", 5, 9).click()
    expect(seat(page, "A", 5, 9)).to_have_attribute("aria-checked", "true")

    inventory_holds.hold_seats(
        user=factories.UserFactory(), event_id=event.id, event_seat_ids=[seat_id(event, "A", 5, 9)]
    )
    # No reload: the page's own refresh picks it up within its interval (5 s).
    expect(seat(page, "A", 5, 9)).to_have_attribute("data-status", "held", timeout=9_000)
    expect(seat(page, "A", 5, 9)).to_have_attribute("aria-checked", "false")
    expect(page.get_by_test_id("seatmap-status")).to_contain_text("just taken")
    expect(page.get_by_test_id("hold-button")).to_be_disabled()

"""The waiting room in a real Chromium: a buyer joins from the event page, watches their place
fall without reloading, is let in, holds seats and pays."""

import re

import pytest
from playwright.sync_api import expect

from apps.bookings.models import Booking
from apps.waitingroom import services
from tests import factories
from tests.waitingroom.rooms import room_event

from .test_buyer_journey import pay, seat

pytestmark = pytest.mark.browser


def test_a_buyer_waits_sees_the_place_fall_is_admitted_holds_and_pays(
    browsers, artifacts, settings
):
    settings.TICKETING = {**settings.TICKETING, "ROOM_POLL_MIN_SECONDS": 0.3}
    event = room_event(opens_in=-60, rate=40, paused=True, title="Queue Night", rows=4)
    for _ in range(3):  # three buyers came first
        services.join_room(user=factories.UserFactory(), event_id=event.pk)
    buyer = factories.UserFactory()
    page = browsers.page(buyer)

    page.goto(event.get_absolute_url())
    page.get_by_test_id("room-link").click()
    expect(page).to_have_url(re.compile(rf"/room/{event.pk}/$"))
    page.get_by_test_id("join-room").click()
    expect(page.get_by_test_id("room-position")).to_have_text("4")
    expect(page.get_by_test_id("room-paused")).to_be_visible()
    page.screenshot(path=str(artifacts / "waiting-room.png"), full_page=True)

    # A marker in the page's memory: it survives only if the page is never reloaded.
    page.evaluate("window.stillTheSamePage = true")
    services.resume_room(event_id=event.pk)  # one every 1.5 s
    expect(page.get_by_test_id("room-paused")).to_be_hidden()
    expect(page.get_by_test_id("room-position")).to_have_text("3")
    expect(page.get_by_test_id("room-position")).to_have_text("2")
    assert page.evaluate("window.stillTheSamePage") is True
    expect(page.get_by_test_id("room-position")).to_have_text("1")

    # Admitted: the page takes the buyer to the event, pass in hand.
    expect(page).to_have_url(re.compile(re.escape(event.get_absolute_url())), timeout=15_000)
    expect(page.get_by_test_id("room-notice")).to_contain_text("You are in")
    seat(page, "A", 2, 3).click()
    page.get_by_test_id("hold-button").click()
    expect(page).to_have_url(re.compile(r"/bookings/checkout/"))
    pay(page)
    expect(page).to_have_url(re.compile(r"/bookings/TK-[A-Z0-9]{8}/$"))
    expect(page.get_by_test_id("ticket")).to_have_count(1)
    assert Booking.objects.get(user=buyer).status == Booking.Status.CONFIRMED


def test_without_a_pass_the_hold_form_sends_the_buyer_to_the_room(browsers):
    event = room_event(opens_in=-60, rate=1, paused=True, rows=3)
    page = browsers.page(factories.UserFactory())
    page.goto(event.get_absolute_url())
    seat(page, "A", 1, 2).click()
    page.get_by_test_id("hold-button").click()
    expect(page).to_have_url(re.compile(rf"/room/{event.pk}/$"))
    expect(page.get_by_test_id("message")).to_contain_text("waiting room")
    expect(page.get_by_test_id("join-room")).to_be_visible()

"""The door's check-in page in a real Chromium at phone size: a steward types codes and the
answer fills the screen, green, amber or red, without a reload."""

import re

import pytest
from playwright.sync_api import expect

from apps.checkin.models import CheckIn
from tests.checkin.helpers import door_steward, sold_tickets
from tests.factories import VenueFactory, on_sale_event

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def type_code(page, code):
    page.get_by_test_id("checkin-code").fill(code)
    page.get_by_test_id("checkin-submit").click()


def test_a_steward_types_codes_at_phone_size(browsers, artifacts):
    event = on_sale_event(
        rows=2, seats_per_row=5, title="Door Night", venue=VenueFactory(time_zone="Europe/Berlin")
    )
    other = on_sale_event(rows=1, seats_per_row=2, title="Another Night")
    first, second = sold_tickets(event)
    (elsewhere,) = sold_tickets(other, quantity=1)
    browsers.api_answers.add("/api/v1/checkin")  # its 409, 422 and 404 are what we test
    page = browsers.page(door_steward(), **PHONE)

    page.goto("/checkin/")
    page.get_by_test_id("checkin-event").filter(has_text="Door Night").click()
    expect(page).to_have_url(re.compile(rf"/checkin/{event.pk}/$"))
    result = page.get_by_test_id("checkin-result")
    expect(result).to_contain_text("Ready")

    page.get_by_test_id("checkin-door").fill("north")
    type_code(page, first.code)
    expect(result).to_have_attribute("data-result", "green")
    expect(result).to_contain_text("Admitted")
    expect(result).to_contain_text(first.event_seat.seat.label)
    expect(page.get_by_test_id("checkin-code")).to_have_value("")  # ready for the next one
    page.screenshot(path=str(artifacts / "checkin.png"))

    type_code(page, first.code)
    expect(result).to_have_attribute("data-result", "amber")
    expect(result).to_contain_text("Already checked in")
    expect(result).to_contain_text("at door north")
    expect(result).to_contain_text(re.compile(r"\d\d:\d\d CES?T"))
    page.screenshot(path=str(artifacts / "checkin-already.png"))

    type_code(page, elsewhere.code)
    expect(result).to_have_attribute("data-result", "red")
    expect(result).to_contain_text("Wrong event")
    expect(result).to_contain_text("Another Night")

    type_code(page, "not-a-ticket")
    expect(result).to_have_attribute("data-result", "red")
    expect(result).to_contain_text("Not a ticket")
    page.screenshot(path=str(artifacts / "checkin-refused.png"))

    # The door is remembered on this phone: the next page load scans at north straight away.
    page.reload()
    expect(page.get_by_test_id("checkin-door")).to_have_value("north")
    type_code(page, second.code)
    expect(result).to_have_attribute("data-result", "green")

    assert sorted(CheckIn.objects.values_list("ticket_id", "door")) == [
        (first.pk, "north"),
        (second.pk, "north"),
    ]

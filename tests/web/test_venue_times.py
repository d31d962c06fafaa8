"""Issue 16, defect 2: every time a buyer sees is on the venue's clock and says which clock.

A Berlin concert at 18:00 UTC is "19:00 CET"; a New York one at 00:30 UTC the next day is
"19:30 EST" on the day before. Dates are in winter 2030 (CET +1, EST -5) so the tests keep
working as the calendar moves on."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from apps.bookings.services import confirm_booking
from apps.inventory import holds as inventory_holds
from apps.payments.providers.base import CardDetails
from tests import factories

pytestmark = pytest.mark.django_db

BERLIN_START = datetime(2030, 12, 6, 18, 0, tzinfo=UTC)  # 19:00 in Berlin
NEW_YORK_START = datetime(2030, 12, 7, 0, 30, tzinfo=UTC)  # 19:30 on the 6th in New York


def event_in(time_zone, starts_at, **kwargs):
    venue = factories.VenueFactory(time_zone=time_zone)
    return factories.on_sale_event(
        venue=venue, starts_at=starts_at, rows=1, seats_per_row=4, **kwargs
    )


@pytest.fixture
def berlin():
    return event_in("Europe/Berlin", BERLIN_START, title="Berlin concert")


@pytest.fixture
def new_york():
    return event_in("America/New_York", NEW_YORK_START, title="New York concert")


def page(client, url, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def test_event_list_shows_each_event_on_its_venues_clock(client, berlin, new_york):
    html = page(client, "/")
    assert "Fri 6 Dec 2030, 19:00 CET" in html
    assert "Fri 6 Dec 2030, 19:30 EST" in html
    # Neither the UTC hour nor New York's UTC date leaks through.
    assert "18:00" not in html and "00:30" not in html and "7 Dec" not in html


def test_event_page_shows_the_start_and_the_sale_opening_on_the_venues_clock(client, berlin):
    assert "Friday 6 December 2030, 19:00 CET" in page(client, berlin.get_absolute_url())

    later = event_in(
        "America/New_York",
        NEW_YORK_START,
        sales_start=datetime(2030, 11, 1, 14, 0, tzinfo=UTC),  # 10:00 EDT
    )
    html = page(client, later.get_absolute_url())
    assert "Friday 6 December 2030, 19:30 EST" in html
    assert "Tickets go on sale on <strong>Friday 1 November, 10:00 EDT</strong>" in html


def test_checkout_booking_and_my_bookings_show_the_venues_clock(client, berlin, new_york):
    buyer = factories.UserFactory()
    client.force_login(buyer)
    expected = {
        berlin: ("Friday 6 December 2030, 19:00 CET", "Fri 6 Dec 2030, 19:00 CET", "CET"),
        new_york: ("Friday 6 December 2030, 19:30 EST", "Fri 6 Dec 2030, 19:30 EST", "EST"),
    }
    card = CardDetails.parse(number="4242424242424242", exp_month=12, exp_year=2035, cvc="123")
    for event, (long_form, short_form, zone_name) in expected.items():
        hold = inventory_holds.hold_seats(user=buyer, event_id=event.pk, quantity=1)
        html = page(client, reverse("bookings:checkout", args=[hold.id]))
        assert long_form in html
        # The hold runs out at a time on the venue's clock too.
        expires = hold.expires_at.astimezone(event.venue.zone).strftime("%H:%M")
        assert f"until {expires} {zone_name}" in html

        booking = confirm_booking(user=buyer, hold_id=hold.pk, card=card)
        html = page(client, reverse("bookings:detail", args=[booking.reference]))
        assert long_form in html and short_form in html  # the header and each ticket

    html = page(client, reverse("bookings:list"))
    assert "Fri 6 Dec 2030, 19:00 CET" in html and "Fri 6 Dec 2030, 19:30 EST" in html


def test_date_filter_means_the_day_at_the_venue(client):
    # 00:30 on the 7th in Berlin, still the 6th in UTC.
    late = event_in("Europe/Berlin", datetime(2030, 12, 6, 23, 30, tzinfo=UTC), title="Late")
    # 19:30 on the 6th in New York, already the 7th in UTC.
    early = event_in("America/New_York", NEW_YORK_START, title="Early")

    def titles(**params):
        response = client.get("/", params)
        return {event.title for event, _ in response.context["cards"]}

    assert titles(date_from="2030-12-07", date_to="2030-12-07") == {late.title}
    assert titles(date_from="2030-12-06", date_to="2030-12-06") == {early.title}
    assert titles(date_from="2030-12-06", date_to="2030-12-07") == {late.title, early.title}

    api = client.get("/api/v1/events", {"date_from": "2030-12-07", "date_to": "2030-12-07"})
    assert [item["title"] for item in api.json()["results"]] == [late.title]


def test_api_gives_instants_with_offset_and_the_venues_zone(client, berlin):
    item = client.get(f"/api/v1/events/{berlin.pk}").json()
    assert item["starts_at"] == "2030-12-06T18:00:00Z"
    assert item["venue"]["time_zone"] == "Europe/Berlin"
    local = datetime.fromisoformat(item["starts_at"]).astimezone(berlin.venue.zone)
    assert local.strftime("%H:%M %Z") == "19:00 CET"

"""Issue 16, defect 2, in the admin: staff type and read an event's times on its venue's clock,
and the lists show them there with the zone's abbreviation."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from apps.bookings.services import confirm_booking
from apps.common.errors import RuleBroken
from apps.events.models import Event
from apps.inventory.holds import hold_seats
from apps.inventory.layouts import generate_seat_layout
from apps.inventory.publishing import publish_event
from apps.payments.providers.base import CardDetails
from apps.waitingroom.models import WaitingRoom
from tests.factories import UserFactory, VenueFactory, on_sale_event

pytestmark = pytest.mark.django_db

ADD = reverse("admin:events_event_add")


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


def add_event(admin_client, venue, *, slug, starts, sales_start="", sales_end=""):
    """Posts the add form as a browser would: each time as date and time on the wall clock."""

    def split(value):
        return value.split(" ") if value else ("", "")

    fields = {"starts_at": starts, "sales_start": sales_start, "sales_end": sales_end}
    data = {
        "title": slug.title(),
        "slug": slug,
        "venue": venue.pk,
        "currency": "EUR",
        "hold_minutes": 10,
        "max_seats_per_order": 6,
        "price_tiers-TOTAL_FORMS": 1,
        "price_tiers-INITIAL_FORMS": 0,
        "price_tiers-MIN_NUM_FORMS": 0,
        "price_tiers-MAX_NUM_FORMS": 1000,
        "price_tiers-0-name": "Stalls",
        "price_tiers-0-price": "55.00",
        "price_tiers-0-colour": "#ff0000",
        "_save": "Save",
    }
    for name, value in fields.items():
        data[f"{name}_0"], data[f"{name}_1"] = split(value)
    return admin_client.post(ADD, data)


def test_a_sale_entered_as_10_00_in_berlin_opens_at_09_00_utc(admin_client):
    venue = VenueFactory(time_zone="Europe/Berlin")
    generate_seat_layout(venue=venue, sections=["A"], rows=1, seats_per_row=4)
    response = add_event(
        admin_client,
        venue,
        slug="winter-gala",
        starts="2030-12-06 19:00:00",
        sales_start="2030-11-04 10:00:00",
    )
    assert response.status_code == 302, response.context["errors"]
    event = Event.objects.get(slug="winter-gala")
    assert event.starts_at == datetime(2030, 12, 6, 18, 0, tzinfo=UTC)
    assert event.sales_start == datetime(2030, 11, 4, 9, 0, tzinfo=UTC)
    publish_event(event_id=event.pk)

    buyer = UserFactory()
    with time_machine.travel(datetime(2030, 11, 4, 8, 59, 59, tzinfo=UTC), tick=False):
        with pytest.raises(RuleBroken) as refused:
            hold_seats(user=buyer, event_id=event.pk, quantity=1)
        assert refused.value.code == "event_not_on_sale"
    with time_machine.travel(datetime(2030, 11, 4, 9, 0, tzinfo=UTC), tick=False):
        hold = hold_seats(user=buyer, event_id=event.pk, quantity=1)
    assert hold.event_seats.count() == 1


def test_the_add_form_reads_times_on_the_clock_of_the_venue_chosen_in_it(admin_client):
    venue = VenueFactory(time_zone="America/New_York")
    response = add_event(
        admin_client,
        venue,
        slug="gershwin",
        starts="2030-12-06 19:30:00",
        sales_start="2030-11-04 10:00:00",  # EST, -5
        sales_end="2030-10-31 23:00:00",  # still EDT, -4 (and before the start: refused)
    )
    assert response.status_code == 200
    assert "Sales must end after they start." in response.content.decode()

    response = add_event(
        admin_client,
        venue,
        slug="gershwin",
        starts="2030-12-06 19:30:00",
        sales_start="2030-10-31 10:00:00",
    )
    assert response.status_code == 302, response.context["errors"]
    event = Event.objects.get(slug="gershwin")
    assert event.starts_at == datetime(2030, 12, 7, 0, 30, tzinfo=UTC)
    assert event.sales_start == datetime(2030, 10, 31, 14, 0, tzinfo=UTC)
    generate_seat_layout(venue=venue, sections=["A"], rows=1, seats_per_row=2)
    event = publish_event(event_id=event.pk)
    assert not event.sells_at(datetime(2030, 10, 31, 13, 59, 59, tzinfo=UTC))
    assert event.sells_at(datetime(2030, 10, 31, 14, 0, tzinfo=UTC))


def test_the_change_form_shows_and_keeps_times_on_the_venues_clock(admin_client):
    event = on_sale_event(
        venue=VenueFactory(time_zone="Europe/Berlin"),
        starts_at=datetime(2030, 7, 10, 18, 0, tzinfo=UTC),  # 20:00 CEST
        sales_start=datetime(2030, 6, 1, 8, 0, tzinfo=UTC),  # 10:00 CEST
        rows=1,
        seats_per_row=2,
    )
    url = reverse("admin:events_event_change", args=[event.pk])
    page = admin_client.get(url)
    html = page.content.decode()
    assert 'name="starts_at_1" value="20:00:00"' in html
    assert 'name="sales_start_1" value="10:00:00"' in html
    assert "Europe/Berlin time (the venue's clock)." in html
    # The admin's "Now" and its offset note use the venue's clock as the server's.
    berlin_offset = int(
        timezone.localtime(timezone=ZoneInfo("Europe/Berlin")).utcoffset().total_seconds()
    )
    assert f'data-admin-utc-offset="{berlin_offset}"' in html

    # Saved again as shown: the same instants.
    data = {
        "title": event.title,
        "slug": event.slug,
        "description": "",
        "starts_at_0": "2030-07-10",
        "starts_at_1": "20:00:00",
        "sales_start_0": "2030-06-01",
        "sales_start_1": "10:00:00",
        "sales_end_0": "",
        "sales_end_1": "",
        "hold_minutes": 10,
        "max_seats_per_order": 8,
        "price_tiers-TOTAL_FORMS": 0,
        "price_tiers-INITIAL_FORMS": 0,
        "price_tiers-MIN_NUM_FORMS": 0,
        "price_tiers-MAX_NUM_FORMS": 1000,
        "tier_assignments-TOTAL_FORMS": 0,
        "tier_assignments-INITIAL_FORMS": 0,
        "tier_assignments-MIN_NUM_FORMS": 0,
        "tier_assignments-MAX_NUM_FORMS": 1000,
        "_save": "Save",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["errors"]
    event.refresh_from_db()
    assert event.starts_at == datetime(2030, 7, 10, 18, 0, tzinfo=UTC)
    assert event.sales_start == datetime(2030, 6, 1, 8, 0, tzinfo=UTC)


def test_a_time_the_venues_clock_skips_is_refused_plainly(admin_client):
    venue = VenueFactory(time_zone="Europe/Berlin")
    # Clocks jump from 02:00 to 03:00 on 30 March 2031 in Berlin.
    response = add_event(admin_client, venue, slug="gap", starts="2031-03-30 02:30:00")
    assert response.status_code == 200
    assert "2031-03-30 02:30 does not exist or happens twice in Europe/Berlin" in (
        response.content.decode()
    )
    assert not Event.objects.filter(slug="gap").exists()


def test_admin_lists_show_times_on_the_venues_clock(admin_client):
    berlin = on_sale_event(
        venue=VenueFactory(time_zone="Europe/Berlin"),
        starts_at=datetime(2030, 12, 6, 18, 0, tzinfo=UTC),
        rows=1,
        seats_per_row=2,
    )
    new_york = on_sale_event(
        venue=VenueFactory(time_zone="America/New_York"),
        starts_at=datetime(2030, 12, 7, 0, 30, tzinfo=UTC),
        rows=1,
        seats_per_row=2,
    )
    html = admin_client.get(reverse("admin:events_event_changelist")).content.decode()
    assert "Fri 6 Dec 2030, 19:00 CET" in html and "Fri 6 Dec 2030, 19:30 EST" in html
    sales = admin_client.get(reverse("admin:events_event_sales", args=[berlin.pk]))
    assert "times in Europe/Berlin" in sales.content.decode()

    buyer = UserFactory()
    card = CardDetails.parse(number="4242424242424242", exp_month=12, exp_year=2035, cvc="123")
    hold = hold_seats(user=buyer, event_id=new_york.pk, quantity=1)
    expires = hold.expires_at.astimezone(new_york.venue.zone)
    shown = expires.strftime("%a %-d %b %Y, %H:%M ") + expires.tzname()
    html = admin_client.get(reverse("admin:inventory_hold_changelist")).content.decode()
    assert shown in html
    html = admin_client.get(reverse("admin:inventory_hold_change", args=[hold.pk])).content
    assert shown in html.decode() and "Expires (venue&#x27;s clock)" in html.decode()

    booking = confirm_booking(
        user=buyer, hold_id=hold_seats(user=buyer, event_id=berlin.pk, quantity=1).pk, card=card
    )
    booked = booking.created_at.astimezone(berlin.venue.zone)
    html = admin_client.get(reverse("admin:bookings_booking_changelist")).content.decode()
    assert booked.strftime("%a %-d %b %Y, %H:%M ") + booked.tzname() in html


def test_venue_admin_edits_the_time_zone_from_a_list(admin_client):
    venue = VenueFactory()
    url = reverse("admin:events_venue_change", args=[venue.pk])
    assert '<option value="America/New_York">' in admin_client.get(url).content.decode()
    data = {"name": venue.name, "city": venue.city, "address": "", "_save": "Save"}
    refused = admin_client.post(url, data | {"time_zone": "Mars/Olympus"})
    assert refused.status_code == 200
    assert "Select a valid choice." in refused.content.decode()
    assert admin_client.post(url, data | {"time_zone": "Asia/Tokyo"}).status_code == 302
    venue.refresh_from_db()
    assert venue.time_zone == "Asia/Tokyo"


@pytest.mark.django_db(transaction=True)
def test_a_waiting_room_opening_is_typed_and_listed_on_the_venues_clock(admin_client):
    event = on_sale_event(
        venue=VenueFactory(time_zone="Europe/Berlin"),
        starts_at=datetime(2030, 12, 6, 18, 0, tzinfo=UTC),
        rows=1,
        seats_per_row=2,
    )
    response = admin_client.post(
        "/admin/waitingroom/waitingroom/add/",
        {
            "event": event.pk,
            "enabled": "on",
            "opens_at_0": "2030-11-04",
            "opens_at_1": "10:00:00",
            "admission_per_minute": "120",
            "pass_minutes": "5",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert WaitingRoom.objects.get(event=event).opens_at == datetime(2030, 11, 4, 9, 0, tzinfo=UTC)
    html = admin_client.get("/admin/waitingroom/waitingroom/").content.decode()
    assert "Mon 4 Nov 2030, 10:00 CET" in html
    change = admin_client.get(f"/admin/waitingroom/waitingroom/{event.pk}/change/")
    assert 'name="opens_at_1" value="10:00:00"' in change.content.decode()

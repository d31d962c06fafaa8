"""Staff download an event's bookings and attendees as CSV from the event's admin page
(issue 16, item 10)."""

import csv
import io

import pytest
from django.contrib.auth.models import Group

from apps.bookings.services import confirm_booking
from apps.inventory import holds as inventory_holds
from apps.payments.providers.base import CardDetails
from tests import factories

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("size", SIZES)
def test_download_bookings_and_attendees_csv(browsers, artifacts, size):
    event = factories.on_sale_event(rows=2, seats_per_row=6)
    buyer = factories.UserFactory(full_name="Carla Diaz")
    hold = inventory_holds.hold_seats(user=buyer, event_id=event.id, quantity=2)
    card = CardDetails.parse(number="4242424242424242", exp_month=12, exp_year=2039, cvc="123")
    booking = confirm_booking(user=buyer, hold_id=hold.id, card=card)
    staff = factories.UserFactory(is_staff=True)
    staff.groups.set(Group.objects.filter(name="Box office"))
    page = browsers.page(staff, viewport=SIZES[size], accept_downloads=True)
    page.goto(f"/admin/events/event/{event.pk}/change/")
    page.screenshot(path=str(artifacts / f"exports-event-page-{size}.png"), full_page=True)

    found = {}
    for kind in ("bookings", "attendees"):
        with page.expect_download() as download:
            page.get_by_role("link", name=f"Export {kind} (CSV)").click()
        text = download.value.path().read_text(encoding="utf-8")
        found[kind] = list(csv.DictReader(io.StringIO(text)))
        assert download.value.suggested_filename == f"{event.slug}-{kind}.csv"
    assert [r["reference"] for r in found["bookings"]] == [booking.reference]
    assert found["bookings"][0]["tickets"] == "2"
    assert [r["name"] for r in found["attendees"]] == ["Carla Diaz", "Carla Diaz"]

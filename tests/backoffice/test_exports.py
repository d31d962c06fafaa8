"""Staff export an event's bookings and attendees as CSV from the admin: streamed, one query
whatever the size, safe to open in a spreadsheet (issue 16, item 10)."""

import csv
import io

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.bookings.services import cancel_booking, confirm_booking
from apps.inventory.holds import hold_seats
from apps.payments.providers.base import CardDetails
from tests.factories import UserFactory, on_sale_event

pytestmark = pytest.mark.django_db


def card():
    return CardDetails.parse(number="4242424242424242", exp_month=12, exp_year=2035, cvc="123")


def buy(event, quantity=1, **buyer):
    user = UserFactory(**buyer)
    hold = hold_seats(user=user, event_id=event.id, quantity=quantity)
    return confirm_booking(user=user, hold_id=hold.id, card=card())


@pytest.fixture
def box_office(client):
    user = UserFactory(is_staff=True)
    user.groups.set(Group.objects.filter(name="Box office"))
    client.force_login(user)
    return client


def rows(response):
    assert response.streaming and response["Content-Type"] == "text/csv"
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_bookings_export_lists_each_booking_with_its_buyer(box_office):
    event = on_sale_event(rows=2, seats_per_row=10)
    kept = buy(event, 2, email="ann@example.com", full_name="Ann Smith")
    gone = buy(event, 1)
    cancel_booking(user=gone.user, reference=gone.reference)
    response = box_office.get(f"/admin/events/event/{event.pk}/export/bookings.csv")
    assert "attachment" in response["Content-Disposition"]
    got = {r["reference"]: r for r in rows(response)}
    assert set(got) == {kept.reference, gone.reference}
    assert got[kept.reference]["buyer_email"] == "ann@example.com"
    assert got[kept.reference]["buyer_name"] == "Ann Smith"
    assert (got[kept.reference]["tickets"], got[kept.reference]["total"]) == ("2", "90.00")
    assert (got[gone.reference]["status"], got[gone.reference]["refunded"]) == (
        "cancelled",
        "45.00",
    )


def test_attendees_export_has_one_row_per_valid_ticket(box_office):
    event = on_sale_event(rows=2, seats_per_row=10)
    buy(event, 3, full_name="Bob Jones")
    gone = buy(event, 1)
    cancel_booking(user=gone.user, reference=gone.reference)
    got = rows(box_office.get(f"/admin/events/event/{event.pk}/export/attendees.csv"))
    assert len(got) == 3
    assert {r["name"] for r in got} == {"Bob Jones"}
    assert all(r["section"] == "A" and r["price"] == "45.00" for r in got)


def test_a_cell_that_would_be_a_formula_is_quoted(box_office):
    event = on_sale_event(rows=1, seats_per_row=4)
    buy(event, 1, full_name='=HYPERLINK("http://evil.example","click")')
    for kind, column in (("bookings", "buyer_name"), ("attendees", "name")):
        got = rows(box_office.get(f"/admin/events/event/{event.pk}/export/{kind}.csv"))
        assert got[0][column] == '\'=HYPERLINK("http://evil.example","click")'


@pytest.mark.parametrize("kind", ["bookings", "attendees"])
def test_exports_take_the_same_queries_for_3_or_30_bookings(
    box_office, django_assert_num_queries, kind
):
    event = on_sale_event(rows=4, seats_per_row=20)
    for _ in range(3):
        buy(event, 2)
    url = f"/admin/events/event/{event.pk}/export/{kind}.csv"
    with CaptureQueriesContext(connection) as small:
        assert len(rows(box_office.get(url))) >= 3
    for _ in range(27):
        buy(event, 2)
    with django_assert_num_queries(len(small)):
        assert len(rows(box_office.get(url))) >= 30


def test_staff_who_may_not_see_bookings_cannot_export(client):
    event = on_sale_event(rows=1, seats_per_row=4)
    buy(event, 1)
    user = UserFactory(is_staff=True)
    client.force_login(user)
    for kind in ("bookings", "attendees"):
        assert client.get(f"/admin/events/event/{event.pk}/export/{kind}.csv").status_code == 403


def test_the_event_page_offers_both_exports(box_office):
    event = on_sale_event(rows=1, seats_per_row=4)
    page = box_office.get(f"/admin/events/event/{event.pk}/change/").content.decode()
    assert "Export bookings (CSV)" in page and "Export attendees (CSV)" in page

"""The Door staff group checks tickets in and can do nothing else: no bookings (API or admin),
no holds (API or page), and its pages are closed to everyone without the permission."""

import pytest
from django.contrib.auth.models import Group

from apps.backoffice.staff_groups import STAFF_GROUPS
from apps.inventory.models import Hold
from tests.checkin.helpers import door_steward, jwt_client, sold_tickets
from tests.factories import UserFactory, on_sale_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    return on_sale_event(rows=2, seats_per_row=5)


@pytest.fixture
def steward():
    return door_steward()


def test_the_door_group_has_the_check_in_permission_only():
    assert STAFF_GROUPS["Door"] == ["checkin.check_in_ticket"]
    door = Group.objects.get(name="Door")
    assert [p.codename for p in door.permissions.all()] == ["check_in_ticket"]


def test_a_steward_cannot_read_bookings_in_the_api(event, steward):
    ticket, _ = sold_tickets(event)
    api = jwt_client(steward)
    listed = api.get("/api/v1/bookings")
    assert listed.status_code == 200 and listed.json()["results"] == []
    assert api.get(f"/api/v1/bookings/{ticket.booking.reference}").status_code == 404


def test_a_steward_cannot_read_bookings_tickets_or_check_ins_in_the_admin(client, event, steward):
    sold_tickets(event)
    client.force_login(steward)
    for url in (
        "/admin/bookings/booking/",
        "/admin/bookings/ticket/",
        "/admin/checkin/checkin/",
        "/admin/inventory/hold/",
        f"/admin/events/event/{event.pk}/sales/",
    ):
        assert client.get(url).status_code == 403, url


def test_a_steward_cannot_hold_seats_in_the_api(event, steward):
    response = jwt_client(steward).post(
        "/api/v1/holds", {"event": event.pk, "quantity": 2}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "door_account"
    assert not Hold.objects.exists()


def test_a_steward_cannot_hold_seats_on_the_event_page(client, event, steward):
    client.force_login(steward)
    response = client.post(
        f"/bookings/hold/{event.pk}/", {"mode": "best", "quantity": "2"}, follow=True
    )
    assert "A door account cannot hold seats." in response.text
    assert not Hold.objects.exists()


def test_a_superuser_may_both_scan_and_hold(event):
    admin = UserFactory(is_staff=True, is_superuser=True)
    api = jwt_client(admin)
    assert (
        api.post("/api/v1/holds", {"event": event.pk, "quantity": 1}, format="json").status_code
        == 201
    )


def test_the_pages_are_for_door_staff_only(client, event, steward):
    assert client.get("/checkin/").status_code == 302  # to the login page
    client.force_login(UserFactory())
    assert client.get("/checkin/").status_code == 403
    assert client.get(f"/checkin/{event.pk}/").status_code == 403
    client.force_login(steward)
    listed = client.get("/checkin/")
    assert listed.status_code == 200 and event.title in listed.text
    page = client.get(f"/checkin/{event.pk}/")
    assert page.status_code == 200 and event.title in page.text
    # The scanner page alone may use the camera; the rest of the site keeps it off.
    assert "camera=(self)" in page["Permissions-Policy"]
    assert "camera=()" in listed["Permissions-Policy"]
    assert client.get("/checkin/987654/").status_code == 404


def test_the_demo_door_steward_checks_in_and_nothing_else(client):
    from apps.accounts.models import User
    from apps.backoffice.demo import DOOR_EMAIL, DOOR_PASSWORD, seed_demo

    seed_demo()
    seed_demo()  # idempotent
    door = User.objects.get(email=DOOR_EMAIL)
    assert door.check_password(DOOR_PASSWORD) and door.is_staff and not door.is_superuser
    assert [g.name for g in door.groups.all()] == ["Door"]
    client.force_login(door)
    assert client.get("/checkin/").status_code == 200
    assert client.get("/admin/bookings/booking/").status_code == 403

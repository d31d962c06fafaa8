"""Staff actions that move money or seats need their own permission, and the two staff groups
the shop ships carry exactly what their names promise (issue 14, finding 3)."""

import pytest
from django.contrib.auth.models import Group, Permission

from apps.bookings.models import Booking
from apps.bookings.services import confirm_booking
from apps.inventory.holds import hold_seats
from apps.inventory.models import Hold
from apps.payments.models import Payment
from apps.payments.providers.base import CardDetails
from tests.factories import UserFactory, on_sale_event

pytestmark = pytest.mark.django_db


def card():
    return CardDetails.parse(number="4242424242424242", exp_month=12, exp_year=2035, cvc="123")


def staff_in(client, *, groups=(), perms=()):
    user = UserFactory(is_staff=True)
    user.groups.set(Group.objects.filter(name__in=groups))
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    client.force_login(user)
    return client


@pytest.fixture
def booking():
    event = on_sale_event(rows=1, seats_per_row=10)
    buyer = UserFactory()
    return confirm_booking(
        user=buyer, hold_id=hold_seats(user=buyer, event_id=event.id, quantity=2).id, card=card()
    )


@pytest.fixture
def live_hold():
    event = on_sale_event(rows=1, seats_per_row=10)
    return hold_seats(user=UserFactory(), event_id=event.id, quantity=2)


def refund(client, booking):
    client.post(
        "/admin/bookings/booking/",
        {"action": "cancel_and_refund", "_selected_action": [booking.pk], "confirm": "yes"},
        follow=True,
    )
    tickets = list(booking.tickets.values_list("id", flat=True))
    return client.post(
        f"/admin/bookings/booking/{booking.pk}/refund/",
        {"ticket": tickets, "confirm": "yes"},
        follow=True,
    )


def release(client, hold):
    return client.post(
        "/admin/inventory/hold/",
        {"action": "release_selected", "_selected_action": [str(hold.id)]},
        follow=True,
    )


def test_view_only_staff_can_neither_refund_nor_release(client, booking, live_hold):
    staff_in(
        client, perms=["bookings.view_booking", "bookings.change_booking", "inventory.view_hold"]
    )
    page = client.get("/admin/bookings/booking/")
    assert page.status_code == 200 and "cancel_and_refund" not in page.text
    refund(client, booking)
    assert Booking.objects.get().status == Booking.Status.CONFIRMED
    assert Payment.objects.get().status != "refunded"
    page = client.get("/admin/inventory/hold/")
    assert page.status_code == 200 and "release_selected" not in page.text
    release(client, live_hold)
    assert Hold.objects.get(pk=live_hold.pk).status == Hold.Status.ACTIVE


def test_box_office_releases_holds_and_sees_sales_but_cannot_refund(client, booking, live_hold):
    staff_in(client, groups=["Box office"])
    assert "Released 1 hold." in release(client, live_hold).text
    assert Hold.objects.get(pk=live_hold.pk).status == Hold.Status.RELEASED
    event_id = live_hold.event_id
    assert client.get(f"/admin/events/event/{event_id}/sales/").status_code == 200
    assert client.get(f"/admin/events/event/{event_id}/lock-contention/").status_code == 200
    assert "cancel_and_refund" not in client.get("/admin/bookings/booking/").text
    refund(client, booking)
    assert Booking.objects.get().status == Booking.Status.CONFIRMED


def test_finance_refunds_but_cannot_release_holds(client, booking, live_hold):
    staff_in(client, groups=["Finance"])
    assert f"Cancelled the whole booking of {booking.reference}" in refund(client, booking).text
    assert Payment.objects.get().status == "refunded"
    assert client.get("/admin/inventory/hold/").status_code == 403
    release(client, live_hold)
    assert Hold.objects.get(pk=live_hold.pk).status == Hold.Status.ACTIVE


def test_the_groups_are_kept_to_their_list_after_migrate():
    from django.core.management import call_command

    group = Group.objects.get(name="Finance")
    group.permissions.add(Permission.objects.get(codename="release_hold"))
    call_command("migrate", verbosity=0)
    names = set(Group.objects.get(name="Finance").permissions.values_list("codename", flat=True))
    assert "release_hold" not in names and "refund_booking" in names
    box = set(Group.objects.get(name="Box office").permissions.values_list("codename", flat=True))
    assert "release_hold" in box and "refund_booking" not in box

import pytest

from apps.bookings.services import confirm_booking
from apps.inventory.holds import hold_seats
from apps.inventory.models import EventSeat, Hold
from apps.payments.models import Payment
from apps.payments.providers.base import CardDetails
from tests.factories import UserFactory, on_sale_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


def card():
    return CardDetails.parse(number="4242424242424242", exp_month=12, exp_year=2035, cvc="123")


def test_staff_release_holds_from_the_admin(staff_client):
    event = on_sale_event(rows=1, seats_per_row=10)
    holds = [hold_seats(user=UserFactory(), event_id=event.id, quantity=2) for _ in range(2)]
    page = staff_client.get("/admin/inventory/hold/?state=live")
    assert page.status_code == 200 and str(holds[0].id) in page.text
    response = staff_client.post(
        "/admin/inventory/hold/",
        {"action": "release_selected", "_selected_action": [str(h.id) for h in holds]},
        follow=True,
    )
    assert "Released 2 holds." in response.text
    assert set(Hold.objects.values_list("status", flat=True)) == {"released"}
    assert not EventSeat.objects.exclude(status="available").exists()


def test_staff_cancel_and_refund_bookings(staff_client):
    event = on_sale_event(rows=1, seats_per_row=10)
    buyer = UserFactory()
    hold = hold_seats(user=buyer, event_id=event.id, quantity=2)
    booking = confirm_booking(user=buyer, hold_id=hold.id, card=card())
    assert staff_client.get(f"/admin/bookings/booking/{booking.pk}/change/").status_code == 200
    response = staff_client.post(
        f"/admin/bookings/booking/{booking.pk}/refund/",
        {"ticket": list(booking.tickets.values_list("id", flat=True)), "confirm": "yes"},
        follow=True,
    )
    assert f"Cancelled the whole booking of {booking.reference}" in response.text
    assert Payment.objects.get().status == "refunded"
    for page in ("payments/payment/", "payments/refund/", "payments/sandboxcharge/"):
        assert staff_client.get(f"/admin/{page}").status_code == 200


def test_hold_list_has_a_fixed_number_of_queries(staff_client, django_assert_max_num_queries):
    event = on_sale_event(rows=2, seats_per_row=10)
    for _ in range(8):
        hold_seats(user=UserFactory(), event_id=event.id, quantity=2)
    with django_assert_max_num_queries(12):
        assert staff_client.get("/admin/inventory/hold/").status_code == 200


def test_buyers_cannot_open_the_admin(client):
    client.force_login(UserFactory())
    assert client.get("/admin/inventory/hold/").status_code == 302

"""Staff cancel and refund some or all tickets of a booking, from a confirmation page; the buyer
is told by e-mail (issue 16, defect 6)."""

from decimal import Decimal

import pytest
from django.core import mail
from django.db import IntegrityError, transaction

from apps.bookings.models import Booking, Ticket
from apps.bookings.services import confirm_booking
from apps.bookings.staff_refunds import refund_tickets
from apps.common.errors import InvalidRequest, RuleBroken
from apps.inventory.holds import hold_seats
from apps.inventory.models import EventSeat
from apps.payments import services as payments
from apps.payments.models import Payment, Refund, SandboxCharge
from apps.payments.providers.base import CardDetails
from tests.factories import UserFactory, on_sale_event

pytestmark = pytest.mark.django_db


def card():
    return CardDetails.parse(number="4242424242424242", exp_month=12, exp_year=2035, cvc="123")


@pytest.fixture
def booking():
    event = on_sale_event(rows=1, seats_per_row=10, price="40.00")
    buyer = UserFactory(email="buyer@example.com")
    hold = hold_seats(user=buyer, event_id=event.id, quantity=3)
    return confirm_booking(user=buyer, hold_id=hold.id, card=card())


@pytest.fixture
def finance_client(client):
    from django.contrib.auth.models import Group

    user = UserFactory(is_staff=True)
    user.groups.set(Group.objects.filter(name="Finance"))
    client.force_login(user)
    return client


def ticket_ids(booking):
    return list(booking.tickets.order_by("id").values_list("id", flat=True))


def test_refunding_some_tickets_returns_their_seats_and_money_and_tells_the_buyer(
    booking, staff_user, django_capture_on_commit_callbacks
):
    first, *_ = ticket_ids(booking)
    with django_capture_on_commit_callbacks(execute=True):
        done = refund_tickets(
            reference=booking.reference, ticket_ids=[first], staff_user=staff_user
        )
    assert done.amount == Decimal("40.00") and not done.whole_booking
    assert done.refund.status == Refund.Status.SUCCEEDED
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.refunded_amount == Decimal("40.00") and booking.total == Decimal("120.00")
    assert Ticket.objects.get(pk=first).status == Ticket.Status.CANCELLED
    seat = Ticket.objects.get(pk=first).event_seat
    assert EventSeat.objects.get(pk=seat.pk).status == EventSeat.Status.AVAILABLE
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.SUCCEEDED  # still paid for two tickets
    assert payment.refunded_amount == Decimal("40.00")
    assert SandboxCharge.objects.get().refunded_amount == Decimal("40.00")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["buyer@example.com"]
    assert "€40.00" in mail.outbox[0].body and booking.reference in mail.outbox[0].subject


def test_refunding_the_rest_cancels_the_booking_and_refunds_what_is_left(
    booking, staff_user, django_capture_on_commit_callbacks
):
    first, second, third = ticket_ids(booking)
    with django_capture_on_commit_callbacks(execute=True):
        refund_tickets(reference=booking.reference, ticket_ids=[first], staff_user=staff_user)
    with django_capture_on_commit_callbacks(execute=True):
        done = refund_tickets(
            reference=booking.reference, ticket_ids=[second, third], staff_user=staff_user
        )
    assert done.whole_booking and done.amount == Decimal("80.00")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.refunded_amount == booking.total
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.REFUNDED
    assert payment.refunded_amount == payment.amount
    assert list(Refund.objects.order_by("sequence").values_list("sequence", "amount")) == [
        (1, Decimal("40.00")),
        (2, Decimal("80.00")),
    ]
    assert SandboxCharge.objects.get().refunded_amount == Decimal("120.00")
    assert len(mail.outbox) == 2


def test_a_ticket_already_cancelled_cannot_be_refunded_twice(booking, staff_user):
    first, *_ = ticket_ids(booking)
    refund_tickets(reference=booking.reference, ticket_ids=[first], staff_user=staff_user)
    with pytest.raises(InvalidRequest):
        refund_tickets(reference=booking.reference, ticket_ids=[first], staff_user=staff_user)
    assert Payment.objects.get().refunded_amount == Decimal("40.00")


def test_refunds_never_exceed_what_was_paid(booking):
    payment = Payment.objects.get()
    with pytest.raises(RuleBroken), transaction.atomic():
        payments.record_partial_refund(payment=payment, amount=Decimal("120.01"), reason="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.filter(pk=payment.pk).update(refunded_amount=Decimal("120.01"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.filter(pk=booking.pk).update(refunded_amount=Decimal("120.01"))


def test_the_refund_page_changes_nothing_until_confirmed(booking, finance_client):
    url = f"/admin/bookings/booking/{booking.pk}/refund/"
    page = finance_client.get(url)
    assert page.status_code == 200 and "buyer@example.com" in page.text
    first, *_ = ticket_ids(booking)
    review = finance_client.post(url, {"ticket": [first]})
    assert review.status_code == 200 and "€40.00" in review.text
    assert Payment.objects.get().refunded_amount == 0  # reviewing is not refunding
    done = finance_client.post(url, {"ticket": [first], "confirm": "yes"}, follow=True)
    assert "refunded €40.00" in done.text and "buyer@example.com is told" in done.text
    assert Payment.objects.get().refunded_amount == Decimal("40.00")


def test_the_booking_page_offers_the_refund_and_the_list_action_asks_first(booking, finance_client):
    change = finance_client.get(f"/admin/bookings/booking/{booking.pk}/change/")
    assert f"/admin/bookings/booking/{booking.pk}/refund/" in change.text
    one = finance_client.post(
        "/admin/bookings/booking/",
        {"action": "cancel_and_refund", "_selected_action": [booking.pk]},
    )
    assert one.status_code == 302 and one.url.endswith(f"/{booking.pk}/refund/")
    other = on_sale_event(rows=1, seats_per_row=4)
    buyer = UserFactory()
    second = confirm_booking(
        user=buyer, hold_id=hold_seats(user=buyer, event_id=other.id, quantity=1).id, card=card()
    )
    selected = {"action": "cancel_and_refund", "_selected_action": [booking.pk, second.pk]}
    ask = finance_client.post("/admin/bookings/booking/", selected)
    assert ask.status_code == 200 and "Cancel and refund these bookings?" in ask.text
    assert not Booking.objects.filter(status=Booking.Status.CANCELLED).exists()
    done = finance_client.post(
        "/admin/bookings/booking/", {**selected, "confirm": "yes"}, follow=True
    )
    assert "Cancelled and refunded 2 bookings" in done.text
    assert Booking.objects.filter(status=Booking.Status.CANCELLED).count() == 2


def test_staff_without_the_refund_permission_get_no_refund_page(booking, client):
    from django.contrib.auth.models import Group

    user = UserFactory(is_staff=True)
    user.groups.set(Group.objects.filter(name="Box office"))
    client.force_login(user)
    url = f"/admin/bookings/booking/{booking.pk}/refund/"
    assert client.get(url).status_code == 403
    assert client.post(url, {"ticket": ticket_ids(booking), "confirm": "yes"}).status_code == 403
    assert Booking.objects.get().status == Booking.Status.CONFIRMED


def test_the_buyer_sees_what_was_refunded(booking, staff_user, client, api_client):
    first, *_ = ticket_ids(booking)
    refund_tickets(reference=booking.reference, ticket_ids=[first], staff_user=staff_user)
    client.force_login(booking.user)
    page = client.get(f"/bookings/{booking.reference}/").content.decode()
    assert 'data-testid="booking-refunded">€40.00' in page
    api_client.force_authenticate(booking.user)
    body = api_client.get(f"/api/v1/bookings/{booking.reference}").json()
    assert body["refunded_amount"] == "40.00" and body["total"] == "120.00"
    assert [t["status"] for t in body["tickets"]].count("cancelled") == 1


def test_a_mail_server_that_fails_does_not_undo_or_break_the_refund(
    booking, staff_user, settings, django_capture_on_commit_callbacks, monkeypatch
):
    from django.core.mail.backends.locmem import EmailBackend

    def refuse(self, messages):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    first, *_ = ticket_ids(booking)
    with django_capture_on_commit_callbacks(execute=True):
        done = refund_tickets(
            reference=booking.reference, ticket_ids=[first], staff_user=staff_user
        )
    assert done.refund.status == Refund.Status.SUCCEEDED
    assert Payment.objects.get().refunded_amount == Decimal("40.00")

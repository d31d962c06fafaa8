"""The buyer's e-mails, sent through a real SMTP server (aiosmtpd, tests/mailserver.py) and read
back as a mail client would: headers, the text and HTML parts, the PDF attachment with one page
per ticket whose QR code decodes to that ticket's code.

Real commits (transactional tests): the e-mail is enqueued on the commit that owes it. Celery
runs eagerly here (CELERY_TASK_ALWAYS_EAGER), so the send task runs in the committing thread;
with `eager_retries` its retries run at once, one after the other, without the backoff's
waits: these tests show that a refused or failed send is tried again up to the limit and that
the booking never notices; the delays between tries (retry_backoff) are Celery's and not
shown here."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from apps.bookings.models import Booking, BookingEmail
from apps.bookings.notifications import enqueue_forgotten_emails
from apps.bookings.services import (
    cancel_booking,
    cancel_bookings_as_staff,
    confirm_booking,
    settle_paid_booking,
)
from apps.bookings.tasks import send_booking_email_task
from apps.common.errors import Gone
from apps.inventory.holds import hold_seats
from apps.inventory.models import EventSeat, Hold
from apps.inventory.snapshot import forget as forget_taken_seats
from apps.payments.models import Payment
from apps.payments.providers.base import CardDetails
from tests.factories import UserFactory, VenueFactory, on_sale_event
from tests.pdfreading import read_pages

pytestmark = pytest.mark.django_db(transaction=True)

# 19:30 UTC on a January evening is 20:30 in Berlin (CET, UTC+1).
STARTS_AT = datetime(2030, 1, 15, 19, 30, tzinfo=UTC)


def card():
    return CardDetails.parse(
        number="4242424242424242", exp_month=12, exp_year=2035, cvc="123", name="A B"
    )


@pytest.fixture
def event():
    venue = VenueFactory(name="Philharmonie", city="Berlin", time_zone="Europe/Berlin")
    return on_sale_event(rows=2, seats_per_row=5, price="45.00", venue=venue, starts_at=STARTS_AT)


@pytest.fixture
def buyer():
    return UserFactory(email="ada@example.com", full_name="Ada Lovelace")


def buy(buyer, event, seats=3) -> Booking:
    hold = hold_seats(user=buyer, event_id=event.id, quantity=seats)
    return confirm_booking(user=buyer, hold_id=hold.id, card=card())


def parts(message):
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    attachments = list(message.iter_attachments())
    return text, html, attachments


def test_a_paid_booking_sends_one_confirmation_with_its_tickets_as_a_pdf(smtp_server, event, buyer):
    booking = buy(buyer, event, seats=3)
    # Every other settler comes second (the sandbox's own webhook has already been one):
    settle_paid_booking(Payment.objects.get(booking=booking).pk)
    send_booking_email_task.delay(booking.pk, "confirmation")

    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == "ada@example.com"
    assert message["From"] == settings.DEFAULT_FROM_EMAIL
    assert booking.reference in message["Subject"] and event.title in message["Subject"]
    assert smtp_server.mailbox.envelopes[0][1] == ["ada@example.com"]

    text, html, attachments = parts(message)
    tickets = list(
        booking.tickets.select_related("event_seat__seat").order_by(
            "event_seat__seat__section", "event_seat__seat__y", "event_seat__seat__x"
        )
    )
    for body in (text, html):
        assert booking.reference in body and "Ada Lovelace" in text
        assert "Tuesday 15 January 2030, 20:30 CET" in body, "in the venue's zone, named"
        assert "Philharmonie" in body and "€135.00" in body
        for ticket in tickets:
            assert ticket.event_seat.seat.label in body
    assert "<table" in html and "<table" not in text

    [pdf] = attachments
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_filename() == f"tickets-{booking.reference}.pdf"
    pages = read_pages(pdf.get_content())
    assert len(pages) == len(tickets) == 3
    for page, ticket in zip(pages, tickets, strict=True):
        assert page["qr"] == [ticket.code], "each page's QR is its own ticket's code"
        assert ticket.event_seat.seat.label in page["text"]
        assert booking.reference in page["text"] and "20:30 CET" in page["text"]
        assert "€45.00" in page["text"]

    owed = BookingEmail.objects.get(booking=booking)
    assert owed.kind == "confirmation" and owed.sent_at is not None and owed.attempts == 1


def test_a_server_that_refuses_at_first_gets_the_confirmation_on_a_retry(
    smtp_server, eager_retries, event, buyer
):
    smtp_server.mailbox.refuse_first = 2  # "451 try again later", twice

    booking = buy(buyer, event, seats=1)

    assert booking.status == "confirmed"
    assert smtp_server.mailbox.refused == 2
    assert len(smtp_server.messages) == 1, "delivered once, on the third try"
    owed = BookingEmail.objects.get(booking=booking)
    assert owed.attempts == 3 and owed.sent_at is not None and owed.last_error == ""


def test_a_dead_mail_server_is_retried_to_the_limit_and_the_booking_stays_confirmed(
    dead_smtp, eager_retries, event, buyer
):
    booking = buy(buyer, event, seats=2)

    assert booking.status == "confirmed"
    booking.refresh_from_db()
    assert booking.status == "confirmed" and booking.tickets.filter(status="valid").count() == 2
    owed = BookingEmail.objects.get(booking=booking)
    assert owed.sent_at is None
    assert owed.attempts == send_booking_email_task.max_retries + 1, "tried, then retried"
    assert "ConnectionRefused" in owed.last_error


def test_a_buyers_cancellation_sends_its_email_with_the_amount_refunded(smtp_server, event, buyer):
    booking = buy(buyer, event, seats=2)
    cancel_booking(user=buyer, reference=booking.reference)

    assert len(smtp_server.messages) == 2
    cancellation = smtp_server.messages[1]
    assert cancellation["To"] == "ada@example.com"
    assert cancellation["Subject"] == f"Booking {booking.reference} is cancelled"
    text, html, attachments = parts(cancellation)
    assert attachments == []
    for body in (text, html):
        assert "cancelled" in body and "€90.00" in body and "refunded to your card" in body
    assert set(BookingEmail.objects.values_list("kind", flat=True)) == {
        "confirmation",
        "cancellation",
    }


def test_a_staff_cancellation_sends_the_buyer_the_cancellation(smtp_server, event, buyer):
    booking = buy(buyer, event, seats=1)
    staff = UserFactory(is_staff=True)

    assert cancel_bookings_as_staff(references=[booking.reference], staff_user=staff) == 1
    # Cancelling again does nothing, and e-mails nobody.
    assert cancel_bookings_as_staff(references=[booking.reference], staff_user=staff) == 0

    subjects = [m["Subject"] for m in smtp_server.messages]
    assert subjects[1:] == [f"Booking {booking.reference} is cancelled"]
    assert "€45.00" in parts(smtp_server.messages[1])[0]


def test_a_paid_booking_that_lost_its_seats_sends_the_refund_email(
    smtp_server, event, buyer, monkeypatch
):
    from apps.payments.providers import sandbox

    hold = hold_seats(user=buyer, event_id=event.id, quantity=2)
    seats = list(EventSeat.objects.filter(hold=hold).values_list("id", flat=True))
    charge = sandbox.SandboxProvider.confirm_intent

    def expire_and_lose_the_seats_then_charge(self, **kwargs):
        past = timezone.now() - timedelta(seconds=1)
        Hold.objects.filter(pk=hold.pk).update(expires_at=past)
        EventSeat.objects.filter(hold=hold).update(held_until=past)
        forget_taken_seats()
        hold_seats(user=UserFactory(), event_id=event.id, event_seat_ids=seats)
        return charge(self, **kwargs)

    monkeypatch.setattr(
        sandbox.SandboxProvider, "confirm_intent", expire_and_lose_the_seats_then_charge
    )
    with pytest.raises(Gone):
        confirm_booking(user=buyer, hold_id=hold.id, card=card())

    [message] = smtp_server.messages
    booking = Booking.objects.get(hold=hold)
    assert booking.status == "failed"
    assert message["Subject"] == (
        f"Booking {booking.reference} did not go through: your payment is refunded"
    )
    text, html, attachments = parts(message)
    assert attachments == []
    for body in (text, html):
        assert "taken by someone else" in body and "€90.00" in body


@pytest.fixture
def failing_commit():
    """The database refuses the commit of any transaction that owes an e-mail (a deferred
    constraint trigger, checked at COMMIT): a stand-in for any failure after the booking was
    written, at the last possible moment."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION refuse_commit() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'commit refused by the test'; END $$"
        )
        cursor.execute(
            "CREATE CONSTRAINT TRIGGER refuse_commit AFTER INSERT ON bookings_bookingemail "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_commit()"
        )
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER refuse_commit ON bookings_bookingemail")
        cursor.execute("DROP FUNCTION refuse_commit()")


def test_no_email_for_a_booking_whose_transaction_rolled_back(
    smtp_server, failing_commit, event, buyer
):
    hold = hold_seats(user=buyer, event_id=event.id, quantity=2)

    with pytest.raises(DatabaseError, match="commit refused"):
        confirm_booking(user=buyer, hold_id=hold.id, card=card())

    booking = Booking.objects.get(hold=hold)
    assert booking.status == "pending" and not booking.tickets.exists()
    assert not BookingEmail.objects.exists()
    assert smtp_server.messages == []


def test_an_email_whose_task_was_lost_is_sent_by_the_sweep(smtp_server, event, buyer):
    booking = buy(buyer, event, seats=1)
    # What a broker that was away at the commit leaves: owed, never tried, a while ago.
    BookingEmail.objects.filter(booking=booking).update(
        sent_at=None, attempts=0, created_at=datetime(2020, 1, 1, tzinfo=UTC)
    )
    smtp_server.messages.clear()

    assert enqueue_forgotten_emails() == 1

    assert len(smtp_server.messages) == 1
    assert booking.reference in smtp_server.messages[0]["Subject"]
    assert enqueue_forgotten_emails() == 0, "sent: nothing is owed any more"

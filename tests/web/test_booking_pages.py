"""Hold, checkout, payment, tickets and my bookings through the pages (Django test client)."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.bookings.models import Booking, Ticket
from apps.events.models import Event
from apps.inventory import holds as inventory_holds
from apps.inventory import selectors as inventory_selectors
from apps.inventory.models import EventSeat, Hold
from apps.payments.models import Payment, SandboxCharge
from tests import factories
from tests.concurrency import run_at_once

pytestmark = pytest.mark.django_db

SUCCESS = "4242 4242 4242 4242"
DECLINE = "4000000000000002"
FLAKY = "4000000000000119"


def card(number=SUCCESS, **extra):
    return {
        "card_number": number,
        "exp_month": "12",
        "exp_year": str(timezone.now().year + 3),
        "cvc": "123",
        "name": "Ada Lovelace",
        **extra,
    }


def seat_ids(event, n):
    return [s["id"] for s in inventory_selectors.event_seat_map(event.id)][:n]


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def event():
    return factories.on_sale_event(max_seats_per_order=4)


@pytest.fixture
def buyer():
    return factories.UserFactory()


@pytest.fixture
def buyer_client(client, buyer):
    client.force_login(buyer)
    return client


@pytest.fixture
def hold(event, buyer):
    return inventory_holds.hold_seats(
        user=buyer, event_id=event.id, event_seat_ids=seat_ids(event, 2)
    )


def checkout_url(hold_id):
    return reverse("bookings:checkout", args=[hold_id])


class TestHold:
    def test_holds_the_picked_seats_and_goes_to_checkout(self, buyer_client, buyer, event):
        ids = seat_ids(event, 3)
        response = buyer_client.post(reverse("holds:create", args=[event.id]), {"seat": ids})
        hold = Hold.objects.get(user=buyer)
        assert response.status_code == 302
        assert response.url == checkout_url(hold.id)
        assert sorted(EventSeat.objects.filter(hold=hold).values_list("id", flat=True)) == ids

    def test_best_available(self, buyer_client, buyer, event):
        response = buyer_client.post(
            reverse("holds:create", args=[event.id]),
            {"mode": "best", "quantity": "2", "section": "A"},
        )
        hold = Hold.objects.get(user=buyer)
        assert response.url == checkout_url(hold.id)
        assert EventSeat.objects.filter(hold=hold).count() == 2

    def test_best_available_in_a_price_tier(self, buyer_client, buyer):
        from decimal import Decimal

        from apps.events.models import TierAssignment
        from apps.inventory.layouts import generate_seat_layout
        from apps.inventory.publishing import publish_event

        draft = factories.EventFactory()
        generate_seat_layout(venue=draft.venue, sections=["A", "B"], rows=2, seats_per_row=4)
        factories.PriceTierFactory(event=draft, name="Standard", price=Decimal("30.00"))
        premium = factories.PriceTierFactory(event=draft, name="Premium", price=Decimal("80.00"))
        TierAssignment.objects.create(event=draft, price_tier=premium, section="B")
        event = publish_event(event_id=draft.pk)
        assert "Premium — €80.00" in buyer_client.get(event.get_absolute_url()).content.decode()

        buyer_client.post(
            reverse("holds:create", args=[event.id]),
            {"mode": "best", "quantity": "2", "section": "", "price_tier": str(premium.id)},
        )
        hold = Hold.objects.get(user=buyer)
        assert set(EventSeat.objects.filter(hold=hold).values_list("seat__section", flat=True)) == {
            "B"
        }

    def test_logged_out_buyer_is_sent_to_log_in_and_then_holds_the_seats(
        self, client, event, buyer
    ):
        ids = seat_ids(event, 2)
        response = client.post(reverse("holds:create", args=[event.id]), {"seat": ids})
        assert response.status_code == 302
        url = urlsplit(response.url)
        assert url.path == reverse("accounts:login")
        back = parse_qs(url.query)["next"][0]
        assert back == f"{reverse('holds:resume', args=[event.id])}?seats={ids[0]}%2C{ids[1]}"
        client.force_login(buyer)
        page = client.get(back)  # a GET holds nothing: it shows the form that does
        assert page.status_code == 200 and "no-store" in page["Cache-Control"]
        assert not Hold.objects.exists()
        html = page.content.decode()
        assert all(f'name="seat" value="{i}"' in html for i in ids)
        held = client.post(reverse("holds:create", args=[event.id]), {"seat": ids})
        hold = Hold.objects.get(user=buyer)
        assert held.url == reverse("bookings:checkout", args=[hold.id])

    def test_logged_out_best_available_is_held_with_the_same_choice(self, client, event):
        response = client.post(
            reverse("holds:create", args=[event.id]),
            {"mode": "best", "quantity": "3", "section": "A"},
        )
        back = parse_qs(urlsplit(response.url).query)["next"][0]
        assert back == f"{reverse('holds:resume', args=[event.id])}?mode=best&quantity=3&section=A"
        client.force_login(factories.UserFactory())
        html = client.get(back).content.decode()
        for name, value in (("mode", "best"), ("quantity", "3"), ("section", "A")):
            assert f'name="{name}" value="{value}"' in html
        assert not Hold.objects.exists()

    def test_the_resume_page_without_a_choice_goes_back_to_the_event(self, buyer_client, event):
        response = buyer_client.get(reverse("holds:resume", args=[event.id]))
        assert response.url == event.get_absolute_url()

    def test_a_taken_seat_gives_a_friendly_message_and_keeps_the_rest(self, buyer_client, event):
        ids = seat_ids(event, 3)
        inventory_holds.hold_seats(
            user=factories.UserFactory(), event_id=event.id, event_seat_ids=[ids[1]]
        )
        response = buyer_client.post(
            reverse("holds:create", args=[event.id]), {"seat": ids}, follow=True
        )
        assert response.redirect_chain[-1][0] == (
            f"{event.get_absolute_url()}?seats={ids[0]}%2C{ids[2]}"
        )
        (message,) = messages_of(response)
        assert "just been taken" in message and "seat map shows what is free now" in message

    def test_too_many_seats_is_refused_by_the_service(self, buyer_client, buyer, event):
        response = buyer_client.post(
            reverse("holds:create", args=[event.id]), {"seat": seat_ids(event, 5)}, follow=True
        )
        assert messages_of(response) == ["You can hold at most 4 seats per order."]
        assert not Hold.objects.filter(user=buyer).exists()

    def test_nothing_picked(self, buyer_client, event):
        response = buyer_client.post(reverse("holds:create", args=[event.id]), {}, follow=True)
        assert messages_of(response) == ["Choose at least one seat."]

    def test_a_second_hold_leads_to_the_first(self, buyer_client, event, hold):
        response = buyer_client.post(
            reverse("holds:create", args=[event.id]), {"seat": seat_ids(event, 4)[3:]}
        )
        assert response.url == checkout_url(hold.id)

    def test_not_on_sale(self, buyer_client, event):
        Event.objects.filter(pk=event.pk).update(status=Event.Status.CANCELLED)
        response = buyer_client.post(
            reverse("holds:create", args=[event.id]), {"seat": seat_ids(event, 1)}, follow=True
        )
        assert messages_of(response) == ["Tickets for this event are not on sale now."]

    def test_unknown_event_is_404(self, buyer_client):
        assert buyer_client.post(reverse("holds:create", args=[999999])).status_code == 404

    def test_get_is_not_allowed(self, buyer_client, event):
        assert buyer_client.get(reverse("holds:create", args=[event.id])).status_code == 405


class TestCheckoutPage:
    def test_shows_seats_total_countdown_and_sandbox_cards(self, buyer_client, hold):
        response = buyer_client.get(checkout_url(hold.id))
        html = response.content.decode()
        assert response.status_code == 200
        assert f'data-expires-at="{hold.expires_at.isoformat()}"' in html
        assert "€90.00" in html
        assert "4242 4242 4242 4242" in html and "4000 0000 0000 0002" in html

    def test_another_buyers_hold_is_404(self, client, hold):
        client.force_login(factories.UserFactory())
        assert client.get(checkout_url(hold.id)).status_code == 404

    def test_logged_out_is_asked_to_log_in(self, client, hold):
        response = client.get(checkout_url(hold.id))
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login") + "?next=")

    def test_an_expired_hold_says_so(self, buyer_client, hold):
        Hold.objects.filter(pk=hold.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
        response = buyer_client.get(checkout_url(hold.id))
        html = response.content.decode()
        assert response.context["state"] == "expired"
        assert "Your hold expired" in html
        assert 'id="pay-form"' not in html

    def test_release(self, buyer_client, hold, event):
        response = buyer_client.post(reverse("holds:release", args=[hold.id]), follow=True)
        assert response.redirect_chain[-1][0] == event.get_absolute_url()
        assert messages_of(response) == ["Your seats have been released."]
        hold.refresh_from_db()
        assert hold.status == Hold.Status.RELEASED

    def test_extend(self, buyer_client, hold):
        response = buyer_client.post(reverse("holds:extend", args=[hold.id]), follow=True)
        assert messages_of(response)[0].startswith("Done: your seats are held until")
        before = hold.expires_at
        hold.refresh_from_db()
        assert hold.expires_at == before + timedelta(minutes=10)


class TestPayment:
    def test_success_leads_to_tickets_with_qr_codes(self, buyer_client, hold, buyer):
        response = buyer_client.post(checkout_url(hold.id), card())
        booking = Booking.objects.get(user=buyer)
        assert response.status_code == 302
        assert response.url == reverse("bookings:detail", args=[booking.reference])
        assert booking.status == Booking.Status.CONFIRMED

        page = buyer_client.get(response.url)
        html = page.content.decode()
        assert booking.reference in html
        assert html.count('<svg role="img"') == 2
        for ticket in Ticket.objects.filter(booking=booking):
            assert ticket.code in html
        # Once paid, the checkout link leads to the tickets, and says why.
        again = buyer_client.get(checkout_url(hold.id), follow=True)
        assert again.redirect_chain[0][0] == response.url
        assert messages_of(again)[0].startswith("You have already paid for these seats")

    def test_the_checkout_and_the_tickets_are_never_stored(self, buyer_client, hold):
        assert "no-store" in buyer_client.get(checkout_url(hold.id))["Cache-Control"]
        paid = buyer_client.post(checkout_url(hold.id), card())
        assert "no-store" in paid["Cache-Control"]
        assert "no-store" in buyer_client.get(paid.url)["Cache-Control"]

    def test_decline_keeps_the_hold_and_a_retry_charges_once(self, buyer_client, hold, buyer):
        declined = buyer_client.post(checkout_url(hold.id), card(DECLINE))
        assert declined.status_code == 402
        assert declined.context["error"] == "Your card was declined."
        assert declined.context["active"] is True

        ok = buyer_client.post(checkout_url(hold.id), card(SUCCESS))
        assert ok.status_code == 302
        assert Booking.objects.get(user=buyer).status == Booking.Status.CONFIRMED
        assert Payment.objects.filter(status=Payment.Status.SUCCEEDED).count() == 1
        assert SandboxCharge.objects.filter(status="succeeded").count() == 1

    def test_after_a_decline_the_page_still_tells_what_happened(self, buyer_client, hold):
        buyer_client.post(checkout_url(hold.id), card(DECLINE))
        page = buyer_client.get(checkout_url(hold.id))
        assert page.context["last_failure"] == "Your card was declined."

    def test_a_gateway_hiccup_is_retried_for_the_buyer(self, buyer_client, hold):
        response = buyer_client.post(checkout_url(hold.id), card(FLAKY))
        assert response.status_code == 302
        assert Payment.objects.filter(status=Payment.Status.SUCCEEDED).count() == 1
        assert SandboxCharge.objects.get().confirm_attempts == 2

    def test_invalid_card_details_are_named_per_field(self, buyer_client, hold):
        response = buyer_client.post(checkout_url(hold.id), card("1234", exp_month="13", cvc="x"))
        assert response.status_code == 400
        fields = response.context["field_errors"]
        assert set(fields) == {"card_number", "exp_month", "cvc"}
        assert 'aria-invalid="true"' in response.content.decode()
        assert not Payment.objects.exists()

    def test_the_same_form_submitted_twice_charges_once(self, buyer_client, hold, buyer):
        first = buyer_client.post(checkout_url(hold.id), card())
        again = buyer_client.post(checkout_url(hold.id), card())
        assert first.url == again.url
        assert Booking.objects.filter(user=buyer).count() == 1
        assert SandboxCharge.objects.count() == 1

    @pytest.mark.django_db(transaction=True)
    def test_a_double_click_racing_itself_charges_once(self, buyer, hold, client):
        from django.test import Client

        def submit():
            c = Client()
            c.force_login(buyer)
            return c.post(checkout_url(hold.id), card())

        outcomes = run_at_once([submit, submit])
        responses = [r for r, exc in outcomes]
        assert all(exc is None for _, exc in outcomes), outcomes
        booking = Booking.objects.get(user=buyer)
        assert booking.status == Booking.Status.CONFIRMED
        targets = {r.url for r in responses}
        # Both land on the tickets, or one follows the other through the checkout page.
        assert targets <= {
            reverse("bookings:detail", args=[booking.reference]),
            checkout_url(hold.id),
        }
        assert SandboxCharge.objects.filter(status="succeeded").count() == 1
        assert Payment.objects.filter(status=Payment.Status.SUCCEEDED).count() == 1

    def test_paying_for_an_expired_hold_is_refused_without_a_charge(self, buyer_client, hold):
        Hold.objects.filter(pk=hold.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
        response = buyer_client.post(checkout_url(hold.id), card())
        assert response.status_code == 410
        assert "nothing was charged" in response.context["error"]
        assert "Your hold expired" in response.content.decode()
        assert not SandboxCharge.objects.exists()


class TestBookingPages:
    @pytest.fixture
    def booking(self, hold, buyer):
        from apps.bookings.services import confirm_booking
        from apps.payments.providers.base import CardDetails

        return confirm_booking(
            user=buyer,
            hold_id=hold.id,
            card=CardDetails.parse(number=SUCCESS, exp_month=12, exp_year=2040, cvc="123"),
        )

    def test_my_bookings_lists_them_with_a_fixed_number_of_queries(
        self, buyer_client, booking, buyer, django_assert_num_queries
    ):
        other_event = factories.on_sale_event()
        other_hold = inventory_holds.hold_seats(user=buyer, event_id=other_event.id, quantity=3)
        from apps.bookings.services import confirm_booking
        from apps.payments.providers.base import CardDetails

        confirm_booking(
            user=buyer,
            hold_id=other_hold.id,
            card=CardDetails.parse(number=SUCCESS, exp_month=12, exp_year=2040, cvc="123"),
        )
        # session, user, count, bookings with event and venue, their tickets with seats
        with django_assert_num_queries(5):
            response = buyer_client.get(reverse("bookings:list"))
        html = response.content.decode()
        assert booking.reference in html
        assert "2 tickets" in html and "3 tickets" in html

    def test_someone_elses_booking_is_404(self, client, booking):
        client.force_login(factories.UserFactory())
        assert client.get(reverse("bookings:detail", args=[booking.reference])).status_code == 404

    def test_ticket_page_queries_are_fixed(self, buyer_client, booking, django_assert_num_queries):
        # session, user, booking with event and venue, its tickets with seats
        with django_assert_num_queries(4):
            response = buyer_client.get(reverse("bookings:detail", args=[booking.reference]))
        assert response.status_code == 200

    def test_cancel(self, buyer_client, booking):
        response = buyer_client.post(
            reverse("bookings:cancel", args=[booking.reference]), follow=True
        )
        assert response.redirect_chain[-1][0] == reverse("bookings:list")
        (message,) = messages_of(response)
        assert message.startswith(f"Booking {booking.reference} is cancelled")
        booking.refresh_from_db()
        assert booking.status == Booking.Status.CANCELLED
        # A second cancel is refused by the service with its reason.
        again = buyer_client.post(reverse("bookings:cancel", args=[booking.reference]), follow=True)
        assert messages_of(again) == ["This booking is cancelled and cannot be cancelled."]

    def test_empty_list(self, buyer_client):
        assert "No bookings yet" in buyer_client.get(reverse("bookings:list")).content.decode()


class TestPaymentInProgress:
    @pytest.fixture
    def pending(self, hold, buyer, event):
        booking = Booking.objects.create(
            user=buyer, event=event, hold=hold, total="90.00", currency="EUR"
        )
        # Another request is talking to the gateway about it right now.
        return Payment.objects.create(
            booking=booking,
            user=buyer,
            amount="90.00",
            currency="EUR",
            provider="sandbox",
            busy_until=timezone.now() + timedelta(minutes=1),
        )

    def test_the_page_waits_for_the_charge_under_way(self, buyer_client, hold, pending):
        response = buyer_client.get(checkout_url(hold.id))
        html = response.content.decode()
        assert response.context["processing"] is True
        assert '<meta http-equiv="refresh" content="2">' in html
        assert "Your payment is being processed" in html
        assert 'id="pay-form"' not in html

    def test_a_second_payment_meanwhile_follows_the_first(self, buyer_client, hold, pending):
        response = buyer_client.post(checkout_url(hold.id), card())
        assert response.status_code == 302
        assert response.url == checkout_url(hold.id)
        assert not SandboxCharge.objects.exists()

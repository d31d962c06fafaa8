"""The Stripe provider through the API, against localstripe (tests/payments/localstripe.py):
201 confirmed, 402 declined with the hold kept, 202 requires_action with a client secret, raw
card fields refused, a signed webhook confirming a 3-D Secure booking, and the breaker when the
gateway cannot be reached."""

import time

import pytest
from prometheus_client import REGISTRY
from rest_framework.test import APIClient

from apps.bookings.models import Booking
from apps.inventory.models import EventSeat, Hold
from apps.payments.models import Payment
from tests.factories import UserFactory, on_sale_event
from tests.payments.localstripe import DECLINED_AT_CHARGE, SUCCESS, THREE_D_SECURE


@pytest.fixture
def event():
    return on_sale_event(rows=1, seats_per_row=6, price="45.00")


@pytest.fixture
def api():
    client = APIClient()
    client.force_authenticate(UserFactory())
    return client


def hold_for(api, event, quantity=2):
    response = api.post("/api/v1/holds", {"event": event.id, "quantity": quantity}, format="json")
    assert response.status_code == 201
    return response.json()["id"]


def book(api, hold, payment_method, **headers):
    return api.post(
        "/api/v1/bookings",
        {"hold": hold, "payment_method": payment_method},
        format="json",
        **headers,
    )


@pytest.mark.django_db
def test_a_payment_method_that_succeeds_is_a_201_with_tickets(stripe_gateway, api, event):
    hold = hold_for(api, event)
    response = book(api, hold, stripe_gateway.payment_method(SUCCESS))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "confirmed" and len(body["tickets"]) == 2
    assert EventSeat.objects.filter(status="sold").count() == 2
    payment = Payment.objects.get()
    assert payment.provider == "stripe" and payment.intent_id.startswith("pi_")
    assert payment.status == "succeeded"


@pytest.mark.django_db
def test_a_decline_is_a_402_keeping_the_hold_then_another_card_pays(stripe_gateway, api, event):
    hold = hold_for(api, event)
    declined = book(api, hold, stripe_gateway.payment_method(DECLINED_AT_CHARGE))
    assert declined.status_code == 402, declined.json()
    assert declined.json()["code"] == "payment_declined"
    assert Hold.objects.get(pk=hold).status == "active"
    assert EventSeat.objects.filter(hold_id=hold, status="held").count() == 2

    paid = book(api, hold, stripe_gateway.payment_method(SUCCESS))
    assert paid.status_code == 201 and paid.json()["status"] == "confirmed"
    assert list(Payment.objects.order_by("created_at").values_list("status", flat=True)) == [
        "declined",
        "succeeded",
    ]


@pytest.mark.django_db
def test_three_d_secure_is_a_202_with_the_client_secret(stripe_gateway, api, event):
    hold = hold_for(api, event)
    response = book(api, hold, stripe_gateway.payment_method(THREE_D_SECURE))
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["status"] == "requires_action"
    payment = Payment.objects.get()
    assert body["client_secret"].startswith(payment.intent_id + "_secret_")
    assert payment.status == "requires_action"
    pending = api.get(f"/api/v1/bookings/{body['booking']}")
    assert pending.status_code == 200 and pending.json()["status"] == "pending"

    # The app finishes 3-D Secure with Stripe; asking again confirms the booking.
    stripe_gateway.authenticate(payment.intent_id, body["client_secret"])
    again = book(api, hold, stripe_gateway.payment_method(SUCCESS))
    assert again.status_code == 201 and again.json()["status"] == "confirmed"
    assert Payment.objects.count() == 1, "the open payment was finished, not a second one"


@pytest.mark.django_db
def test_card_fields_are_refused_with_a_400(stripe_gateway, api, event):
    hold = hold_for(api, event)
    card = {"card_number": SUCCESS, "exp_month": 12, "exp_year": 2035, "cvc": "123"}
    response = api.post("/api/v1/bookings", {"hold": hold, "payment": card}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "card_data_not_accepted"
    assert not Payment.objects.exists()


@pytest.mark.django_db
def test_an_unknown_payment_method_is_a_400(stripe_gateway, api, event):
    hold = hold_for(api, event)
    response = book(api, hold, "pm_doesnotexist")
    assert response.status_code == 400 and response.json()["code"] == "payment_method_invalid"
    assert Payment.objects.get().status == "failed", "closed: the buyer may pay again"
    assert book(api, hold, stripe_gateway.payment_method(SUCCESS)).status_code == 201


@pytest.mark.django_db(transaction=True)
def test_the_gateways_webhook_confirms_a_3ds_booking(stripe_gateway, live_server):
    """localstripe posts its signed payment_intent.succeeded to /webhooks/stripe/ once the
    buyer has passed 3-D Secure: the booking becomes confirmed with nobody asking again."""
    stripe_gateway.send_webhooks_to(live_server.url + "/webhooks/stripe/", "whsec_localstripe")
    event = on_sale_event(rows=1, seats_per_row=4)
    api = APIClient()
    api.force_authenticate(UserFactory())
    hold = hold_for(api, event, quantity=1)
    body = book(api, hold, stripe_gateway.payment_method(THREE_D_SECURE)).json()
    stripe_gateway.authenticate(Payment.objects.get().intent_id, body["client_secret"])

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if Booking.objects.get().status == "confirmed":
            break
        time.sleep(0.2)
    confirmed = api.get(f"/api/v1/bookings/{body['booking']}").json()
    assert confirmed["status"] == "confirmed" and len(confirmed["tickets"]) == 1


@pytest.mark.django_db
def test_an_unreachable_gateway_opens_the_breaker_and_it_recovers(
    stripe_gateway, settings, api, event
):
    knobs = settings.TICKETING | {"PAYMENT_BREAKER_FAILURES": 3, "PAYMENT_BREAKER_SECONDS": 0.5}
    port = stripe_gateway.port
    settings.TICKETING = knobs | {
        "STRIPE_API_BASE": "http://127.0.0.1:9",
        "PAYMENT_GATEWAY_TIMEOUT": 1,
    }
    from apps.payments.providers.base import get_provider

    get_provider.cache_clear()
    hold = hold_for(api, event)
    pm = stripe_gateway.payment_method(SUCCESS)

    started = time.monotonic()
    first = book(api, hold, pm)
    assert first.status_code == 503 and first.json()["code"] == "payment_unavailable"
    assert time.monotonic() - started < 3 * 1 + 1, "within the timeouts"
    assert REGISTRY.get_sample_value("ticketing_payment_breaker_open") == 1
    assert Hold.objects.get(pk=hold).status == "active", "the hold is kept"

    started = time.monotonic()
    second = book(api, hold, pm)
    assert second.status_code == 503 and time.monotonic() - started < 0.5, "fails fast"

    settings.TICKETING = knobs | {"STRIPE_API_BASE": f"http://127.0.0.1:{port}"}
    get_provider.cache_clear()
    time.sleep(0.6)
    third = book(api, hold, pm)
    assert third.status_code == 201, third.json()
    assert REGISTRY.get_sample_value("ticketing_payment_breaker_open") == 0
    assert list(Payment.objects.order_by("created_at").values_list("status", flat=True)) == [
        "failed",
        "failed",
        "succeeded",
    ]


@pytest.mark.django_db
def test_a_crash_after_stripe_charged_is_finished_by_the_retry_without_a_second_charge(
    stripe_gateway, settings, api, event
):
    from apps.payments.providers.base import get_provider
    from tests.payments.faults import Crash, StripeThatDies

    path = f"{StripeThatDies.__module__}.{StripeThatDies.__name__}"
    settings.TICKETING = {**settings.TICKETING, "PAYMENT_PROVIDER": path}
    get_provider.cache_clear()
    hold = hold_for(api, event)
    pm = stripe_gateway.payment_method(SUCCESS)
    StripeThatDies.die_after_confirm = True
    with pytest.raises(Crash):
        book(api, hold, pm)
    payment = Payment.objects.get()
    assert payment.status == "pending" and payment.intent_id

    again = book(api, hold, pm)  # the app retries: Stripe is asked, not confirmed again

    assert again.status_code == 201, again.json()
    assert Payment.objects.get().status == "succeeded"
    charges = stripe_gateway.charges_of(payment.intent_id)
    assert len(charges) == 1 and charges[0]["status"] == "succeeded"


@pytest.mark.django_db
def test_refunding_one_ticket_refunds_only_its_price_at_stripe(stripe_gateway, api, event):
    import stripe
    from django.conf import settings

    from apps.bookings.staff_refunds import refund_tickets
    from apps.payments.models import Refund

    body = book(api, hold_for(api, event), stripe_gateway.payment_method(SUCCESS)).json()
    booking = Booking.objects.get(reference=body["reference"])
    first = booking.tickets.order_by("id").first()
    done = refund_tickets(
        reference=booking.reference, ticket_ids=[first.pk], staff_user=UserFactory()
    )
    assert done.refund.status == Refund.Status.SUCCEEDED, done.refund.last_error
    client = stripe.StripeClient(
        settings.TICKETING["STRIPE_SECRET_KEY"], base_addresses={"api": stripe_gateway.url}
    )
    intent = client.v1.payment_intents.retrieve(Payment.objects.get().intent_id)
    refunds = client.v1.refunds.list({"payment_intent": intent.id})
    assert [r.amount for r in refunds.data] == [4500]  # 45.00 EUR of the 90.00 paid

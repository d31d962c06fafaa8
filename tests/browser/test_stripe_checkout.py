"""Checkout with Stripe in Chromium, against localstripe's Stripe.js (served by localstripe at
/js.stripe.com/v3/, set as STRIPE_JS_URL): the card goes into Stripe.js's field, the page
pays and shows the tickets, and no card field is ever posted to the shop."""

import re
from urllib.parse import parse_qs

import pytest
from playwright.sync_api import expect

from apps.inventory import holds as inventory_holds
from apps.payments.models import Payment
from tests import factories

pytestmark = pytest.mark.browser

CARD_FIELDS = {"card_number", "number", "cvc", "exp_month", "exp_year"}


def watch_posts_to_the_shop(page, base_url) -> list[dict]:
    """Every form or fetch body the page sends to the shop, parsed."""
    sent = []

    def record(request):
        if request.method == "POST" and request.url.startswith(base_url):
            sent.append({"url": request.url, "body": request.post_data or ""})

    page.on("request", record)
    return sent


def type_card(page, number):
    element = page.get_by_test_id("card-element")
    element.get_by_placeholder("number").fill(number)
    element.get_by_placeholder("exp_month").fill("12")
    element.get_by_placeholder("exp_year").fill("35")
    element.get_by_placeholder("cvc").fill("123")
    element.get_by_placeholder("postal_code").fill("75001")


def assert_no_card_data(sent, number):
    assert sent, "the page posted to the shop"
    for post in sent:
        fields = parse_qs(post["body"])
        assert not CARD_FIELDS & set(fields), post
        assert number not in post["body"], post
        assert set(fields) <= {"csrfmiddlewaretoken", "payment_method"}, post


@pytest.fixture
def checkout(stripe_gateway, browsers):
    event = factories.on_sale_event(title="Stripe Night", rows=2, seats_per_row=6)
    buyer = factories.UserFactory()
    hold = inventory_holds.hold_seats(user=buyer, event_id=event.id, quantity=2)
    page = browsers.page(buyer)
    sent = watch_posts_to_the_shop(page, browsers.base_url)
    page.goto(f"/bookings/checkout/{hold.id}/")
    expect(page.get_by_test_id("card-element").get_by_placeholder("number")).to_be_visible()
    return page, sent


def test_paying_with_stripe_js_shows_the_tickets_and_posts_no_card(checkout, artifacts):
    page, sent = checkout
    expect(page.get_by_test_id("test-cards")).to_have_count(0)
    type_card(page, "4242424242424242")
    page.screenshot(path=str(artifacts / "stripe-checkout.png"), full_page=True)
    page.get_by_test_id("pay-button").click()
    expect(page).to_have_url(re.compile(r"/bookings/TK-[A-Z0-9]{8}/$"))
    expect(page.get_by_test_id("ticket")).to_have_count(2)
    assert Payment.objects.get().status == "succeeded"
    assert_no_card_data(sent, "4242424242424242")
    assert any(parse_qs(p["body"]).get("payment_method", [""])[0].startswith("card_") for p in sent)


def test_three_d_secure_is_finished_by_stripe_js(checkout):
    page, sent = checkout
    type_card(page, "4000000000003220")
    page.get_by_test_id("pay-button").click()
    # localstripe's Stripe.js shows its 3-D Secure challenge.
    page.get_by_role("button", name="Complete authentication").click()
    expect(page).to_have_url(re.compile(r"/bookings/TK-[A-Z0-9]{8}/$"))
    expect(page.get_by_test_id("ticket")).to_have_count(2)
    assert Payment.objects.count() == 1 and Payment.objects.get().status == "succeeded"
    assert_no_card_data(sent, "4000000000003220")

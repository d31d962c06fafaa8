"""No broken links: every link, form and asset on the buyer pages leads somewhere."""

import re
from html import unescape
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.urls import Resolver404, resolve, reverse

from apps.bookings.services import confirm_booking
from apps.inventory import holds as inventory_holds
from apps.payments.providers.base import CardDetails
from tests import factories

pytestmark = pytest.mark.django_db

LINK = re.compile(r'(?:href|src|action)="([^"#]*)"')


def local_links(html: str) -> set[str]:
    return {unescape(u) for u in LINK.findall(html) if u.startswith("/")}


def test_every_link_on_the_buyer_pages_works(client):
    event = factories.on_sale_event()
    other = factories.on_sale_event()
    buyer = factories.UserFactory()
    paid = inventory_holds.hold_seats(user=buyer, event_id=event.id, quantity=2)
    booking = confirm_booking(
        user=buyer,
        hold_id=paid.id,
        card=CardDetails.parse(number="4242424242424242", exp_month=1, exp_year=2040, cvc="123"),
    )
    open_hold = inventory_holds.hold_seats(user=buyer, event_id=other.id, quantity=1)

    anonymous = [
        "/",
        event.get_absolute_url(),
        reverse("accounts:login"),
        reverse("accounts:signup"),
        "/missing-page/",
    ]
    logged_in = [
        "/",
        event.get_absolute_url(),
        reverse("bookings:checkout", args=[open_hold.id]),
        reverse("bookings:detail", args=[booking.reference]),
        reverse("bookings:list"),
    ]

    checked = set()
    for user, pages in ((None, anonymous), (buyer, logged_in)):
        client.logout()
        if user:
            client.force_login(user)
        for page in pages:
            response = client.get(page)
            assert response.status_code in (200, 404), page
            for url in local_links(response.content.decode()) - checked:
                checked.add(url)
                path = urlsplit(url).path
                if path.startswith("/static/"):
                    assert finders.find(path.removeprefix("/static/")), url
                    continue
                try:
                    resolve(path)
                except Resolver404:
                    pytest.fail(f"{page} links to {url}, which leads nowhere")
                if "/hold/" in path or path.endswith(
                    ("/cancel/", "/release/", "/extend/", "/logout/")
                ):
                    continue  # POST-only actions: resolving is the check
                status = client.get(url).status_code
                assert status in (200, 302), f"{page} -> {url}: {status}"
    assert any(u.startswith("/static/css/") for u in checked)
    assert any(u.startswith("/static/js/seatmap") for u in checked)

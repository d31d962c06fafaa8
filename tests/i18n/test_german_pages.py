"""German, end to end (issue 16, item 9): every page of the shop and every e-mail, asked for
with `Accept-Language: de`, is German: none of the catalogue's messages is left in English,
amounts and dates are written the German way, and the API's errors keep their `code` while
their `detail` is German."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import timezone

from apps.bookings import refund_notice
from apps.bookings.models import Booking, BookingEmail
from apps.bookings.notifications import build_booking_email
from apps.bookings.services import confirm_booking
from apps.bookings.staff_refunds import refund_tickets
from apps.inventory import holds
from apps.payments.providers.base import CardDetails
from apps.waitingroom import services as rooms
from tests import factories
from tests.checkin.helpers import door_steward

from .german import english_left, read_text

pytestmark = pytest.mark.django_db

GERMAN = {"HTTP_ACCEPT_LANGUAGE": "de-DE,de;q=0.9,en;q=0.5"}
CARD = CardDetails.parse(number="4242424242424242", exp_month=1, exp_year=2040, cvc="123")

# Addresses no reader sees as a page: answers to a POST (they redirect to a page checked
# here), files, JSON, and the machine endpoints.
NOT_PAGES = {
    "set_language": "POST only, redirects back",
    "javascript-catalog": "the scripts' catalogue (checked in test_the_scripts_get_german)",
    "healthz": "for the load balancer",
    "readyz": "for the load balancer",
    "prometheus-django-metrics": "for Prometheus",
    "payment-webhook": "for the gateway",
    "schema": "the OpenAPI document",
    "api-docs": "Swagger UI, for developers",
    "accounts:logout": "POST only",
    "accounts:password-change": "POST only, answers on the account page",
    "accounts:email-change": "POST only, answers on the account page",
    "holds:create": "POST only, redirects to the checkout",
    "holds:release": "POST only",
    "holds:extend": "POST only",
    "bookings:cancel": "POST only",
    "bookings:tickets-pdf": "the PDF (checked in test_the_tickets_pdf_is_german)",
    "waitingroom:join": "POST only",
    "waitingroom:status": "JSON for the room's script",
}


@pytest.fixture
def shop(db, settings):
    settings.SITE_URL = "http://testserver"
    event = factories.on_sale_event(title="Abendkonzert", price="80.00")
    standing = factories.standing_event(title="Clubnacht", seated_sections=("A",))
    buyer = factories.UserFactory()
    paid = holds.hold_seats(user=buyer, event_id=event.id, quantity=2)
    booking = confirm_booking(user=buyer, hold_id=paid.id, card=CARD)
    open_hold = holds.hold_seats(user=buyer, event_id=standing.id, quantity=1)
    room_event = factories.on_sale_event(title="Großer Ansturm")
    rooms.configure_room(
        event_id=room_event.pk,
        enabled=True,
        opens_at=timezone.now() + timedelta(hours=1),
        admission_per_minute=60,
        pass_minutes=10,
        paused=False,
        draw_seed=None,
    )
    return {
        "event": event,
        "standing": standing,
        "room_event": room_event,
        "buyer": buyer,
        "booking": booking,
        "open_hold": open_hold,
        "staff": factories.UserFactory(is_staff=True, is_superuser=True),
        "door": door_steward(),
    }


def german_client(user=None) -> Client:
    client = Client(**GERMAN)
    if user is not None:
        client.force_login(user)
    return client


# Django's admin search box has an image whose alt text is "Search" in its template itself,
# untranslated in every language (django/contrib/admin/templates/admin/search_form.html).
DJANGO_ADMIN_ENGLISH = {"Search"}


def assert_german_page(client, url, status=200, allowed=frozenset()):
    response = client.get(url)
    assert response.status_code == status, url
    html = response.content.decode()
    assert re.search(r'<html[^>]* lang="de"', html), url
    left = [message for message in english_left(read_text(html)) if message not in allowed]
    assert left == [], f"{url} shows in English: {left}"
    return html


def buyer_pages(shop):
    event, booking = shop["event"], shop["booking"]
    return [
        reverse("events:list"),
        reverse("events:list") + "?q=konzert",
        reverse("events:detail", args=[event.slug]),
        reverse("events:detail", args=[shop["standing"].slug]),
        reverse("bookings:list"),
        reverse("bookings:detail", args=[booking.reference]),
        reverse("bookings:checkout", args=[shop["open_hold"].id]),
        reverse("holds:resume", args=[event.id]) + "?mode=best&quantity=2",
        reverse("accounts:account"),
        reverse("waitingroom:room", args=[shop["room_event"].id]),
    ]


def anonymous_pages(shop):
    return [
        reverse("events:list"),
        reverse("events:detail", args=[shop["event"].slug]),
        reverse("accounts:login"),
        reverse("accounts:signup"),
        reverse("accounts:password-reset"),
        reverse("accounts:password-reset-sent"),
    ]


def staff_pages(shop):
    event, booking = shop["event"], shop["booking"]
    pages = [
        reverse("admin:index"),
        reverse("admin:events_event_sales", args=[event.id]),
        reverse("admin:events_event_lock_contention", args=[event.id]),
        reverse("admin:events_venue_layout", args=[event.venue_id]),
        reverse("admin:bookings_booking_refund", args=[booking.id]),
        reverse("admin:events_event_change", args=[event.id]),
        reverse("admin:events_venue_change", args=[event.venue_id]),
        reverse("admin:bookings_booking_change", args=[booking.id]),
    ]
    for model in (
        "events_event",
        "events_venue",
        "bookings_booking",
        "bookings_ticket",
        "inventory_hold",
        "inventory_seat",
        "inventory_eventseat",
        "inventory_lockstat",
        "payments_payment",
        "payments_refund",
        "payments_paymentneedingattention",
        "payments_webhookevent",
        "payments_sandboxcharge",
        "checkin_checkin",
        "waitingroom_waitingroom",
        "accounts_user",
    ):
        pages.append(reverse(f"admin:{model}_changelist"))
    pages += [reverse("admin:events_event_add"), reverse("admin:events_venue_add")]
    return pages


def door_pages(shop):
    return [reverse("checkin:events"), reverse("checkin:scanner", args=[shop["event"].id])]


def test_every_buyer_page_is_german(shop):
    client = german_client(shop["buyer"])
    for url in buyer_pages(shop):
        assert_german_page(client, url)
    detail = assert_german_page(
        client, reverse("bookings:detail", args=[shop["booking"].reference])
    )
    assert "160,00\xa0€" in detail  # two seats at 80 €, as German writes it


def test_every_anonymous_page_is_german(shop):
    client = german_client()
    for url in anonymous_pages(shop):
        assert_german_page(client, url)
    assert_german_page(client, "/no-such-page/", status=404)
    # A made-up reset link: the page that says it does not work.
    assert_german_page(
        client, reverse("accounts:password-reset-confirm", args=["MQ", "not-a-token"]), status=400
    )


def test_every_staff_page_is_german(shop):
    client = german_client(shop["staff"])
    # The staff groups' names are data (apps/backoffice/staff_groups.py), like an event's title.
    groups = set(Group.objects.values_list("name", flat=True))
    for url in staff_pages(shop):
        assert_german_page(client, url, allowed=DJANGO_ADMIN_ENGLISH | groups)
    door = german_client(shop["door"])
    for url in door_pages(shop):
        assert_german_page(door, url)


def test_the_pages_checked_are_every_page_of_the_shop(shop):
    """A new page must be added above (or to NOT_PAGES, saying why)."""
    visited = {
        name
        for url in buyer_pages(shop)
        + anonymous_pages(shop)
        + door_pages(shop)
        + [reverse("accounts:password-reset-confirm", args=["MQ", "not-a-token"])]
        for name in [_view_name(url)]
    }
    named = set()
    for pattern_name in _shop_url_names(get_resolver()):
        named.add(pattern_name)
    missing = named - visited - set(NOT_PAGES)
    assert missing == set()


def _view_name(url):
    from django.urls import resolve

    return resolve(url.split("?")[0]).view_name


def _shop_url_names(resolver, namespace=None):
    from django.urls import URLResolver

    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin" or str(pattern.pattern).startswith("api/"):
                continue  # the admin's pages: test_every_staff_page_is_german; the API below
            yield from _shop_url_names(pattern, pattern.namespace or namespace)
        elif pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_the_switcher_changes_the_language_of_the_next_page(shop):
    client = Client()  # the browser says nothing of its language: English
    page = client.get(reverse("events:list")).content.decode()
    assert 'lang="en"' in page
    response = client.post(
        reverse("set_language"), {"language": "de", "next": reverse("events:list")}
    )
    assert response.status_code == 302
    assert 'lang="de"' in client.get(reverse("events:list")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert 'lang="en"' in client.get(reverse("events:list")).content.decode()


def test_the_scripts_get_german(shop):
    german = Client().get(reverse("javascript-catalog") + "?l=de", **GERMAN).content.decode()
    english = Client().get(reverse("javascript-catalog") + "?l=en").content.decode()
    # The catalogue is JSON inside the script: "ü" is written \u00fc.
    assert '"Stage": "B\\u00fchne"' in german
    assert "B\\u00fchne" not in english


def test_api_errors_keep_their_code_and_speak_german(shop, api_client):
    api_client.force_authenticate(shop["buyer"])
    asks = [
        ("post", "/api/v1/holds", {"event": shop["event"].id, "seats": []}),
        ("post", "/api/v1/holds", {"event": 999999, "quantity": 2}),
        ("post", "/api/v1/holds", {"event": shop["standing"].id, "area": "Nowhere", "quantity": 1}),
        ("get", "/api/v1/bookings/NOSUCHREF", None),
    ]
    for method, url, body in asks:
        english = getattr(api_client, method)(url, body, format="json")
        german = getattr(api_client, method)(url, body, format="json", **GERMAN)
        assert german.status_code == english.status_code, url
        assert german.json()["code"] == english.json()["code"], url
        assert german.json()["detail"] != english.json()["detail"], (url, german.json())
        assert english_left(german.json()["detail"]) == [], german.json()


def test_every_booking_email_is_german(shop):
    booking = shop["booking"]
    assert booking.language == "en"  # confirmed above without a request: the default
    Booking.objects.filter(pk=booking.pk).update(language="de")
    for kind in BookingEmail.Kind.values:
        message = build_booking_email(booking.pk, kind)
        html = message.alternatives[0][0]
        for text in (message.subject, message.body, read_text(html)):
            assert english_left(text) == [], (kind, text)
        assert "160,00\xa0€" in message.body or kind != BookingEmail.Kind.CONFIRMATION


def test_a_booking_made_in_german_is_written_to_in_german(shop):
    client = german_client(shop["buyer"])
    hold = holds.hold_seats(user=shop["buyer"], event_id=shop["event"].id, quantity=1)
    response = client.post(
        reverse("bookings:checkout", args=[hold.id]),
        {"card_number": "4242 4242 4242 4242", "exp_month": "1", "exp_year": "2040", "cvc": "123"},
    )
    assert response.status_code == 302
    booking = Booking.objects.get(hold_id=hold.id)
    assert booking.language == "de"
    message = build_booking_email(booking.pk, BookingEmail.Kind.CONFIRMATION)
    assert english_left(message.body) == []
    assert "Ihre Tickets" in message.subject


@pytest.mark.django_db(transaction=True)
def test_the_refund_notice_is_german(shop):
    booking = shop["booking"]
    Booking.objects.filter(pk=booking.pk).update(language="de")
    ticket = booking.tickets.first()
    done = refund_tickets(
        reference=booking.reference, ticket_ids=[ticket.pk], staff_user=shop["staff"]
    )
    message = refund_notice.refund_message(Booking.objects.get(pk=booking.pk), done.refund)
    for text in (message.subject, message.body, read_text(message.alternatives[0][0])):
        assert english_left(text) == [], text
    assert "Erstattung" in message.subject


def test_the_account_emails_are_german_though_the_worker_sends_them(
    shop, django_capture_on_commit_callbacks
):
    client = german_client(shop["buyer"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password-reset"), {"email": shop["buyer"].email})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("accounts:email-change"),
            {"email": "neu@example.org", "current_password": factories.DEFAULT_PASSWORD},
        )
    reset, changed = mail.outbox
    for message in (reset, changed):
        for text in (message.subject, message.body, read_text(message.alternatives[0][0])):
            assert english_left(text) == [], text
    assert "Passwort" in reset.subject

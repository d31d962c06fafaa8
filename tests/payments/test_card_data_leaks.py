"""The secret-leak test: card numbers typed into the sandbox flow (page and API, paid,
declined, and one request that fails with a 500 reported to Sentry) appear in no log line, no
Sentry event (captured by a test transport) and no database table."""

import logging

import pytest
import sentry_sdk
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from apps.inventory.holds import hold_seats
from tests.factories import UserFactory, on_sale_event
from ticketing.sentry import init_sentry

CARDS = ["4242424242424242", "4000000000000002", "4111111111111111"]
CVC = "987"


def leaked(text: str) -> list[str]:
    compact = text.replace(" ", "").replace("-", "")
    return [number for number in CARDS if number in compact]


@pytest.fixture
def sentry_events():
    """sentry_sdk set up as the settings do with a DSN, its transport replaced by a list."""
    init_sentry("https://public@errors.example.com/1")
    sent = []
    sentry_sdk.get_client().transport.capture_envelope = sent.append
    yield sent
    sentry_sdk.init(dsn=None)  # an inactive client for the rest of the session


def form(number):
    return {"card_number": number, "exp_month": "12", "exp_year": "2035", "cvc": CVC}


@pytest.mark.django_db
def test_a_card_number_reaches_no_log_no_error_report_and_no_table(
    faulty_gateway, sentry_events, caplog, capfd
):
    caplog.set_level(logging.DEBUG)
    event = on_sale_event(rows=1, seats_per_row=8)
    buyer = UserFactory()
    page = Client(raise_request_exception=False)
    page.force_login(buyer)

    hold = hold_seats(user=buyer, event_id=event.id, quantity=1)
    url = f"/bookings/checkout/{hold.id}/"
    assert page.post(url, form("4111 1111 1111 1111")).status_code == 402
    assert page.post(url, form("4000 0000 0000 0002")).status_code == 402
    faulty_gateway.explode_on_confirm = True
    assert page.post(url, form("4242 4242 4242 4242")).status_code == 500
    faulty_gateway.explode_on_confirm = False
    assert page.post(url, form("4242 4242 4242 4242")).status_code == 302

    api = APIClient()
    api.force_authenticate(buyer)
    other = hold_seats(user=buyer, event_id=on_sale_event(rows=1, seats_per_row=2).id, quantity=1)
    card = {"card_number": CARDS[0], "exp_month": 12, "exp_year": 2035, "cvc": CVC}
    response = api.post(
        "/api/v1/bookings",
        {"hold": str(other.id), "payment": card},
        format="json",
        HTTP_IDEMPOTENCY_KEY="leak-test",
    )
    assert response.status_code == 201
    sentry_sdk.flush()

    assert sentry_events, "the 500 was reported"
    reports = "".join(
        item.get_bytes().decode("utf-8", "replace")
        for envelope in sentry_events
        for item in envelope.items
    )
    assert "unexpected answer from the gateway" in reports
    assert leaked(reports) == [], "in a Sentry event"
    assert f'"cvc": "{CVC}"' not in reports

    out, err = capfd.readouterr()
    assert leaked(caplog.text + out + err) == [], "in a log line"

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        )
        tables = [row[0] for row in cursor.fetchall()]
        for table in tables:
            cursor.execute(f'SELECT t::text FROM "{table}" t')  # noqa: S608 - names from the DB
            rows = " ".join(row[0] for row in cursor.fetchall())
            assert leaked(rows) == [], f"in table {table}"

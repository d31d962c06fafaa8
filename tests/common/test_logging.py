"""Logs: a request id on every line and in the X-Request-ID response header, JSON or plain as
configured, and the services' decisions carrying event, hold and booking ids."""

import io
import json
import logging
import re
from unittest import mock

import pytest
from django.conf import settings
from django.utils.module_loading import import_string

from apps.bookings.services import cancel_booking, confirm_booking
from apps.inventory.holds import extend_hold, hold_seats, release_hold
from apps.payments.providers.base import CardDetails
from tests.factories import UserFactory, on_sale_event

pytestmark = pytest.mark.django_db


def console_handler(fmt: str) -> tuple[logging.Handler, io.StringIO]:
    """A handler built exactly as settings.LOGGING builds "console", writing to a buffer."""
    config = settings.LOGGING
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    for name in config["handlers"]["console"]["filters"]:
        filter_config = dict(config["filters"][name])
        handler.addFilter(import_string(filter_config.pop("()"))(**filter_config))
    formatter_config = dict(config["formatters"][fmt])
    factory = formatter_config.pop("()", None)
    if factory:
        handler.setFormatter(import_string(factory)(fmt=formatter_config["format"]))
    else:
        handler.setFormatter(logging.Formatter(formatter_config["format"]))
    return handler, stream


@pytest.fixture
def json_logs():
    handler, stream = console_handler("json")
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines() if line]
    root.removeHandler(handler)
    root.setLevel(previous)


def test_every_response_carries_a_request_id(client):
    response = client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    other = client.get("/healthz")
    assert other["X-Request-ID"] != response["X-Request-ID"]


def test_a_sane_incoming_request_id_is_kept_and_a_strange_one_replaced(client):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="lb-42.a_b").headers["X-Request-ID"] == (
        "lb-42.a_b"
    )
    replaced = client.get("/healthz", HTTP_X_REQUEST_ID="<script>\n").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", replaced)


def test_log_lines_of_a_request_carry_its_id_as_json(buyer_client, buyer, json_logs):
    event = on_sale_event(rows=1, seats_per_row=4)
    seat = event.event_seats.order_by("id").values_list("id", flat=True).first()
    response = buyer_client.post(
        "/api/v1/holds",
        {"event": event.id, "seats": [seat]},
        format="json",
        HTTP_X_REQUEST_ID="req-hold-1",
    )
    assert response.status_code == 201, response.content
    assert response["X-Request-ID"] == "req-hold-1"
    lines = json_logs()
    created = [line for line in lines if line["message"].startswith("hold created")]
    assert len(created) == 1
    line = created[0]
    assert line["request_id"] == "req-hold-1"
    assert line["levelname"] == "INFO" and line["name"] == "apps.inventory.holds"
    assert f"hold={response.json()['id']}" in line["message"]
    assert f"event={event.id}" in line["message"]
    # Outside a request, the id is a dash rather than missing.
    logging.getLogger("apps.test").info("outside")
    assert json_logs()[-1]["request_id"] == "-"


def test_plain_lines_show_the_request_id_too(client):
    handler, stream = console_handler("plain")
    logger = logging.getLogger("apps.common.health")
    logger.addHandler(handler)
    try:
        # readyz logs when a dependency is down; make the cache fail for this request.
        with mock.patch("apps.common.health.cache.set", side_effect=RuntimeError("down")):
            response = client.get("/readyz", HTTP_X_REQUEST_ID="plain-7")
    finally:
        logger.removeHandler(handler)
    assert response.status_code == 503
    assert re.search(
        r" WARNING apps\.common\.health \[plain-7\] readiness check failed", stream.getvalue()
    )


def test_the_services_log_their_decisions_with_ids(caplog):
    caplog.set_level(logging.INFO)
    event = on_sale_event(rows=1, seats_per_row=4)
    seats = list(event.event_seats.order_by("id").values_list("id", flat=True))
    buyer = UserFactory()
    card = CardDetails.parse(number="4242424242424242", exp_month=12, exp_year=2030, cvc="123")

    first = hold_seats(user=buyer, event_id=event.id, event_seat_ids=[seats[0]])
    extend_hold(user=buyer, hold_id=first.id)
    release_hold(user=buyer, hold_id=first.id)
    hold = hold_seats(user=buyer, event_id=event.id, event_seat_ids=[seats[1]])
    booking = confirm_booking(user=buyer, hold_id=hold.id, card=card)
    cancel_booking(user=buyer, reference=booking.reference)

    messages = [r.getMessage() for r in caplog.records]

    def logged(prefix, *parts):
        matches = [m for m in messages if m.startswith(prefix)]
        assert matches, f"no log line starting with {prefix!r} in {messages}"
        assert any(all(p in m for p in parts) for m in matches), (prefix, parts, matches)

    logged("hold created", f"hold={first.id}", f"event={event.id}")
    logged("hold extended", f"hold={first.id}", f"event={event.id}")
    logged("hold released", f"hold={first.id}", f"event={event.id}")
    logged(
        "booking confirmed", f"booking={booking.reference}", f"event={event.id}", f"hold={hold.id}"
    )
    logged("booking cancelled", f"booking={booking.reference}", f"event={event.id}")

"""/metrics: the shop's own Prometheus metrics move with what the services do, next to
django-prometheus' request, database and cache metrics; closed in production unless the
scraper's address is listed."""

import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from apps.bookings.services import confirm_booking
from apps.common.errors import Conflict
from apps.inventory.holds import hold_seats
from apps.inventory.models import EventSeat
from apps.payments.providers.base import CardDetails
from tests.factories import UserFactory, on_sale_event

pytestmark = pytest.mark.django_db


def scrape(client) -> dict[tuple, float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_a_hold_and_a_booking_show_in_the_shops_metrics(client):
    event = on_sale_event(rows=1, seats_per_row=4)
    seats = list(event.event_seats.order_by("id").values_list("id", flat=True))
    buyer, rival = UserFactory(), UserFactory()
    before = scrape(client)

    hold = hold_seats(user=buyer, event_id=event.id, event_seat_ids=seats[:2])
    # Sold a moment ago by another process: this one learns it under the locks.
    EventSeat.objects.filter(pk=seats[2]).update(status=EventSeat.Status.SOLD)
    with pytest.raises(Conflict):
        hold_seats(user=rival, event_id=event.id, event_seat_ids=seats[2:4])
    card = CardDetails.parse(number="4242424242424242", exp_month=12, exp_year=2030, cvc="123")
    confirm_booking(user=buyer, hold_id=hold.id, card=card)
    after = scrape(client)

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("ticketing_holds_created_total", mode="chosen") == 1
    assert moved("ticketing_holds_failed_total", reason="seats_unavailable") == 1
    assert moved("ticketing_seat_lock_outcomes_total", outcome="acquired") == 4
    assert moved("ticketing_seat_lock_wait_seconds_count") == 2
    assert moved("ticketing_seat_lock_wait_seconds_bucket", le="+Inf") == 2
    assert moved("ticketing_bookings_confirmed_total") == 1
    assert moved("ticketing_payments_total", outcome="succeeded") == 1
    # Documented families exist even before anything happened to them.
    names = {name for name, _ in after}
    for family in (
        "ticketing_holds_expired_total",
        "ticketing_holds_released_total",
        "ticketing_bookings_cancelled_total",
        "ticketing_idempotent_replays_total",
    ):
        assert family in names


def test_django_prometheus_reports_requests_database_and_cache(client):
    client.get("/healthz")
    client.get("/readyz")  # touches the database and the cache
    samples = scrape(client)
    names = {name for name, _ in samples}
    assert (
        value(
            samples,
            "django_http_requests_total_by_view_transport_method_total",
            view="healthz",
            transport="http",
            method="GET",
        )
        >= 1
    )
    assert "django_http_requests_latency_seconds_by_view_method_bucket" in names
    assert any(n.startswith("django_db_execute_total") for n in names)
    assert any(n.startswith("django_cache_") for n in names)


def test_metrics_are_closed_in_production_unless_the_address_is_listed(
    client, settings, monkeypatch
):
    settings.METRICS_PUBLIC = False
    monkeypatch.delenv("METRICS_ALLOWED_IPS", raising=False)
    assert client.get("/metrics").status_code == 403
    monkeypatch.setenv("METRICS_ALLOWED_IPS", "10.0.0.9, 127.0.0.1")
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.9").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.10").status_code == 403


def test_production_settings_close_metrics_and_log_json():
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "ticketing.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "JWT_SIGNING_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "tickets.example.com",
    }
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; "
            "print(settings.METRICS_PUBLIC, settings.LOGGING['handlers']['console']['formatter'])",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert out.stdout.split() == ["False", "json"]

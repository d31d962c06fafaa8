"""The embedded default that `make run` serves (no DATABASE_URL, no REDIS_URL: SQLite and local
memory). The hold engine has SQLite branches where PostgreSQL gets hand-written statements;
they run here for real, in a process of their own with its own database file."""

from tests.processes import ROOT, run_python

JOURNEY = """
from datetime import timedelta

import django

django.setup()
from django.core.management import call_command
from django.utils import timezone

call_command("migrate", verbosity=0)
call_command("seed_demo", verbosity=0)

from apps.accounts.models import User
from apps.bookings.services import confirm_booking
from apps.common.errors import ShopError
from apps.events.models import Event
from apps.inventory.models import EventSeat, Hold
from apps.inventory.holds import expire_holds, hold_seats
from apps.payments.providers.base import CardDetails


def refused(**kwargs):
    try:
        hold_seats(event_id=event.id, **kwargs)
    except ShopError as exc:
        return exc.code
    raise AssertionError(f"not refused: {kwargs}")


event = Event.objects.filter(status="on_sale").order_by("id").first()
ids = list(event.event_seats.order_by("id").values_list("id", flat=True)[:4])
ann = User.objects.create_user(email="ann@example.com", password="x-Passw0rd-long")
bob = User.objects.create_user(email="bob@example.com", password="x-Passw0rd-long")

first = hold_seats(user=ann, event_id=event.id, event_seat_ids=ids[:2])
assert [line["id"] for line in first.seat_lines] == ids[:2], first.seat_lines
assert refused(user=bob, event_seat_ids=ids[1:3]) == "seats_unavailable"
assert refused(user=ann, event_seat_ids=ids[2:3]) == "active_hold_exists"
best = hold_seats(user=bob, event_id=event.id, quantity=2)
assert len(best.seat_lines) == 2 and not set(ids[:2]) & {s["id"] for s in best.seat_lines}

# Ann's hold runs out unswept; she can hold the same seats again at once.
past = timezone.now() - timedelta(seconds=5)
Hold.objects.filter(pk=first.pk).update(expires_at=past)
EventSeat.objects.filter(hold_id=first.pk).update(held_until=past)
again = hold_seats(user=ann, event_id=event.id, event_seat_ids=ids[:2])
first.refresh_from_db()
assert first.status == "expired", first.status

card = CardDetails.parse(number="4242424242424242", exp_month=12, exp_year=2030, cvc="123")
booking = confirm_booking(user=ann, hold_id=again.id, card=card)
assert booking.status == "confirmed", booking.status
assert EventSeat.objects.filter(id__in=ids[:2], status="sold").count() == 2

Hold.objects.filter(pk=best.pk).update(expires_at=past)
assert expire_holds() == 1
assert not EventSeat.objects.filter(status="held").exists()

# Search by date means the day at the venue, on SQLite too.
from apps.events.selectors import search_events

gershwin = Event.objects.get(slug="gershwin-night-new-york")
day = timezone.localtime(gershwin.starts_at, gershwin.venue.zone).date()
assert [e.slug for e in search_events(date_from=day, date_to=day)] == [gershwin.slug]
next_day = day + timedelta(days=1)
assert not search_events(date_from=next_day, date_to=next_day).exists()

# General admission: the demo's standing floor, through the ORM twin of the places statement.
floor = Event.objects.get(slug="indie-night-berlin")
places = hold_seats(user=bob, event_id=floor.id, quantity=3, area="Standing")
assert [line["standing"] for line in places.seat_lines] == [True] * 3, places.seat_lines
assert EventSeat.objects.filter(hold_id=places.pk, seat__standing=True).count() == 3
booking = confirm_booking(user=bob, hold_id=places.id, card=card)
assert booking.tickets.count() == 3
event = floor
assert refused(user=ann, quantity=1, area="Pit") == "unknown_area"
print("ok")
"""


def test_holds_bookings_and_expiry_work_on_the_embedded_default(tmp_path):
    result = run_python(
        JOURNEY,
        env={
            "DJANGO_SETTINGS_MODULE": "ticketing.settings.local",
            "SQLITE_PATH": str(tmp_path / "db.sqlite3"),
            "PYTHONPATH": str(ROOT),
            "LOG_LEVEL": "WARNING",
        },
        drop=("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"),
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "ok", result.stdout[-2000:]

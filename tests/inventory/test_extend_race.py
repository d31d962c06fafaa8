"""Extending a hold that runs out while the extension waits for the hold's lock (issue 14,
finding 6): another buyer may take its seats in that gap, and the extension must then be a
410, never a hold extended over fewer seats. Real threads on real PostgreSQL."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connections, transaction
from django.db.models.functions import Now

from apps.common.errors import Gone
from apps.inventory.holds import extend_hold, hold_seats
from apps.inventory.models import EventSeat, Hold
from tests.factories import UserFactory, on_sale_event
from tests.inventory.test_hold_guards import someone_waits_on_a_row_lock

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_extension_that_waited_past_the_expiry_is_refused(settings):
    settings.TICKETING = {**settings.TICKETING, "TAKEN_SEATS_SECONDS": 0}
    event = on_sale_event(rows=1, seats_per_row=4)
    first, second = UserFactory(), UserFactory()
    seats = list(event.event_seats.order_by("id").values_list("id", flat=True)[:2])
    hold = hold_seats(user=first, event_id=event.id, event_seat_ids=seats)
    # The hold runs out in 0.6 s.
    until = Now() + timedelta(seconds=0.6)
    Hold.objects.filter(pk=hold.pk).update(expires_at=until)
    EventSeat.objects.filter(hold=hold).update(held_until=until)

    locked, done = threading.Event(), threading.Event()
    taken = {}

    def staff_holds_the_hold_row():
        # A transaction holding the hold's row lock (as a release or checkout would).
        try:
            with transaction.atomic():
                list(Hold.objects.select_for_update().filter(pk=hold.pk).values_list("pk"))
                locked.set()
                done.wait(10)
        finally:
            connections.close_all()

    def another_buyer_takes_the_seats_once_it_ran_out():
        try:
            deadline = time.monotonic() + 5
            while not someone_waits_on_a_row_lock() and time.monotonic() < deadline:
                time.sleep(0.02)
            time.sleep(0.8)  # past the expiry, with the extension queued on the hold's lock
            taken["hold"] = hold_seats(user=second, event_id=event.id, event_seat_ids=seats)
        except Exception as exc:
            taken["error"] = exc
        finally:
            done.set()
            connections.close_all()

    holder = threading.Thread(target=staff_holds_the_hold_row)
    holder.start()
    assert locked.wait(10)
    taker = threading.Thread(target=another_buyer_takes_the_seats_once_it_ran_out)
    taker.start()
    try:
        with pytest.raises(Gone) as refused:
            extend_hold(user=first, hold_id=hold.pk)
    finally:
        done.set()
        taker.join(15)
        holder.join(15)
    assert "error" not in taken, taken.get("error")
    assert refused.value.code == "hold_expired"
    assert set(EventSeat.objects.filter(id__in=seats).values_list("hold", flat=True)) == {
        taken["hold"].pk
    }
    assert Hold.objects.get(pk=hold.pk).extensions == 0

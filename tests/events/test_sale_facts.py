"""Each process keeps an event's sale facts for a second (apps/events/sale_facts.py): what
changes them in the process is seen at once, what bypasses the services within the second."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.bookings.services import cancel_event
from apps.common import process_cache
from apps.common.errors import RuleBroken
from apps.events.models import Event
from apps.inventory.holds import hold_seats
from tests.factories import UserFactory, on_sale_event

pytestmark = pytest.mark.django_db


def hold_one(event):
    return hold_seats(user=UserFactory(), event_id=event.id, quantity=1)


def refused(event) -> str:
    with pytest.raises(RuleBroken) as exc:
        hold_one(event)
    return exc.value.code


def test_a_cancellation_in_this_process_stops_holds_at_once():
    event = on_sale_event(rows=1, seats_per_row=4)
    hold_one(event)  # the facts are now kept
    cancel_event(event_id=event.id)
    assert refused(event) == "event_not_on_sale"


def test_an_edit_saved_through_the_model_is_seen_at_once():
    event = on_sale_event(rows=1, seats_per_row=4)
    hold_one(event)
    event = Event.objects.get(pk=event.pk)
    event.sales_end = timezone.now() - timedelta(minutes=1)
    event.sales_start = event.sales_end - timedelta(days=1)
    event.save()  # as the admin's change form does
    assert refused(event) == "event_not_on_sale"


def test_a_change_that_sends_no_signal_is_seen_within_the_second(monkeypatch):
    event = on_sale_event(rows=1, seats_per_row=4)
    hold_one(event)
    Event.objects.filter(pk=event.pk).update(status=Event.Status.CANCELLED)
    hold_one(event)  # still this second's facts: checkout re-reads the event before selling
    later = time.monotonic() + 1.01
    monkeypatch.setattr(process_cache, "monotonic", lambda: later)
    assert refused(event) == "event_not_on_sale"

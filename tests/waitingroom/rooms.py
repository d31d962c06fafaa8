"""Setting up rooms for the tests, through the room's own services (as staff would)."""

import time
from datetime import timedelta

from django.utils import timezone

from apps.common.process_cache import forget_all
from apps.waitingroom import services
from tests import factories


def room_event(
    *, opens_in: float = -1.0, rate: int = 60, paused: bool = False, draw_seed=None, **event_kwargs
):
    """An event on sale whose waiting room is on, opening `opens_in` seconds from now."""
    event = factories.on_sale_event(**event_kwargs)
    services.configure_room(
        event_id=event.pk,
        enabled=True,
        opens_at=timezone.now() + timedelta(seconds=opens_in),
        admission_per_minute=rate,
        pass_minutes=10,
        paused=paused,
        draw_seed=draw_seed,
    )
    event.refresh_from_db()
    return event


def wait_until(check, timeout: float = 10.0, step: float = 0.1):
    """Polls `check` (which returns a value or None) until it gives something."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(step)
    raise AssertionError("timed out waiting")


def admit(user, event, timeout: float = 10.0):
    """Waits (polling the room as a buyer would) until the buyer is admitted; their place."""

    def admitted():
        forget_all()  # this process's second-old copy of the room: ask Redis
        place = services.room_status(user=user, event_id=event.pk)
        return place if place.state == "admitted" else None

    return wait_until(admitted, timeout)

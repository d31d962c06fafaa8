"""What the hold path needs to know about an event, kept by each process for a second.

Whether an event is on sale changes rarely (staff publish it, cancel it, move its sales window),
yet every hold needs to know. Each process keeps what it read for SALE_FACTS_SECONDS instead of
reading the event on every hold. This app owns events, so it forgets them: its services call
`forget_sale_facts` on every write, and a model save or delete elsewhere (the admin's edit form)
does so through the signal in apps.py. Other processes see a change within the second; checkout
re-reads the event's status, so a hold that slips in just after a cancellation never becomes a
sale."""

from django.db import connection
from django.utils.translation import gettext as _

from apps.common.errors import NotFound
from apps.common.process_cache import MISSING, ProcessCache

from .models import Event

SALE_FACTS_SECONDS = 1.0
SALE_FACT_FIELDS = (
    "id",
    "status",
    "starts_at",
    "sales_start",
    "sales_end",
    "hold_minutes",
    "max_seats_per_order",
    "currency",
    "venue_id",
    "waiting_room",
)
_facts = ProcessCache("event-sale-facts", seconds=SALE_FACTS_SECONDS, max_entries=1024)


def sale_facts(event_id) -> Event:
    """The event with just SALE_FACT_FIELDS loaded, at most a second old; 404 for no event."""
    try:
        event = _facts.get(event_id)
    except TypeError:  # unhashable: not an id at all
        event = MISSING
    if event is not MISSING:
        return event
    try:
        event = Event.objects.only(*SALE_FACT_FIELDS).get(pk=event_id)
    except (Event.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("There is no such event."), code="event_not_found") from None
    return _facts.set(event.pk, event)


def forget_sale_facts(event_id=None):
    """This process forgets one event's facts (all events' when None)."""
    if event_id is None:
        _facts.forget()
    else:
        _facts.forget(event_id)


_ON_SALE_LOCKED_SQL = (
    f"SELECT 1 FROM {Event._meta.db_table} WHERE id = %s AND status = %s FOR KEY SHARE"  # noqa: S608
)


def on_sale_now(event_id) -> bool:
    """Checkout's last look before it sells, in the caller's transaction: read fresh, never
    from the copy, and share-locked until that transaction ends. A cancellation locks the event
    FOR UPDATE and then counts confirmed bookings, so it either waits for this sale to commit
    and counts it, or commits first and this reads the event cancelled (PostgreSQL re-reads a
    row it had to wait for). Share locks do not conflict with one another: checkouts of one
    event never queue behind each other."""
    if connection.vendor != "postgresql":  # SQLite serialises writers anyway
        return Event.objects.filter(pk=event_id, status=Event.Status.ON_SALE).exists()
    with connection.cursor() as cursor:
        cursor.execute(_ON_SALE_LOCKED_SQL, [event_id, Event.Status.ON_SALE])
        return cursor.fetchone() is not None

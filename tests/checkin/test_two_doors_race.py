"""The same ticket scanned at several doors in the same instant, in real threads with their
own PostgreSQL connections: it is admitted once, and every other door is told when and at
which door it was used. The check-in row per ticket is unique in the database itself."""

import pytest
from django.db import IntegrityError, transaction

from apps.bookings.services import cancel_booking
from apps.checkin.models import CheckIn
from apps.checkin.services import check_in_ticket
from apps.common.errors import Conflict, Gone
from tests.checkin.helpers import door_steward, sold_tickets
from tests.concurrency import run_at_once
from tests.factories import on_sale_event

DOORS = [f"door-{n}" for n in range(8)]


@pytest.mark.django_db(transaction=True)
def test_eight_doors_scanning_one_ticket_admit_it_once():
    event = on_sale_event(rows=1, seats_per_row=4)
    (ticket,) = sold_tickets(event, quantity=1)
    stewards = [door_steward() for _ in DOORS]

    outcomes = run_at_once(
        [
            lambda door=door, user=user: check_in_ticket(
                event_id=event.pk, code=ticket.code, door=door, user=user
            )
            for door, user in zip(DOORS, stewards, strict=True)
        ]
    )

    admitted = [result for result, error in outcomes if error is None]
    refused = [error for _, error in outcomes if error is not None]
    assert len(admitted) == 1, outcomes
    assert len(refused) == len(DOORS) - 1
    assert all(isinstance(e, Conflict) and e.code == "already_checked_in" for e in refused), refused
    (check_in,) = CheckIn.objects.filter(ticket=ticket)
    assert check_in.door == admitted[0].door
    for error in refused:
        assert error.extra["door"] == check_in.door
        assert error.extra["checked_in_at"] == check_in.checked_in_at.isoformat()


@pytest.mark.django_db(transaction=True)
def test_a_check_in_racing_a_cancellation_never_admits_a_cancelled_ticket():
    """Either the cancellation comes first and the door refuses, or the door comes first; the
    ticket is never both cancelled and let in after it was cancelled."""
    event = on_sale_event(rows=1, seats_per_row=4)
    (ticket,) = sold_tickets(event, quantity=1)
    booking = ticket.booking
    steward = door_steward()

    outcomes = run_at_once(
        [
            lambda: check_in_ticket(event_id=event.pk, code=ticket.code, door="n", user=steward),
            lambda: cancel_booking(user=booking.user, reference=booking.reference),
        ]
    )
    (checked, check_error), (_, cancel_error) = outcomes
    assert cancel_error is None, cancel_error
    ticket.refresh_from_db()
    if check_error is None:
        check_in = CheckIn.objects.get(ticket=ticket)
        assert check_in.door == "n"
    else:
        assert isinstance(check_error, Gone) and check_error.code == "ticket_cancelled"
        assert not CheckIn.objects.exists()


@pytest.mark.django_db
def test_the_database_refuses_a_second_check_in_of_a_ticket():
    event = on_sale_event(rows=1, seats_per_row=4)
    ticket, other = sold_tickets(event, quantity=2)
    steward = door_steward()
    CheckIn.objects.create(ticket=ticket, door="north", checked_in_by=steward)
    with pytest.raises(IntegrityError), transaction.atomic():
        CheckIn.objects.create(ticket=ticket, door="south", checked_in_by=steward)
    with pytest.raises(IntegrityError), transaction.atomic():
        CheckIn.objects.create(ticket=other, door=" ", checked_in_by=steward)

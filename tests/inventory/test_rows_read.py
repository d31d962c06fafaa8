"""What a hold reads does not grow with the hall: the same request on a 200-seat and on a
20,000-seat event reads the same number of rows from the database (with the event's shared
views warm: the taken-seat snapshot is rendered once a second per event for everyone, the seat
positions once every few minutes per process)."""

import pytest
from django.db import connection

from apps.inventory.holds import hold_seats
from tests.factories import UserFactory, on_sale_event

# Real transactions, as in production.
pytestmark = pytest.mark.django_db(transaction=True)


class RowsRead:
    def __init__(self):
        self.rows = 0

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        cursor = context["cursor"]
        if cursor.description is not None:  # a statement that returns rows
            self.rows += max(cursor.rowcount, 0)
        return result


def rows_read(call) -> int:
    counter = RowsRead()
    with connection.execute_wrapper(counter):
        call()
    return counter.rows


def front_row_pair(event, row: str) -> list[int]:
    return list(
        event.event_seats.filter(seat__row=row)
        .order_by("seat__number")
        .values_list("id", flat=True)[8:10]
    )


def measure(event, request):
    # Warm: the event's sale facts, seat positions and taken-seat snapshot.
    hold_seats(user=UserFactory(), event_id=event.id, event_seat_ids=front_row_pair(event, "5"))
    return rows_read(lambda: request(event))


def test_chosen_seats_read_the_same_rows_in_any_hall():
    small = on_sale_event(rows=10, seats_per_row=20)
    stadium = on_sale_event(rows=1000, seats_per_row=20)

    def request(event):
        hold_seats(user=UserFactory(), event_id=event.id, event_seat_ids=front_row_pair(event, "2"))

    assert measure(small, request) == measure(stadium, request)


def test_best_available_reads_the_same_rows_in_any_hall():
    small = on_sale_event(rows=10, seats_per_row=20)
    stadium = on_sale_event(rows=1000, seats_per_row=20)

    def request(event):
        hold_seats(user=UserFactory(), event_id=event.id, quantity=2)

    small_rows, stadium_rows = measure(small, request), measure(stadium, request)
    assert small_rows == stadium_rows
    assert small_rows < 200, "best available read a whole hall"

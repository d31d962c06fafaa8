import pytest

from tests.factories import on_sale_event


@pytest.mark.django_db
def test_published_event_has_one_event_seat_per_seat():
    event = on_sale_event(rows=3, seats_per_row=4)
    assert event.event_seats.count() == 12

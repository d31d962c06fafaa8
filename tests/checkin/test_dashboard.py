"""The sales dashboard shows checked in / sold for the event and per door, from the database
at every load, in the same number of queries however many doors and scans."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.checkin.services import check_in_ticket
from tests.checkin.helpers import door_steward, sold_tickets
from tests.factories import on_sale_event

pytestmark = pytest.mark.django_db


def sales_page(client, event):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:events_event_sales", args=[event.pk]))
    assert response.status_code == 200
    return response, len(queries)


def test_checked_in_per_event_and_per_door(client, staff_user):
    client.force_login(staff_user)
    event = on_sale_event(rows=2, seats_per_row=10)
    other = on_sale_event(rows=1, seats_per_row=4)
    steward = door_steward()
    tickets = sold_tickets(event, quantity=4) + sold_tickets(event, quantity=4)
    elsewhere = sold_tickets(other, quantity=1)

    response, empty_queries = sales_page(client, event)
    assert response.context["data"]["check_ins"] == {"total": 0, "percent": 0.0, "doors": []}
    assert "Nobody checked in yet." in response.text

    for ticket, door in zip(tickets[:5], ["north", "north", "north", "south", "east"], strict=True):
        check_in_ticket(event_id=event.pk, code=ticket.code, door=door, user=steward)
    check_in_ticket(event_id=other.pk, code=elsewhere[0].code, door="north", user=steward)

    response, busy_queries = sales_page(client, event)
    counts = response.context["data"]["check_ins"]
    assert (counts["total"], counts["percent"]) == (5, 62.5)  # 5 of 8 sold
    assert [(d["door"], d["checked_in"], d["percent"]) for d in counts["doors"]] == [
        ("north", 3, 37.5),
        ("east", 1, 12.5),
        ("south", 1, 12.5),
    ]
    section = response.text.split('data-testid="check-ins"')[1].split("</div>\n\n")[0]
    assert "<strong>5</strong> of 8 sold (62.5%) checked in." in section
    assert "north" in section and "south" in section and "east" in section
    assert busy_queries == empty_queries

"""The staff pages that watch a sale: sales dashboard, lock contention per event and the lock
contention overview. Rendered with data and without, closed to everyone but staff, and with a
number of queries that doesn't grow with the sale."""

import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.backoffice import dashboard
from apps.backoffice.contention import event_contention
from tests.backoffice.monitoring import busy_sale
from tests.factories import UserFactory, on_sale_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


def sales_url(event):
    return reverse("admin:events_event_sales", args=[event.pk])


def contention_url(event):
    return reverse("admin:events_event_lock_contention", args=[event.pk])


OVERVIEW_URL = "/admin/inventory/lockstat/"


def test_the_urls_live_under_the_event_admin():
    assert sales_url(type("E", (), {"pk": 7})) == "/admin/events/event/7/sales/"
    assert contention_url(type("E", (), {"pk": 7})) == "/admin/events/event/7/lock-contention/"
    assert reverse("admin:inventory_lockstat_changelist") == OVERVIEW_URL


def test_sales_dashboard_shows_the_sale(staff_client):
    sale = busy_sale()
    response = staff_client.get(sales_url(sale.event))
    assert response.status_code == 200
    data = response.context["data"]
    assert data["seats"] == {
        "total": 20,
        "available": 15,  # 20 - 3 sold - 2 held (declined + soon); "late" is free by the clock
        "held": 2,
        "sold": 3,
        "sold_percent": 15.0,
        "held_percent": 10.0,
    }
    assert data["revenue"] == Decimal("135.00")
    (tier,) = data["tiers"]
    assert (tier["name"], tier["seats"], tier["sold"], tier["held"]) == ("Standard", 20, 3, 2)
    assert data["holds"]["active"] == 2
    assert data["holds"]["overdue"] == 1
    assert data["holds"]["expiring"][0] == {"minutes": 1, "holds": 1}
    assert data["bookings"]["confirmed"] == 2 and data["bookings"]["cancelled"] == 1
    payments = data["payments"]
    assert (payments["succeeded"], payments["declined"], payments["refunded"]) == (2, 1, 1)
    assert payments["refunded_amount"] == Decimal("45.00")
    assert data["sell_through"][-1]["sold"] == 3
    assert data["sell_through"][-1]["percent"] == 15.0
    html = response.content.decode()
    assert "Sales dashboard" in html and "<svg" in html and "€135.00" in html
    assert contention_url(sale.event) in html


def test_sales_dashboard_of_an_event_with_nothing_sold(staff_client):
    event = on_sale_event(rows=1, seats_per_row=4)
    response = staff_client.get(sales_url(event))
    assert response.status_code == 200
    data = response.context["data"]
    assert data["seats"]["available"] == 4 and data["seats"]["sold"] == 0
    assert data["sell_through"] == [] and data["revenue"] == Decimal("0")
    assert "No tickets sold yet." in response.content.decode()


def test_lock_contention_page_shows_the_hottest_seats_first(staff_client):
    sale = busy_sale()
    response = staff_client.get(contention_url(sale.event), {"minutes": 15})
    assert response.status_code == 200
    data = response.context["data"]
    assert data["totals"]["failed"] == 2 and data["totals"]["degraded"] == 2
    assert data["seats"][0]["event_seat_id"] == sale.seats[0]
    assert data["seats"][0]["contention_rate"] is not None
    assert data["sections"][0]["section"] == "A"
    assert data["window"].minutes == 15
    html = response.content.decode()
    assert "Hottest seats" in html and "<svg" in html and f"seat:{sale.seats[0]}" in html


def test_lock_contention_page_with_no_activity(staff_client):
    event = on_sale_event(rows=1, seats_per_row=4)
    response = staff_client.get(contention_url(event), {"minutes": "bogus"})
    assert response.status_code == 200
    assert response.context["data"]["window"].minutes == 60
    assert "No seat-lock activity for this event" in response.content.decode()


def test_overview_lists_events_with_lock_activity(staff_client):
    sale = busy_sale()
    quiet = on_sale_event(rows=1, seats_per_row=2)
    response = staff_client.get(OVERVIEW_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert sale.event.title in html and quiet.title not in html
    assert contention_url(sale.event) in html


def test_overview_with_no_activity(staff_client):
    response = staff_client.get(OVERVIEW_URL)
    assert response.status_code == 200
    assert "No seat-lock activity" in response.content.decode()


def test_the_event_change_page_links_to_both_pages(staff_client):
    event = on_sale_event(rows=1, seats_per_row=2)
    html = staff_client.get(reverse("admin:events_event_change", args=[event.pk])).content
    assert sales_url(event).encode() in html and contention_url(event).encode() in html
    listing = staff_client.get(reverse("admin:events_event_changelist")).content
    assert sales_url(event).encode() in listing


@pytest.mark.parametrize("page", ["sales", "lock-contention"])
def test_an_unknown_event_goes_back_to_the_admin_home_with_a_message(staff_client, page):
    response = staff_client.get(f"/admin/events/event/999999/{page}/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:index")
    assert "doesn’t exist" in response.content.decode()


@pytest.mark.parametrize("page", ["sales", "contention", "overview"])
def test_buyers_and_anonymous_visitors_are_sent_to_the_login(client, page):
    event = on_sale_event(rows=1, seats_per_row=2)
    url = {"sales": sales_url, "contention": contention_url}.get(page, lambda e: OVERVIEW_URL)(
        event
    )
    response = client.get(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    client.force_login(UserFactory())
    response = client.get(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.parametrize("page", ["sales", "contention", "overview"])
def test_staff_without_permission_get_403(client, page):
    event = on_sale_event(rows=1, seats_per_row=2)
    clerk = UserFactory(is_staff=True)
    client.force_login(clerk)
    url = {"sales": sales_url, "contention": contention_url}.get(page, lambda e: OVERVIEW_URL)(
        event
    )
    assert client.get(url).status_code == 403
    codename = "view_lockstat" if page == "overview" else "view_event"
    clerk.user_permissions.add(Permission.objects.get(codename=codename))
    client.force_login(clerk)
    assert client.get(url).status_code == 200


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("page", ["sales", "contention", "overview"])
def test_query_count_is_the_same_for_an_empty_and_a_busy_sale(
    staff_client, page, django_assert_num_queries
):
    def url(event):
        return {"sales": sales_url, "contention": contention_url}.get(page, lambda e: OVERVIEW_URL)(
            event
        )

    quiet = on_sale_event(rows=1, seats_per_row=2)
    staff_client.get(url(quiet))  # warm the session and user caches out of the count
    empty = _queries(staff_client, url(quiet))
    busy = busy_sale(rows=4, seats_per_row=6)
    # session + user, then the page's own queries
    expected = {"sales": 2 + 8, "contention": 2 + 4, "overview": 2 + 2}[page]
    assert empty == expected
    with django_assert_num_queries(expected):
        staff_client.get(url(busy.event))


def test_selectors_alone_run_a_fixed_number_of_queries(django_assert_num_queries):
    sale = busy_sale()
    with django_assert_num_queries(8):
        dashboard.sales_dashboard(event_id=sale.event.pk)
    with django_assert_num_queries(4):
        event_contention(event_id=sale.event.pk, minutes=60)


def test_the_sell_through_charts_last_time_label_ends_inside_the_chart():
    from datetime import timedelta

    from django.utils import timezone

    from apps.backoffice.charts import sell_through_chart

    start = timezone.now()
    points = [{"at": start + timedelta(minutes=m), "sold": m, "percent": m} for m in (0, 5, 10)]
    svg = str(sell_through_chart(points, width=760))
    anchors = re.findall(r'<text x="[^"]+" y="194" text-anchor="(\w+)"', svg)
    assert anchors[-1] == "end" and "middle" in anchors

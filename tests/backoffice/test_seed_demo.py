from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.accounts.models import User
from apps.backoffice import demo
from apps.events.models import Event, PriceTier, TierAssignment, Venue
from apps.inventory.models import EventSeat, Seat

pytestmark = pytest.mark.django_db

MODELS = [User, Venue, Seat, Event, PriceTier, TierAssignment, EventSeat]


def run(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def snapshot():
    return {m.__name__: list(m.objects.order_by("pk").values()) for m in MODELS}


@pytest.fixture(autouse=True)
def debug_on(settings):
    settings.DEBUG = True


def test_seed_demo_loads_a_shop_ready_to_sell():
    out = run()

    philharmonie = Venue.objects.get(name="Philharmonie", city="Berlin")
    assert Seat.objects.filter(venue=philharmonie).count() == 360
    events = list(Event.objects.select_related("venue"))
    assert len(events) == 5
    assert {e.status for e in events} == {Event.Status.ON_SALE}
    assert len({e.venue.city for e in events}) == 4
    assert len({e.starts_at.date() for e in events}) == 5
    # Each starts at its hour on its own venue's clock.
    local_hours = {e.slug: e.starts_at.astimezone(e.venue.zone).hour for e in events}
    assert local_hours["beethoven-ninth-berlin"] == 20
    assert local_hours["gershwin-night-new-york"] == 19
    assert {e.venue.time_zone for e in events} == {"Europe/Berlin", "America/New_York"}
    assert all(e.starts_at > timezone.now() for e in events)
    seated = [e for e in events if e.slug != "indie-night-berlin"]
    for event in seated:
        tiers = list(event.price_tiers.all())
        assert 2 <= len(tiers) <= 3
        assert len({t.colour for t in tiers}) == len(tiers)
        assert len({t.price for t in tiers}) == len(tiers)
        seats = EventSeat.objects.filter(event=event)
        assert seats.count() == Seat.objects.filter(venue=event.venue).count()
        assert seats.values("price_tier").distinct().count() == len(tiers)  # every tier sells
        prices = {
            (section, row): price
            for section, row, price in seats.values_list(
                "seat__section", "seat__row", "price_tier__price"
            )
        }
        for section in {s for s, _ in prices}:
            assert prices[(section, "1")] > prices[(section, "8")], (event, section)
    # One general-admission event: a standing floor and no numbered seats.
    indie = next(e for e in events if e.slug == "indie-night-berlin")
    places = EventSeat.objects.filter(event=indie)
    assert places.count() == places.filter(seat__standing=True).count() == 1500

    admin = User.objects.get(email=demo.ADMIN_EMAIL)
    assert admin.is_staff and admin.is_superuser and admin.check_password(demo.ADMIN_PASSWORD)
    buyer = User.objects.get(email=demo.BUYER_EMAIL)
    assert not buyer.is_staff and buyer.check_password(demo.BUYER_PASSWORD)
    assert f"{demo.ADMIN_EMAIL} / {demo.ADMIN_PASSWORD}" in out
    assert f"{demo.BUYER_EMAIL} / {demo.BUYER_PASSWORD}" in out


def test_running_it_again_changes_nothing_and_still_prints_the_logins():
    run()
    before = snapshot()
    out = run()
    assert snapshot() == before
    assert "(0 new), 0 new venues, 0 new seats" in out
    assert f"{demo.ADMIN_EMAIL} / {demo.ADMIN_PASSWORD}" in out
    assert f"{demo.BUYER_EMAIL} / {demo.BUYER_PASSWORD}" in out


def test_what_staff_changed_since_is_left_alone():
    run()
    event = Event.objects.get(slug="late-night-jazz-hamburg")
    Event.objects.filter(pk=event.pk).update(status=Event.Status.CANCELLED)
    admin = User.objects.get(email=demo.ADMIN_EMAIL)
    admin.set_password("something-private")
    admin.save()

    out = run()

    assert Event.objects.get(pk=event.pk).status == Event.Status.CANCELLED
    assert User.objects.get(pk=admin.pk).check_password("something-private")
    assert demo.ADMIN_PASSWORD not in out
    assert f"{demo.ADMIN_EMAIL} (its password was changed since it was seeded)" in out


def test_it_refuses_to_run_with_debug_off_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        run()
    assert not User.objects.exists() and not Event.objects.exists()
    assert demo.ADMIN_PASSWORD in run("--force")

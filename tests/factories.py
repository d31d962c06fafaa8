from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from apps.accounts.models import User
from apps.events.models import Event, PriceTier, Venue
from apps.inventory.layouts import add_standing_area, generate_seat_layout
from apps.inventory.publishing import publish_event

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"buyer{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue

    name = factory.Sequence(lambda n: f"Hall {n}")
    city = "Berlin"
    address = factory.Faker("street_address")


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    venue = factory.SubFactory(VenueFactory)
    title = factory.Sequence(lambda n: f"Concert {n}")
    slug = factory.Sequence(lambda n: f"concert-{n}")
    description = "An evening of music."
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
    currency = "EUR"


class PriceTierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceTier

    event = factory.SubFactory(EventFactory)
    name = factory.Sequence(lambda n: f"Tier {n}")
    price = Decimal("45.00")


def on_sale_event(*, sections=("A",), rows=5, seats_per_row=10, price="45.00", **event_kwargs):
    """An event on sale with a generated layout and one price tier: what most tests need."""
    event = EventFactory(**event_kwargs)
    generate_seat_layout(
        venue=event.venue, sections=list(sections), rows=rows, seats_per_row=seats_per_row
    )
    PriceTierFactory(event=event, name="Standard", price=Decimal(price))
    return publish_event(event_id=event.pk)


def standing_event(*, areas=None, seated_sections=(), price="30.00", **event_kwargs):
    """An event on sale with general-admission areas ({name: capacity}, "Standing": 50 by
    default), and numbered seats too when `seated_sections` are given (2 rows of 5 each)."""
    event = EventFactory(**event_kwargs)
    if seated_sections:
        generate_seat_layout(
            venue=event.venue, sections=list(seated_sections), rows=2, seats_per_row=5
        )
    for name, capacity in (areas or {"Standing": 50}).items():
        add_standing_area(venue=event.venue, name=name, capacity=capacity)
    PriceTierFactory(event=event, name="Standard", price=Decimal(price))
    return publish_event(event_id=event.pk)

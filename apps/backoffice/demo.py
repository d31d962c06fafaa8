"""Demo data: four venues with generated seat layouts (in Berlin, Hamburg, Munich and New York,
each on its own clock) and a standing-only club in Berlin, five events on sale with tiered
prices (one general admission), a staff account, a buyer account and a door steward (the "Door"
group). What `manage.py seed_demo` (and `make run`) loads.

Idempotent: whatever already exists is left exactly as it is, so running it again changes
nothing, and an event staff have since edited, cancelled or sold out stays that way."""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from apps.events import services as event_services
from apps.events.models import Event, Venue
from apps.inventory.layouts import add_standing_area, generate_seat_layout
from apps.inventory.models import Seat
from apps.inventory.publishing import publish_event

# Published on purpose (printed, in the README): the command refuses to run with DEBUG off.
ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "demo-admin-password"  # noqa: S105
BUYER_EMAIL = "buyer@example.com"
BUYER_PASSWORD = "demo-buyer-password"  # noqa: S105
DOOR_EMAIL = "door@example.com"
DOOR_PASSWORD = "demo-door-password"  # noqa: S105

VENUES = [
    {
        "name": "Philharmonie",
        "city": "Berlin",
        "address": "Herbert-von-Karajan-Straße 1, 10785 Berlin",
        "time_zone": "Europe/Berlin",
        "sections": ["A", "B", "C"],
        "rows": 10,
        "seats_per_row": 12,
    },
    {
        "name": "Laeiszhalle",
        "city": "Hamburg",
        "address": "Johannes-Brahms-Platz, 20355 Hamburg",
        "time_zone": "Europe/Berlin",
        "sections": ["A", "B"],
        "rows": 8,
        "seats_per_row": 10,
    },
    {
        "name": "Isarphilharmonie",
        "city": "Munich",
        "address": "Hans-Preißinger-Straße 8, 81379 München",
        "time_zone": "Europe/Berlin",
        "sections": ["A", "B", "C"],
        "rows": 8,
        "seats_per_row": 10,
    },
    {
        "name": "Carnegie Hall",
        "city": "New York",
        "address": "881 7th Ave, New York, NY 10019",
        "time_zone": "America/New_York",
        "sections": ["A", "B"],
        "rows": 8,
        "seats_per_row": 10,
    },
    {
        "name": "Columbiahalle",
        "city": "Berlin",
        "address": "Columbiadamm 13-21, 10965 Berlin",
        "time_zone": "Europe/Berlin",
        "sections": [],
        "standing": {"Standing": 1500},
    },
]

# Tier assignments: (tier, section or None for every section, rows or None for the whole
# section). Seats no assignment covers sell at the cheapest tier.
EVENTS = [
    {
        "slug": "beethoven-ninth-berlin",
        "title": "Beethoven: Symphony No. 9",
        "venue": ("Philharmonie", "Berlin"),
        "in_days": 21,
        "at": time(20, 0),
        "description": "The Ode to Joy with full orchestra and choir.",
        "tiers": [
            ("Premium", "95.00", "#dc2626"),
            ("Standard", "65.00", "#2563eb"),
            ("Saver", "35.00", "#16a34a"),
        ],
        "assignments": [("Premium", None, range(1, 4)), ("Standard", None, range(4, 8))],
    },
    {
        "slug": "late-night-jazz-hamburg",
        "title": "Late Night Jazz",
        "venue": ("Laeiszhalle", "Hamburg"),
        "in_days": 35,
        "at": time(21, 30),
        "description": "A quartet, a grand piano and the last train home.",
        "tiers": [("Front", "59.00", "#f59e0b"), ("Hall", "39.00", "#6366f1")],
        "assignments": [("Front", None, range(1, 4))],
    },
    {
        "slug": "film-music-gala-munich",
        "title": "Film Music Gala",
        "venue": ("Isarphilharmonie", "Munich"),
        "in_days": 49,
        "at": time(19, 30),
        "description": "Great screen themes, live. Flash sale: holds last five minutes.",
        "hold_minutes": 5,
        "max_seats_per_order": 6,
        "tiers": [
            ("Golden circle", "120.00", "#db2777"),
            ("Stalls", "75.00", "#0ea5e9"),
            ("Rear", "45.00", "#84cc16"),
        ],
        "assignments": [("Golden circle", "B", range(1, 3)), ("Stalls", "B", None)]
        + [("Stalls", s, range(1, 5)) for s in ("A", "C")],
    },
    {
        "slug": "gershwin-night-new-york",
        "title": "Gershwin Night",
        "venue": ("Carnegie Hall", "New York"),
        "in_days": 28,
        "at": time(19, 0),
        "currency": "USD",
        "description": "Rhapsody in Blue and An American in Paris.",
        "tiers": [("Parquet", "110.00", "#7c3aed"), ("Balcony", "55.00", "#14b8a6")],
        "assignments": [("Parquet", None, range(1, 5))],
    },
    {
        "slug": "indie-night-berlin",
        "title": "Indie Night",
        "venue": ("Columbiahalle", "Berlin"),
        "in_days": 14,
        "at": time(20, 30),
        "description": "Three bands, one floor, no seats: general admission.",
        "max_seats_per_order": 6,
        "tiers": [("Standing", "32.00", "#7c3aed")],
        "assignments": [],
    },
]


@dataclass
class DemoAccount:
    role: str
    email: str
    password: str
    created: bool
    # False when the account existed and its password is no longer the demo one.
    password_works: bool


@dataclass
class DemoResult:
    accounts: list[DemoAccount] = field(default_factory=list)
    venues_created: int = 0
    seats_created: int = 0
    events_created: int = 0
    events_published: int = 0
    events: list[Event] = field(default_factory=list)


def _account(role: str, email: str, password: str, *, staff: bool) -> DemoAccount:
    User = get_user_model()
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        return DemoAccount(role, email, password, False, user.check_password(password))
    create = User.objects.create_superuser if staff else User.objects.create_user
    create(email=email, password=password, full_name=f"Demo {role.lower()}")
    return DemoAccount(role, email, password, True, True)


def _door_account() -> DemoAccount:
    """A staff account in the Door group only: it checks tickets in and does nothing else."""
    User = get_user_model()
    user = User.objects.filter(email__iexact=DOOR_EMAIL).first()
    if user is not None:
        return DemoAccount(
            "Door", DOOR_EMAIL, DOOR_PASSWORD, False, user.check_password(DOOR_PASSWORD)
        )
    user = User.objects.create_user(
        email=DOOR_EMAIL, password=DOOR_PASSWORD, full_name="Demo door", is_staff=True
    )
    user.groups.set(Group.objects.filter(name="Door"))
    return DemoAccount("Door", DOOR_EMAIL, DOOR_PASSWORD, True, True)


def _venue(spec: dict, result: DemoResult) -> Venue:
    venue, created = event_services.get_or_create_venue(
        name=spec["name"],
        city=spec["city"],
        address=spec["address"],
        time_zone=spec["time_zone"],
    )
    result.venues_created += created
    have = set(Seat.objects.filter(venue=venue).values_list("section", flat=True).distinct())
    missing = [s for s in spec["sections"] if s not in have]
    for area, capacity in spec.get("standing", {}).items():
        if area not in have:
            add_standing_area(venue=venue, name=area, capacity=capacity)
            result.seats_created += capacity
    if missing:
        layout = generate_seat_layout(
            venue=venue,
            sections=missing,
            rows=spec["rows"],
            seats_per_row=spec["seats_per_row"],
        )
        result.seats_created += layout.seat_count
    return venue


def _event(spec: dict, venues: dict, result: DemoResult) -> Event:
    event = Event.objects.filter(slug=spec["slug"]).first()
    if event is not None:
        return event
    venue = venues[spec["venue"]]
    # Its day and hour on the venue's clock.
    day = timezone.localdate(timezone=venue.zone) + timedelta(days=spec["in_days"])
    event = event_services.create_draft_event(
        venue=venue,
        slug=spec["slug"],
        title=spec["title"],
        description=spec["description"],
        starts_at=datetime.combine(day, spec["at"], tzinfo=venue.zone),
        hold_minutes=spec.get("hold_minutes", 10),
        max_seats_per_order=spec.get("max_seats_per_order", 8),
        currency=spec.get("currency", "EUR"),
    )
    result.events_created += 1
    tiers = {
        name: event_services.add_price_tier(
            event=event, name=name, price=Decimal(price), colour=colour
        )
        for name, price, colour in spec["tiers"]
    }
    sections = sorted(
        set(Seat.objects.filter(venue=venue).values_list("section", flat=True).distinct())
    )
    event_services.assign_tiers(
        event=event,
        places=[
            (tiers[tier], section, row)
            for tier, only_section, rows in spec["assignments"]
            for section in ([only_section] if only_section else sections)
            for row in ([str(r) for r in rows] if rows else [""])
        ],
    )
    publish_event(event_id=event.pk)
    result.events_published += 1
    event.refresh_from_db()
    return event


@transaction.atomic
def seed_demo() -> DemoResult:
    """Loads the demo data (see the module docstring); returns what it found and created."""
    result = DemoResult()
    result.accounts.append(_account("Staff", ADMIN_EMAIL, ADMIN_PASSWORD, staff=True))
    result.accounts.append(_account("Buyer", BUYER_EMAIL, BUYER_PASSWORD, staff=False))
    result.accounts.append(_door_account())
    venues = {(spec["name"], spec["city"]): _venue(spec, result) for spec in VENUES}
    result.events = [_event(spec, venues, result) for spec in EVENTS]
    return result

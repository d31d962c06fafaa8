from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from apps.common.models import TimeStampedModel


@lru_cache(maxsize=1)
def _time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in _time_zones():
        raise ValidationError(f"{value!r} is not an IANA time zone (e.g. Europe/Berlin).")


class Venue(TimeStampedModel):
    name = models.CharField(max_length=200)
    city = models.CharField(max_length=100, db_index=True)
    address = models.CharField(max_length=300, blank=True)
    # Every time a buyer or staff member sees for an event at this venue is in this zone.
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text="IANA time zone of the venue, e.g. Europe/Berlin.",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "city"], name="venue_unique_name_city"),
        ]

    def __str__(self):
        return f"{self.name}, {self.city}"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


class Event(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ON_SALE = "on_sale", "On sale"
        CANCELLED = "cancelled", "Cancelled"

    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="events")
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    description = models.TextField(blank=True)
    starts_at = models.DateTimeField(db_index=True)
    sales_start = models.DateTimeField(null=True, blank=True, help_text="Empty: on publishing.")
    sales_end = models.DateTimeField(null=True, blank=True, help_text="Empty: when it starts.")
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    hold_minutes = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(1)], help_text="How long a hold keeps seats."
    )
    max_seats_per_order = models.PositiveSmallIntegerField(
        default=8, validators=[MinValueValidator(1)]
    )
    max_tickets_per_buyer = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Tickets one buyer may have for this event across all their orders. "
        "Empty: the seats per order.",
    )
    currency = models.CharField(
        max_length=3, default="EUR", validators=[RegexValidator(r"^[A-Z]{3}$")]
    )
    published_at = models.DateTimeField(null=True, blank=True)
    # Whether buyers need a waiting-room pass to hold seats. The room itself (rate, opening,
    # pass lifetime) is apps.waitingroom's; this flag is here because the hold path reads it
    # with the event's sale facts, at no extra cost. Written only by
    # events.services.set_waiting_room, which the waiting room's services call.
    waiting_room = models.BooleanField(default=False, editable=False)

    def sells_at(self, moment) -> bool:
        """The sale rule: on sale, and `moment` inside the sales window (which ends when the
        event starts unless it ends earlier). Holds ask it of the cached facts, checkout of
        the row it has just read."""
        sales_end = self.sales_end or self.starts_at
        return (
            self.status == self.Status.ON_SALE
            and not (self.sales_start and moment < self.sales_start)
            and moment < sales_end
        )

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "on_sale", "cancelled"]),
                name="event_valid_status",
            ),
            models.CheckConstraint(condition=Q(hold_minutes__gte=1), name="event_hold_minutes_min"),
            models.CheckConstraint(
                condition=Q(max_seats_per_order__gte=1), name="event_max_seats_min"
            ),
            models.CheckConstraint(
                condition=Q(max_tickets_per_buyer__isnull=True) | Q(max_tickets_per_buyer__gte=1),
                name="event_max_tickets_per_buyer_min",
            ),
            models.CheckConstraint(
                condition=Q(sales_start__isnull=True)
                | Q(sales_end__isnull=True)
                | Q(sales_end__gt=F("sales_start")),
                name="event_sales_window_ordered",
                violation_error_message="Sales must end after they start.",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("events:detail", kwargs={"slug": self.slug})

    @property
    def tickets_per_buyer(self) -> int:
        return self.max_tickets_per_buyer or self.max_seats_per_order


class PriceTier(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="price_tiers")
    name = models.CharField(max_length=100)
    price = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    colour = models.CharField(
        max_length=7,
        default="#3b82f6",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$")],
        help_text="Colour of these seats on the seat map, e.g. #3b82f6.",
    )

    class Meta:
        ordering = ["-price", "name"]
        constraints = [
            models.UniqueConstraint(fields=["event", "name"], name="pricetier_unique_name"),
            models.CheckConstraint(condition=Q(price__gte=0), name="pricetier_price_non_negative"),
        ]

    def __str__(self):
        return f"{self.name} ({self.price} {self.event.currency})"


class TierAssignment(models.Model):
    """Which price tier a section (or one row of it) sells at; applied when the event is
    published and whenever staff re-apply it to unsold seats.

    `event` repeats price_tier.event so that the database can refuse two tiers for the same
    place of one event (a seat has one price) and so that staff edit assignments on the event's
    own page."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="tier_assignments")
    price_tier = models.ForeignKey(PriceTier, on_delete=models.CASCADE, related_name="assignments")
    section = models.CharField(max_length=50)
    row = models.CharField(max_length=10, blank=True, help_text="Empty: the whole section.")

    class Meta:
        ordering = ["section", "row"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "section", "row"],
                name="tierassignment_one_tier_per_place",
                violation_error_message="This section/row already has a price tier.",
            ),
        ]

    def __str__(self):
        where = f"{self.section} row {self.row}" if self.row else f"{self.section} (all rows)"
        return f"{where} → {self.price_tier.name}"

    def clean(self):
        if (
            self.event_id is not None
            and self.price_tier_id is not None
            and self.price_tier.event_id != self.event_id
        ):
            raise ValidationError({"price_tier": "Choose a price tier of this event."})

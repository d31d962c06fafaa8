from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from apps.common.models import TimeStampedModel


@lru_cache(maxsize=1)
def _time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in _time_zones():
        raise ValidationError(
            gettext("'%(value)s' is not an IANA time zone (e.g. Europe/Berlin).") % {"value": value}
        )


class Venue(TimeStampedModel):
    name = models.CharField(max_length=200, verbose_name=_("name"))
    city = models.CharField(max_length=100, db_index=True, verbose_name=_("city"))
    address = models.CharField(max_length=300, blank=True, verbose_name=_("address"))
    # Every time a buyer or staff member sees for an event at this venue is in this zone.
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text=_("IANA time zone of the venue, e.g. Europe/Berlin."),
        verbose_name=_("time zone"),
    )

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
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
        DRAFT = "draft", _("Draft")
        ON_SALE = "on_sale", _("On sale")
        # An event is called off ("abgesagt"), a booking cancelled ("storniert").
        CANCELLED = "cancelled", pgettext_lazy("event status", "Cancelled")

    venue = models.ForeignKey(
        Venue, on_delete=models.PROTECT, related_name="events", verbose_name=_("venue")
    )
    title = models.CharField(max_length=200, verbose_name=_("title"))
    slug = models.SlugField(max_length=220, unique=True, verbose_name=_("slug"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    starts_at = models.DateTimeField(db_index=True, verbose_name=_("starts at"))
    sales_start = models.DateTimeField(
        null=True, blank=True, help_text=_("Empty: on publishing."), verbose_name=_("sales start")
    )
    sales_end = models.DateTimeField(
        null=True, blank=True, help_text=_("Empty: when it starts."), verbose_name=_("sales end")
    )
    status = models.CharField(
        max_length=20,
        choices=Status.choices,
        default=Status.DRAFT,
        db_index=True,
        verbose_name=_("status"),
    )
    hold_minutes = models.PositiveSmallIntegerField(
        default=10,
        validators=[MinValueValidator(1)],
        help_text=_("How long a hold keeps seats."),
        verbose_name=_("hold minutes"),
    )
    max_seats_per_order = models.PositiveSmallIntegerField(
        default=8, validators=[MinValueValidator(1)], verbose_name=_("max seats per order")
    )
    max_tickets_per_buyer = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_(
            "Tickets one buyer may have for this event across all their orders. "
            "Empty: the seats per order."
        ),
        verbose_name=_("max tickets per buyer"),
    )
    currency = models.CharField(
        max_length=3,
        default="EUR",
        validators=[RegexValidator(r"^[A-Z]{3}$")],
        verbose_name=_("currency"),
    )
    published_at = models.DateTimeField(null=True, blank=True, verbose_name=_("published at"))
    # Whether buyers need a waiting-room pass to hold seats. The room itself (rate, opening,
    # pass lifetime) is apps.waitingroom's; this flag is here because the hold path reads it
    # with the event's sale facts, at no extra cost. Written only by
    # events.services.set_waiting_room, which the waiting room's services call.
    waiting_room = models.BooleanField(
        default=False, editable=False, verbose_name=_("waiting room")
    )

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
        verbose_name = _("event")
        verbose_name_plural = _("events")
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
                violation_error_message=_("Sales must end after they start."),
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
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="price_tiers", verbose_name=_("event")
    )
    name = models.CharField(max_length=100, verbose_name=_("name"))
    price = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        verbose_name=_("price"),
    )
    colour = models.CharField(
        max_length=7,
        default="#3b82f6",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$")],
        help_text=_("Colour of these seats on the seat map, e.g. #3b82f6."),
        verbose_name=_("colour"),
    )

    class Meta:
        verbose_name = _("price tier")
        verbose_name_plural = _("price tiers")
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

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="tier_assignments", verbose_name=_("event")
    )
    price_tier = models.ForeignKey(
        PriceTier,
        on_delete=models.CASCADE,
        related_name="assignments",
        verbose_name=_("price tier"),
    )
    section = models.CharField(max_length=50, verbose_name=_("section"))
    row = models.CharField(
        max_length=10, blank=True, help_text=_("Empty: the whole section."), verbose_name=_("row")
    )

    class Meta:
        verbose_name = _("tier assignment")
        verbose_name_plural = _("tier assignments")
        ordering = ["section", "row"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "section", "row"],
                name="tierassignment_one_tier_per_place",
                violation_error_message=_("This section/row already has a price tier."),
            ),
        ]

    def __str__(self):
        if self.row:
            where = gettext("%(section)s row %(row)s") % {"section": self.section, "row": self.row}
        else:
            where = gettext("%(section)s (all rows)") % {"section": self.section}
        return f"{where} → {self.price_tier.name}"

    def clean(self):
        if (
            self.event_id is not None
            and self.price_tier_id is not None
            and self.price_tier.event_id != self.event_id
        ):
            raise ValidationError({"price_tier": gettext("Choose a price tier of this event.")})

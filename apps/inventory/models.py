import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.common.models import TimeStampedModel


class Seat(models.Model):
    """A physical seat of a venue. x/y place it on the seat map; smaller y is nearer the stage."""

    venue = models.ForeignKey(
        "events.Venue", on_delete=models.CASCADE, related_name="seats", verbose_name=_("venue")
    )
    section = models.CharField(max_length=50, verbose_name=_("section"))
    row = models.CharField(max_length=10, verbose_name=_("row"))
    number = models.PositiveIntegerField(verbose_name=_("number"))
    x = models.FloatField(verbose_name=_("x"))
    y = models.FloatField(verbose_name=_("y"))
    # A place in a general-admission (standing) area: the area is its section, and its row and
    # number only tell the places apart. One row per place keeps "never more sold than the
    # capacity" the same database invariant as for numbered seats (one live ticket per event
    # seat), and every part of the hold engine works for it unchanged.
    standing = models.BooleanField(default=False, verbose_name=_("standing"))

    class Meta:
        verbose_name = _("seat")
        verbose_name_plural = _("seats")
        ordering = ["section", "y", "x"]
        constraints = [
            models.UniqueConstraint(
                fields=["venue", "section", "row", "number"], name="seat_unique_position"
            ),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        """What a buyer, an e-mail, a ticket or a door shows for this place."""
        return place_label(self.section, self.row, self.number, self.standing)


def place_label(section: str, row: str, number: int, standing: bool) -> str:
    # Translated when it is shown (a page, an e-mail in the booking's language, a ticket).
    if standing:
        return gettext("%(section)s (general admission)") % {"section": section}
    return gettext("Section %(section)s, row %(row)s, seat %(number)s") % {
        "section": section,
        "row": row,
        "number": number,
    }


class Hold(TimeStampedModel):
    """A buyer's short-lived claim on specific event seats."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        RELEASED = "released", _("Released")
        EXPIRED = "expired", _("Expired")
        CONVERTED = "converted", _("Converted to booking")

    id = models.UUIDField(
        primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("id")
    )
    event = models.ForeignKey(
        "events.Event", on_delete=models.PROTECT, related_name="holds", verbose_name=_("event")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="holds",
        verbose_name=_("user"),
    )
    status = models.CharField(
        max_length=20,
        choices=Status.choices,
        default=Status.ACTIVE,
        db_index=True,
        verbose_name=_("status"),
    )
    expires_at = models.DateTimeField(db_index=True, verbose_name=_("expires at"))
    extensions = models.PositiveSmallIntegerField(default=0, verbose_name=_("extensions"))
    ended_at = models.DateTimeField(null=True, blank=True, verbose_name=_("ended at"))

    class Meta:
        verbose_name = _("hold")
        verbose_name_plural = _("holds")
        ordering = ["-created_at"]
        # Freeing a buyer's seats is its own permission (the "Box office" group).
        permissions = [("release_hold", _("Can release holds"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["active", "released", "expired", "converted"]),
                name="hold_valid_status",
            ),
            # One live hold per buyer per event; the service turns a clash into a 409.
            models.UniqueConstraint(
                fields=["user", "event"],
                condition=Q(status="active"),
                name="hold_one_active_per_buyer_event",
            ),
        ]
        indexes = [
            models.Index(
                fields=["expires_at"], condition=Q(status="active"), name="hold_active_expiry_idx"
            ),
            # The re-hold cool-down: the buyer's recent releases on the event, probed inside
            # the statement that inserts a new hold (seats.hold_free_seats).
            models.Index(
                fields=["user", "event", "ended_at"],
                condition=Q(status="released"),
                name="hold_released_recently_idx",
            ),
        ]

    def __str__(self):
        return gettext("Hold %(id)s (%(status)s)") % {
            "id": self.id,
            "status": self.get_status_display(),
        }


class EventSeat(models.Model):
    """One seat of one event: the unit of inventory that holds and tickets lock.

    A held seat carries its hold's expiry (held_until) so that availability is decided from the
    locked row's own columns; a seat whose held_until has passed is free, swept or not."""

    class Status(models.TextChoices):
        AVAILABLE = "available", _("Available")
        HELD = "held", _("Held")
        SOLD = "sold", _("Sold")

    event = models.ForeignKey(
        "events.Event",
        on_delete=models.CASCADE,
        related_name="event_seats",
        verbose_name=_("event"),
    )
    seat = models.ForeignKey(
        Seat, on_delete=models.PROTECT, related_name="event_seats", verbose_name=_("seat")
    )
    price_tier = models.ForeignKey(
        "events.PriceTier",
        on_delete=models.PROTECT,
        related_name="event_seats",
        verbose_name=_("price tier"),
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.AVAILABLE, verbose_name=_("status")
    )
    hold = models.ForeignKey(
        Hold,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="event_seats",
        verbose_name=_("hold"),
    )
    held_until = models.DateTimeField(null=True, blank=True, verbose_name=_("held until"))
    # The seat's place in the event's layout order (front to back, then left to right; 0, 1, 2
    # ...): what best available reads the free seats by, a few rows at a time, and the bit of
    # the seat in the availability answers.
    position = models.PositiveIntegerField(verbose_name=_("position"))

    class Meta:
        verbose_name = _("event seat")
        verbose_name_plural = _("event seats")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "seat"], name="eventseat_unique_event_seat"),
            models.UniqueConstraint(
                fields=["event", "position"], name="eventseat_unique_event_position"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["available", "held", "sold"]),
                name="eventseat_valid_status",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status="held", hold__isnull=False, held_until__isnull=False)
                    | (~Q(status="held") & Q(hold__isnull=True, held_until__isnull=True))
                ),
                name="eventseat_held_iff_hold",
            ),
        ]
        indexes = [
            models.Index(fields=["event", "status"], name="eventseat_event_status_idx"),
            # Best available: the free seats of an event in layout order, a few at a time.
            models.Index(
                fields=["event", "status", "position"], name="eventseat_event_status_pos_idx"
            ),
            # ... and the held ones whose hold has run out, without reading every held seat.
            models.Index(
                fields=["event", "status", "held_until"], name="eventseat_event_held_until_idx"
            ),
        ]

    def __str__(self):
        return f"{self.event_id}/{self.seat_id} {self.status}"


class LockStat(models.Model):
    """Seat-lock contention of one event seat during one minute.

    Rolled up from the Redis counters of apps/inventory/lockstats.py by a beat task (so history
    survives a Redis restart), except `degraded`, which is counted here directly because it
    happens when Redis is unreachable. attempts = acquired + failed counts Redis lock attempts;
    degraded counts holds that went ahead on the database layer alone. The wait_le_* columns are
    a histogram of lock waits (milliseconds, non-cumulative), from which P95 is read."""

    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="+")
    event_seat = models.ForeignKey(EventSeat, on_delete=models.CASCADE, related_name="lock_stats")
    window_start = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0, db_default=0)
    acquired = models.PositiveIntegerField(default=0, db_default=0)
    failed = models.PositiveIntegerField(default=0, db_default=0)
    degraded = models.PositiveIntegerField(default=0, db_default=0)
    wait_ms_total = models.FloatField(default=0, db_default=0)
    held_ms_total = models.FloatField(default=0, db_default=0)
    wait_le_1 = models.PositiveIntegerField(default=0, db_default=0)
    wait_le_2 = models.PositiveIntegerField(default=0, db_default=0)
    wait_le_5 = models.PositiveIntegerField(default=0, db_default=0)
    wait_le_10 = models.PositiveIntegerField(default=0, db_default=0)
    wait_le_25 = models.PositiveIntegerField(default=0, db_default=0)
    wait_le_50 = models.PositiveIntegerField(default=0, db_default=0)
    wait_le_100 = models.PositiveIntegerField(default=0, db_default=0)
    wait_le_250 = models.PositiveIntegerField(default=0, db_default=0)
    wait_le_500 = models.PositiveIntegerField(default=0, db_default=0)
    wait_le_1000 = models.PositiveIntegerField(default=0, db_default=0)
    wait_le_inf = models.PositiveIntegerField(default=0, db_default=0)

    class Meta:
        verbose_name = verbose_name_plural = _("lock contention")
        ordering = ["-window_start", "event_seat_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event_seat", "window_start"], name="lockstat_unique_seat_minute"
            ),
            models.CheckConstraint(
                condition=Q(attempts=models.F("acquired") + models.F("failed")),
                name="lockstat_attempts_add_up",
            ),
            models.CheckConstraint(
                condition=Q(wait_ms_total__gte=0) & Q(held_ms_total__gte=0),
                name="lockstat_times_non_negative",
            ),
        ]
        indexes = [models.Index(fields=["event", "window_start"], name="lockstat_event_window_idx")]

    def __str__(self):
        return f"seat:{self.event_seat_id} @ {self.window_start:%Y-%m-%d %H:%M}"

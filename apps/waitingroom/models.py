"""A room's settings, as staff set them. Who waits and who was admitted lives in Redis
(apps.waitingroom.state); this table is what Redis is told, and told again if it forgot."""

import secrets

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.events.models import Event


def new_draw_seed() -> str:
    return secrets.token_hex(16)


class WaitingRoom(models.Model):
    event = models.OneToOneField(
        Event,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="room",
        verbose_name=_("event"),
    )
    enabled = models.BooleanField(
        default=False,
        help_text=_("On: holds for this event need a pass from the room."),
        verbose_name=_("enabled"),
    )
    opens_at = models.DateTimeField(
        help_text=_(
            "Buyers who join before this are admitted in a random order (a lottery); "
            "after it, first come, first served. Admission starts here."
        ),
        verbose_name=_("opens at"),
    )
    admission_per_minute = models.PositiveIntegerField(
        default=60,
        validators=[MinValueValidator(1)],
        help_text=_("Buyers admitted per minute."),
        verbose_name=_("admission per minute"),
    )
    pass_minutes = models.PositiveSmallIntegerField(
        default=10,
        validators=[MinValueValidator(1)],
        help_text=_("How long an admitted buyer's pass lets them hold seats."),
        verbose_name=_("pass minutes"),
    )
    paused = models.BooleanField(
        default=False, help_text=_("Paused: nobody is admitted."), verbose_name=_("paused")
    )
    # The lottery's key: a buyer's place before opening is a hash of this and their id, so it
    # is random, the same on every join, and can be recomputed afterwards to audit the draw.
    draw_seed = models.CharField(
        max_length=64, default=new_draw_seed, editable=False, verbose_name=_("draw seed")
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("waiting room")
        verbose_name_plural = _("waiting rooms")
        constraints = [
            models.CheckConstraint(
                condition=Q(admission_per_minute__gte=1), name="waitingroom_rate_min"
            ),
            models.CheckConstraint(condition=Q(pass_minutes__gte=1), name="waitingroom_pass_min"),
        ]

    def __str__(self):
        return gettext("Waiting room for %(event)s") % {"event": self.event}

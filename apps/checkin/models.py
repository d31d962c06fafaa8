from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class CheckIn(models.Model):
    """A ticket let in at a door. The ticket is unique here: two doors scanning the same ticket
    in the same instant admit it once, whatever the code does (the second insert fails)."""

    ticket = models.OneToOneField(
        "bookings.Ticket",
        on_delete=models.PROTECT,
        related_name="check_in",
        verbose_name=_("ticket"),
    )
    door = models.CharField(
        max_length=40,
        help_text=_("The entrance that scanned it, e.g. north."),
        verbose_name=_("door"),
    )
    checked_in_at = models.DateTimeField(
        db_default=Now(), db_index=True, verbose_name=_("checked in at")
    )
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("checked in by"),
    )

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["-checked_in_at"]
        # Door stewards (the "Door" staff group) have this and nothing else.
        permissions = [("check_in_ticket", _("Can check tickets in at the door"))]
        constraints = [
            models.CheckConstraint(condition=Q(door__regex=r"\S"), name="checkin_door_named"),
        ]

    def __str__(self):
        return gettext("ticket %(ticket)s at %(door)s") % {
            "ticket": self.ticket_id,
            "door": self.door,
        }

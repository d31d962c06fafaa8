from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now


class CheckIn(models.Model):
    """A ticket let in at a door. The ticket is unique here: two doors scanning the same ticket
    in the same instant admit it once, whatever the code does (the second insert fails)."""

    ticket = models.OneToOneField(
        "bookings.Ticket", on_delete=models.PROTECT, related_name="check_in"
    )
    door = models.CharField(max_length=40, help_text="The entrance that scanned it, e.g. north.")
    checked_in_at = models.DateTimeField(db_default=Now(), db_index=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-checked_in_at"]
        verbose_name = "check-in"
        # Door stewards (the "Door" staff group) have this and nothing else.
        permissions = [("check_in_ticket", "Can check tickets in at the door")]
        constraints = [
            models.CheckConstraint(condition=Q(door__regex=r"\S"), name="checkin_door_named"),
        ]

    def __str__(self):
        return f"ticket {self.ticket_id} at {self.door}"

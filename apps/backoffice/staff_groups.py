"""The staff groups the shop ships, kept in step with this list after every `migrate` (a
post_migrate hook, so they also exist in a test database built without migrations). Give a
staff account a group in the admin (Users → Groups) instead of single permissions:

- "Box office": sees events, seats, holds, bookings and check-ins, the sales and contention
  pages, and may release holds; it cannot refund.
- "Finance": sees bookings and payments, and may cancel and refund bookings.
- "Door": checks tickets in (the /checkin/ page and POST /api/v1/checkin) and nothing else:
  no admin list, no bookings, and it cannot hold seats (apps.accounts.roles).

Staff with neither see nothing and can do nothing; superusers can do everything."""

import logging

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

logger = logging.getLogger(__name__)

_CATALOGUE = ["events.view_venue", "events.view_event", "events.view_pricetier"]
STAFF_GROUPS = {
    "Box office": [
        *_CATALOGUE,
        "events.view_tierassignment",
        "inventory.view_seat",
        "inventory.view_eventseat",
        "inventory.view_hold",
        "inventory.view_lockstat",
        "inventory.release_hold",
        "bookings.view_booking",
        "bookings.view_ticket",
        "checkin.view_checkin",
    ],
    "Finance": [
        *_CATALOGUE,
        "bookings.view_booking",
        "bookings.view_ticket",
        "bookings.refund_booking",
        "payments.view_payment",
        "payments.view_refund",
    ],
    # Door stewards: the check-in page and API, nothing else (not even the admin's lists).
    "Door": ["checkin.check_in_ticket"],
}


def ensure_staff_groups(**_signal_kwargs) -> None:
    """Creates the groups and sets their permissions to exactly the list (idempotent)."""
    for name, perms in STAFF_GROUPS.items():
        lookup = Q()
        for perm in perms:
            app_label, codename = perm.split(".")
            lookup |= Q(content_type__app_label=app_label, codename=codename)
        permissions = list(Permission.objects.filter(lookup))
        if len(permissions) != len(perms):
            # Permissions are created by the same post_migrate round; a missing one means an app
            # was not migrated yet: the next migrate completes the group.
            logger.warning(
                "staff group %s: %d of %d permissions exist", name, len(permissions), len(perms)
            )
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(permissions)

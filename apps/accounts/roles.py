"""Roles that are not a buyer. Door stewards (the "Door" staff group, apps.checkin) scan tickets
and do nothing else: the buyer's paths (holding seats) refuse them, so a steward's token that
goes astray cannot be used to hoard seats."""

DOOR_PERMISSION = "checkin.check_in_ticket"


def is_door_steward(user) -> bool:
    """A staff account that may check tickets in and is no superuser. The staff flag is read
    first: a buyer costs no query; a staff account's permissions are read once per user object."""
    return bool(
        getattr(user, "is_staff", False)
        and not user.is_superuser
        and user.has_perm(DOOR_PERMISSION)
    )

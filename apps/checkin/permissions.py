from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from apps.accounts.roles import DOOR_PERMISSION


class CanCheckIn(BasePermission):
    """Staff with the check-in permission (the "Door" group) or superusers; any other account,
    staff or buyer, gets a 403."""

    message = _("This account may not check tickets in.")

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm(DOOR_PERMISSION))

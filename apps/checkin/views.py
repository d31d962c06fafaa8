"""The door's pages: /checkin/ (pick the event) and /checkin/<event>/ (scan or type a code; the
answer comes from POST /api/v1/checkin, static/js/checkin.js). Staff with the check-in
permission only. Thin: the API and its service decide."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django_permissions_policy import PermissionsPolicyMiddleware

from apps.accounts.roles import DOOR_PERMISSION
from apps.common.views import or_404

from . import selectors


def _door_staff_only(request) -> None:
    if not request.user.has_perm(DOOR_PERMISSION):
        raise PermissionDenied


def _camera_allowed() -> str:
    """The site's Permissions-Policy with the camera allowed for this origin: the scanner."""
    policy = {**settings.PERMISSIONS_POLICY, "camera": ["self"]}
    return PermissionsPolicyMiddleware.compute_header_value(policy, name="the check-in page")


@login_required
@require_GET
def event_list(request):
    _door_staff_only(request)
    return render(request, "checkin/events.html", {"events": selectors.events_for_the_door()})


@login_required
@require_GET
def scanner(request, event_id):
    _door_staff_only(request)
    event = or_404(selectors.event_at_the_door, event_id)
    response = render(request, "checkin/scanner.html", {"event": event})
    response._permissions_policy_override = _camera_allowed()
    return response

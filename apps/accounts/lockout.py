"""Login lockouts (django-axes): who an attempt was for, and what a locked-out caller is told.
Axes counts failures per account and per client address on the HTML login, the admin login
and the API token endpoint; after AXES_FAILURE_LIMIT the account (or the address) is locked
for AXES_COOLOFF_TIME. Staff see and lift lockouts in the admin (Axes → Access attempts)."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import ngettext

from .selectors import normalize_email


def attempted_email(request, credentials) -> str:
    """The account an attempt names: `email` (the API), `username` (the login forms), in its
    one spelling, so that changing the case does not start a fresh count."""
    credentials = credentials or {}
    value = credentials.get("email") or credentials.get("username")
    if value is None and request is not None:
        data = getattr(request, "POST", {}) or {}
        value = data.get("email") or data.get("username")
    return normalize_email(str(value or ""))


def _minutes() -> int:
    return max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))


def lockout_response(request, original_response=None, credentials=None):
    minutes = _minutes()
    detail = ngettext(
        "Too many failed logins: this account or address is locked for %(minutes)s minute. "
        "Try again later, or reset your password.",
        "Too many failed logins: this account or address is locked for %(minutes)s minutes. "
        "Try again later, or reset your password.",
        minutes,
    ) % {"minutes": minutes}
    retry = {"Retry-After": str(int(settings.AXES_COOLOFF_TIME.total_seconds()))}
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "locked_out", "detail": detail}, status=429, headers=retry)
    response = render(request, "accounts/locked_out.html", {"detail": detail}, status=429)
    response["Retry-After"] = retry["Retry-After"]
    return response

"""The account page (change the password or the login address) and the password reset pages,
in the browser. The API calls the same services (apis.py)."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from apps.common.errors import InvalidRequest, RuleBroken, TooManyRequests

from . import reset, services, throttles


def _mismatch() -> dict[str, list[str]]:
    return {"new_password2": [_("The two passwords are different.")]}


def _errors(exc: InvalidRequest | RuleBroken) -> dict[str, list[str]]:
    return exc.extra.get("fields") or {"form": [exc.detail]}


def _account_page(request, *, password_errors=None, email_errors=None, email_value="", status=200):
    context = {
        "password_errors": password_errors or {},
        "email_errors": email_errors or {},
        "email_value": email_value,
    }
    return render(request, "accounts/account.html", context, status=status)


@never_cache
@login_required
def account(request):
    return _account_page(request)


@sensitive_post_parameters("current_password", "new_password", "new_password2")
@csrf_protect
@never_cache
@login_required
@require_POST
def change_password(request):
    new_password = request.POST.get("new_password", "")
    if new_password != request.POST.get("new_password2", ""):
        return _account_page(request, password_errors=_mismatch(), status=400)
    try:
        throttles.check_account_change(request)
        user = services.change_password(
            user=request.user,
            current_password=request.POST.get("current_password", ""),
            new_password=new_password,
        )
    except TooManyRequests as exc:
        return _account_page(request, password_errors={"form": [exc.detail]}, status=429)
    except (InvalidRequest, RuleBroken) as exc:
        return _account_page(request, password_errors=_errors(exc), status=400)
    # This session goes on; every other session and every API token of the account ends.
    update_session_auth_hash(request, user)
    messages.success(request, _("Your password is changed. Other devices are logged out."))
    return redirect("accounts:account")


@sensitive_post_parameters("current_password")
@csrf_protect
@never_cache
@login_required
@require_POST
def change_email(request):
    email = request.POST.get("email", "").strip()
    try:
        throttles.check_account_change(request)
        user = services.change_email(
            user=request.user,
            current_password=request.POST.get("current_password", ""),
            new_email=email,
        )
    except TooManyRequests as exc:
        errors = {"form": [exc.detail]}
        return _account_page(request, email_errors=errors, email_value=email, status=429)
    except (InvalidRequest, RuleBroken) as exc:
        return _account_page(request, email_errors=_errors(exc), email_value=email, status=400)
    messages.success(request, _("You now log in with %(email)s.") % {"email": user.email})
    return redirect("accounts:account")


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def password_reset(request):
    email = request.POST.get("email", "").strip()
    if request.method == "POST":
        try:
            throttles.check_reset_request(request, email)
            reset.request_password_reset(email=email, base_url=request.build_absolute_uri("/"))
        except (TooManyRequests, InvalidRequest) as exc:
            error = exc.extra.get("fields", {}).get("email", [exc.detail])[0]
            context = {"email": email, "error": error}
            return render(request, "accounts/password_reset.html", context, status=exc.status_code)
        return redirect("accounts:password-reset-sent")
    return render(request, "accounts/password_reset.html", {"email": email})


@never_cache
def password_reset_sent(request):
    return render(
        request, "accounts/password_reset_sent.html", {"detail": reset.RESET_REQUESTED_MESSAGE}
    )


def _confirm_page(request, errors=None):
    status = 400 if errors else 200
    context = {"errors": errors or {}}
    return render(request, "accounts/password_reset_confirm.html", context, status=status)


def _reset_with_link(request, uidb64, token):
    if request.method == "GET":
        reset.user_for_link(uidb64, token)
        return _confirm_page(request)
    new_password = request.POST.get("new_password", "")
    if new_password != request.POST.get("new_password2", ""):
        reset.user_for_link(uidb64, token)
        return _confirm_page(request, _mismatch())
    try:
        reset.reset_password(uidb64=uidb64, token=token, new_password=new_password)
    except reset.InvalidResetLink:
        raise
    except (InvalidRequest, RuleBroken) as exc:
        return _confirm_page(request, _errors(exc))
    messages.success(request, _("Your new password is set. Log in with it."))
    return redirect("accounts:login")


@sensitive_post_parameters("new_password", "new_password2")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def password_reset_confirm(request, uidb64, token):
    try:
        response = _reset_with_link(request, uidb64, token)
    except reset.InvalidResetLink as exc:
        context = {"detail": exc.detail}
        response = render(request, "accounts/password_reset_invalid.html", context, status=400)
    # The link's token is in this page's address; the shop's referrer policy (same-origin)
    # keeps it from other sites, and the page loads nothing from elsewhere. (no-referrer would
    # make the browser send `Origin: null` with the form, which the CSRF check refuses.)
    return response

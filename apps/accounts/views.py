"""Sign up, log in and log out for buyers in the browser (session login with CSRF). A buyer sent
here from a page comes back to it (`next`), e.g. to the event whose seats they were picking."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, login, logout
from django.contrib.auth.views import LoginView
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from apps.common.errors import InvalidRequest, RuleBroken
from apps.common.throttles import FailOpenScopedRateThrottle

from . import services


def _safe_next(request) -> str:
    target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME) or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


class _SignupThrottle(FailOpenScopedRateThrottle):
    """The API's throttle, on the sign-up page: per client address (NUM_PROXIES), rate
    `signup` (THROTTLE_SIGNUP)."""


class _SignupScope:
    throttle_scope = "signup"


def _signup_allowed(request) -> bool:
    return _SignupThrottle().allow_request(request, _SignupScope())


class ShopLoginView(LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.get_user()
        if user.full_name:
            welcome = _("Welcome back, %(name)s!") % {"name": user.full_name}
        else:
            welcome = _("Welcome back!")
        messages.success(self.request, welcome)
        return response


@sensitive_post_parameters("password", "password2")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def signup(request):
    next_url = _safe_next(request)
    if request.user.is_authenticated:
        return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
    values = {
        "email": request.POST.get("email", "").strip(),
        "full_name": request.POST.get("full_name", "").strip(),
    }
    errors: dict[str, list[str]] = {}
    if request.method == "POST" and not _signup_allowed(request):
        messages.error(request, _("Too many sign-ups from your address; try again later."))
        return render(
            request,
            "accounts/signup.html",
            {"values": values, "errors": errors, "next": next_url},
            status=429,
        )
    if request.method == "POST":
        password = request.POST.get("password", "")
        if password != request.POST.get("password2", ""):
            errors["password2"] = [_("The two passwords are different.")]
        else:
            try:
                user = services.register_user(
                    email=values["email"], password=password, full_name=values["full_name"]
                )
            except (InvalidRequest, RuleBroken) as exc:
                errors = exc.extra.get("fields") or {"form": [exc.detail]}
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, _("Your account is ready. Welcome!"))
                return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
    return render(
        request,
        "accounts/signup.html",
        {"values": values, "errors": errors, "next": next_url},
        status=400 if errors else 200,
    )


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, _("You are logged out."))
    return redirect(_safe_next(request) or resolve_url(settings.LOGOUT_REDIRECT_URL))

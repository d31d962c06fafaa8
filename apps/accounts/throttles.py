"""Rate limits of password resets and account changes, shared by the API and the pages: the
API's fail-open throttles (apps.common.throttles: the Django cache, Redis in production; with
Redis down nothing is counted and nothing refused), called with a scope."""

from types import SimpleNamespace

from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from apps.common.errors import TooManyRequests
from apps.common.throttles import FailOpenScopedRateThrottle

from .selectors import normalize_email


class _AddressThrottle(FailOpenScopedRateThrottle):
    """Counts per e-mail address asked about, whether an account has it or not. The key holds a
    keyed hash of the address, not the address."""

    def __init__(self, email: str):
        super().__init__()
        self.email = normalize_email(email)

    def get_cache_key(self, request, view):
        digest = salted_hmac("password-reset-address", self.email).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": digest}


def _wait(throttle, request, scope: str) -> float | None:
    if throttle.allow_request(request, SimpleNamespace(throttle_scope=scope)):
        return None
    return throttle.wait() or 1.0


def _refuse(wait: float, detail: str):
    seconds = max(1, int(round(wait)))
    raise TooManyRequests(detail, retry_after=seconds)


def check_reset_request(request, email: str) -> None:
    """TooManyRequests (429 `throttled`, Retry-After) past the rate per client address
    (THROTTLE_PASSWORD_RESET) or per address asked about (THROTTLE_PASSWORD_RESET_ADDRESS).
    Both counters move on every request, so that one cannot be dodged by tripping the other."""
    waits = [
        _wait(FailOpenScopedRateThrottle(), request, "password_reset"),
        _wait(_AddressThrottle(email), request, "password_reset_address"),
    ]
    waits = [wait for wait in waits if wait is not None]
    if waits:
        _refuse(max(waits), _("Too many password reset requests; please try again later."))


def check_account_change(request) -> None:
    """TooManyRequests past THROTTLE_ACCOUNT_CHANGE attempts (per account) at a change that
    needs the current password: a stolen session cannot guess it at leisure."""
    wait = _wait(FailOpenScopedRateThrottle(), request, "account_change")
    if wait is not None:
        _refuse(wait, _("Too many attempts to change your account; please try again later."))

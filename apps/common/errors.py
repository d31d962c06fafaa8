"""Errors a user can cause. Services raise these; the API and the pages turn them into a
status code and a message, so that no view decides what went wrong."""

from typing import Any

from django.utils.translation import gettext_lazy as _


class ShopError(Exception):
    status_code = 400
    code = "bad_request"
    default_detail = _("The request could not be processed.")
    # A retryable error (lock contention, a gateway hiccup) is not stored as the answer to an
    # idempotency key: retrying with the same key tries again.
    retryable = False

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        retryable: bool | None = None,
        **extra: Any,
    ):
        # In the language active where it is raised (the request's): the message is final here,
        # whatever later carries it (a JSON body, a page, a flash message, a stored replay).
        self.detail = str(detail or self.default_detail)
        if code:
            self.code = code
        if retryable is not None:
            self.retryable = retryable
        self.extra = extra
        super().__init__(self.detail)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "detail": self.detail, **self.extra}


class InvalidRequest(ShopError):
    status_code = 400
    code = "validation_error"
    default_detail = _("Invalid input.")


class PaymentRequired(ShopError):
    status_code = 402
    code = "payment_declined"
    default_detail = _("The payment was declined.")


class NotFound(ShopError):
    status_code = 404
    code = "not_found"
    default_detail = _("Not found.")


class Conflict(ShopError):
    status_code = 409
    code = "conflict"
    default_detail = _("The request conflicts with the current state.")


class Gone(ShopError):
    status_code = 410
    code = "gone"
    default_detail = _("This is no longer available.")


class RuleBroken(ShopError):
    status_code = 422
    code = "rule_broken"
    default_detail = _("The request breaks a rule of the shop.")


class TooManyRequests(ShopError):
    """429; `retry_after` (seconds) in the extras becomes the Retry-After header."""

    status_code = 429
    code = "throttled"
    default_detail = _("Too many requests; please wait a moment.")
    retryable = True


class ServiceUnavailable(ShopError):
    status_code = 503
    code = "service_unavailable"
    default_detail = _("Please try again in a moment.")


class Forbidden(ShopError):
    status_code = 403
    code = "forbidden"
    default_detail = _("This account may not do that.")

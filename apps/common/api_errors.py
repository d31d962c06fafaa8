"""One JSON error shape for the whole API: {"code", "detail", "fields"?, ...}."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from .errors import ShopError

_CODES = {
    status.HTTP_400_BAD_REQUEST: "validation_error",
    status.HTTP_401_UNAUTHORIZED: "not_authenticated",
    status.HTTP_403_FORBIDDEN: "permission_denied",
    status.HTTP_404_NOT_FOUND: "not_found",
    status.HTTP_405_METHOD_NOT_ALLOWED: "method_not_allowed",
    status.HTTP_406_NOT_ACCEPTABLE: "not_acceptable",
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: "unsupported_media_type",
    status.HTTP_429_TOO_MANY_REQUESTS: "throttled",
}


def _first_message(data) -> str:
    if isinstance(data, list) and data:
        return _first_message(data[0])
    if isinstance(data, dict) and data:
        key, value = next(iter(data.items()))
        message = _first_message(value)
        return message if key == "non_field_errors" else f"{key}: {message}"
    return str(data)


def shop_error_answer(exc: ShopError) -> tuple[int, dict, dict]:
    """Status, JSON body and headers of the API's answer to a ShopError (also what the
    waiting room's own server answers, apps.waitingroom.edge)."""
    retry_after = exc.extra.get("retry_after")
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    return exc.status_code, exc.as_dict(), headers


def api_exception_handler(exc, context):
    if isinstance(exc, ShopError):
        status_code, body, headers = shop_error_answer(exc)
        return Response(body, status=status_code, headers=headers)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None:
        return None

    code = _CODES.get(response.status_code, "error")
    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        body = {"code": code, "detail": _first_message(fields), "fields": fields}
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        specific = getattr(detail, "code", None)
        if isinstance(detail, dict) and "detail" in detail:
            # simplejwt's errors carry {"detail", "code", "messages"?} as their detail.
            specific = str(detail.get("code") or "") or getattr(detail["detail"], "code", None)
            detail = detail["detail"]
        if specific and specific not in {"invalid", "error", "not_found", "permission_denied"}:
            code = specific
        body = {"code": code, "detail": str(detail)}
    response.data = body
    return response

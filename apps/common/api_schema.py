"""OpenAPI pieces shared by the API views."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny

ErrorSerializer = inline_serializer(
    name="Error",
    fields={
        "code": serializers.CharField(help_text="Machine-readable, e.g. seats_unavailable."),
        "detail": serializers.CharField(help_text="A sentence to show the user."),
        "fields": serializers.DictField(
            required=False, help_text="Per-field messages for validation errors."
        ),
    },
)

ERROR_RESPONSES = {
    code: OpenApiResponse(ErrorSerializer, description=text)
    for code, text in {
        400: "Invalid input",
        401: "Not authenticated",
        402: "Payment declined",
        404: "Not found (or not yours)",
        409: "Conflict: seats taken, seat busy, hold exists, request in flight",
        410: "Hold expired",
        422: "A rule of the shop was broken",
        502: "Payment processing error (retry)",
    }.items()
}


def rate_limit_response(code: str) -> OpenApiResponse:
    """The 429 of an action limited per account and per address (apps.common.rate_limits)."""
    return OpenApiResponse(
        ErrorSerializer,
        description=f"{code}: too many requests from this account or address; retry after "
        "`Retry-After` seconds",
    )


# Goes into `parameters` of an operation with a rate limit: the header of its 429.
RETRY_AFTER_HEADER = OpenApiParameter(
    "Retry-After",
    int,
    OpenApiParameter.HEADER,
    response=[429],
    description="Seconds until the rate limit lets this request through again",
)


IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "Any unique string (e.g. a UUID). A retry with the same key and body returns the first "
        "response; the same key with another body is a 422; while the first is running, a 409."
    ),
)

PAGE_ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="`page` or `page_size` is not valid"),
    404: OpenApiResponse(ErrorSerializer, description="There is no such page"),
}


class ShopAutoSchema(AutoSchema):
    """Adds to every operation the errors that come from the framework rather than the view: a
    401 wherever credentials are needed, a 400 and a 404 for the page parameters of a list."""

    def _get_response_bodies(self, direction="response"):
        bodies = super()._get_response_bodies(direction)
        extra = {}
        if self._needs_credentials():
            extra[401] = ERROR_RESPONSES[401]
        if self.method == "GET" and self._is_list_view() and self._get_paginator():
            extra.update(PAGE_ERRORS)
        for code, response in extra.items():
            if str(code) not in bodies:
                bodies[str(code)] = self._get_response_for_code(
                    response, str(code), direction=direction
                )
        return bodies

    def _needs_credentials(self) -> bool:
        permissions = self.view.get_permissions()
        return bool(self.view.get_authenticators()) and any(
            not isinstance(permission, AllowAny) for permission in permissions
        )

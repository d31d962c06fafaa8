"""OpenAPI pieces shared by the API views."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

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

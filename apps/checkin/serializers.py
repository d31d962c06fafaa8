"""The scanner API's request and answers as the schema describes them."""

from rest_framework import serializers

from apps.common.parsing import AsciiIntegerField

from .services import MAX_CODE_LENGTH, MAX_DOOR_LENGTH

MAX_ID = 2**63 - 1


class CheckInRequestSerializer(serializers.Serializer):
    event = AsciiIntegerField(min_value=1, max_value=MAX_ID, help_text="The event's id.")
    code = serializers.CharField(
        max_length=MAX_CODE_LENGTH, help_text="What the ticket's QR code says (the ticket code)."
    )
    door = serializers.CharField(
        max_length=MAX_DOOR_LENGTH, help_text="The entrance scanning, e.g. north."
    )


class AdmittedSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=["admitted"])
    detail = serializers.CharField()
    event = serializers.IntegerField()
    place = serializers.CharField(
        help_text='"Section A, row 3, seat 5" or "Standing (general admission)".'
    )
    door = serializers.CharField()
    checked_in_at = serializers.DateTimeField()
    checked_in_at_local = serializers.CharField(
        help_text="The venue's clock with its zone, e.g. 14 Mar 20:05 CET."
    )


class AlreadyCheckedInSerializer(serializers.Serializer):
    code = serializers.ChoiceField(
        choices=["already_checked_in", "idempotency_request_in_progress"],
        help_text="idempotency_request_in_progress: a request with this Idempotency-Key is "
        "still running; retry.",
    )
    detail = serializers.CharField()
    checked_in_at = serializers.DateTimeField(
        required=False, help_text="already_checked_in: when the ticket was first scanned."
    )
    checked_in_at_local = serializers.CharField(
        required=False, help_text="The same on the venue's clock."
    )
    door = serializers.CharField(required=False, help_text="Where it was first scanned.")
    place = serializers.CharField(required=False)

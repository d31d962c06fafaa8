"""The scanner API's request and answers as the schema describes them."""

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.common.parsing import AsciiIntegerField

from .services import MAX_DOOR_LENGTH

MAX_ID = 2**63 - 1
# A camera reads whatever QR code is held up to it (a web address, a boarding pass): anything up
# to this long gets an answer ("not a ticket"), not a complaint about its length.
MAX_SCANNED_LENGTH = 200
_NOT_BLANK = RegexValidator(r"\S", message=_("This field may not be blank."))


class ScanSerializer(serializers.Serializer):
    event = AsciiIntegerField(min_value=1, max_value=MAX_ID, help_text="The event's id.")
    code = serializers.CharField(
        max_length=MAX_SCANNED_LENGTH,
        validators=[_NOT_BLANK],
        help_text="What the QR code says: a ticket's code, or else 404 unknown_code.",
    )
    door = serializers.CharField(
        max_length=MAX_DOOR_LENGTH,
        validators=[_NOT_BLANK],
        help_text="The entrance scanning, e.g. north.",
    )


class AdmittedSerializer(serializers.Serializer):
    result = serializers.CharField(help_text="Always `admitted`: let the holder in.")
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
    code = serializers.CharField(
        help_text="already_checked_in; or idempotency_request_in_progress: a request with this "
        "Idempotency-Key is still running, retry."
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

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.common.parsing import AsciiIntegerField

from .models import Hold
from .selectors import hold_public_status


@extend_schema_field(
    {
        "type": "array",
        "items": {"type": "integer", "minimum": 1},
        "minItems": 1,
        "maxItems": 100,
        "uniqueItems": True,
    }
)
class SeatIdsField(serializers.ListField):
    """Event seat ids, each once: the service refuses a list with one twice (400
    `duplicate_seats`), so the schema says they are unique."""


class HoldCreateSerializer(serializers.Serializer):
    """Shape only; the rules (how many seats, which ones, on sale or not) are the service's.
    The schema's description of a hold request; requests are read by `parse_hold_request`,
    which checks the same shape for a fraction of the CPU (tests hold the two together)."""

    event = AsciiIntegerField(min_value=1)
    seats = SeatIdsField(
        child=AsciiIntegerField(min_value=1),
        required=False,
        min_length=1,
        max_length=100,
    )
    quantity = AsciiIntegerField(required=False, min_value=1, max_value=100)
    section = serializers.CharField(required=False, allow_blank=True, max_length=50)
    area = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=50,
        help_text="A general-admission (standing) area: hold `quantity` places in it.",
    )
    price_tier = AsciiIntegerField(required=False, min_value=1)

    def validate(self, attrs):
        if ("seats" in attrs) == ("quantity" in attrs):
            raise serializers.ValidationError(
                _("Give either `seats` (event seat ids) or `quantity` (best available).")
            )
        return attrs


class HoldSeatSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    section = serializers.CharField()
    row = serializers.CharField()
    number = serializers.IntegerField()
    standing = serializers.BooleanField(help_text="A place in a general-admission area.")
    label = serializers.CharField(help_text="What to show: the seat, or the area.")
    price = serializers.DecimalField(max_digits=10, decimal_places=2)
    tier = serializers.CharField()


class HoldSerializer(serializers.ModelSerializer):
    """The schema's description of a hold; the API writes it with
    apps.inventory.hold_json.hold_document (tests hold the two together)."""

    event = serializers.IntegerField(source="event_id")
    status = serializers.SerializerMethodField()
    seats = HoldSeatSerializer(source="seat_lines", many=True)
    total = serializers.SerializerMethodField()
    currency = serializers.CharField(source="event.currency")
    extensions_left = serializers.SerializerMethodField()

    class Meta:
        model = Hold
        fields = [
            "id",
            "event",
            "status",
            "expires_at",
            "extensions",
            "extensions_left",
            "seats",
            "total",
            "currency",
            "created_at",
        ]

    def get_status(self, hold) -> str:
        return hold_public_status(hold)

    def get_total(self, hold) -> str:
        return str(sum((line["price"] for line in hold.seat_lines), start=0))

    def get_extensions_left(self, hold) -> int:
        return max(0, settings.TICKETING["MAX_HOLD_EXTENSIONS"] - hold.extensions)

from django.utils.translation import gettext as _
from rest_framework import serializers

from apps.common.errors import RuleBroken
from apps.events.models import Event, PriceTier, Venue

from .selectors import availability


class EventSearchParamsSerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Words to find in the title, description, venue name or city.",
    )
    city = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text="Exact city, any case."
    )
    date_from = serializers.DateField(
        required=False, help_text="Events starting on or after this day (YYYY-MM-DD)."
    )
    date_to = serializers.DateField(
        required=False, help_text="Events starting on or before this day (YYYY-MM-DD)."
    )

    def validate(self, attrs):
        # Both dates well-formed but reversed: a 422 (no schema can say "after date_from"),
        # where a malformed date is the serializer's 400.
        date_from, date_to = attrs.get("date_from"), attrs.get("date_to")
        if date_from and date_to and date_to < date_from:
            message = _("Must not be before date_from.")
            raise RuleBroken(
                f"date_to: {message}",
                code="invalid_date_range",
                fields={"date_to": [message]},
            )
        return attrs


class VenueSerializer(serializers.ModelSerializer):
    time_zone = serializers.CharField(
        read_only=True,
        help_text="The venue's IANA time zone (e.g. Europe/Berlin). Times in the API are "
        "instants in UTC; show them on this clock.",
    )

    class Meta:
        model = Venue
        fields = ["id", "name", "city", "time_zone"]


class PriceTierSerializer(serializers.ModelSerializer):
    class Meta:
        model = PriceTier
        fields = ["id", "name", "price", "colour"]


class EventSummarySerializer(serializers.ModelSerializer):
    """An event in the catalog. Needs context["seat_counts"] ({event_id: counts}, from
    inventory.selectors.seat_counts) and the min_price/max_price annotations."""

    venue = VenueSerializer()
    min_price = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    max_price = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    seats_available = serializers.SerializerMethodField()
    seats_held = serializers.SerializerMethodField()
    seats_sold = serializers.SerializerMethodField()
    sold_out = serializers.SerializerMethodField(
        help_text="Every seat is sold (none available, none held that could come back)."
    )

    class Meta:
        model = Event
        fields = [
            "id",
            "title",
            "slug",
            "description",
            "starts_at",
            "sales_start",
            "sales_end",
            "venue",
            "currency",
            "min_price",
            "max_price",
            "seats_available",
            "seats_held",
            "seats_sold",
            "sold_out",
        ]
        read_only_fields = fields

    def _availability(self, event) -> dict:
        return availability(self.context["seat_counts"].get(event.id))

    def get_seats_available(self, event) -> int:
        return self._availability(event)["seats_available"]

    def get_seats_held(self, event) -> int:
        return self._availability(event)["seats_held"]

    def get_seats_sold(self, event) -> int:
        return self._availability(event)["seats_sold"]

    def get_sold_out(self, event) -> bool:
        return self._availability(event)["sold_out"]


class EventDetailSerializer(EventSummarySerializer):
    price_tiers = PriceTierSerializer(many=True)

    class Meta(EventSummarySerializer.Meta):
        fields = [
            *EventSummarySerializer.Meta.fields,
            "status",
            "max_seats_per_order",
            "hold_minutes",
            "price_tiers",
        ]
        read_only_fields = fields


class SeatMapSeatSerializer(serializers.Serializer):
    """Documents one seat of the seat map; the view builds these as plain dicts."""

    id = serializers.IntegerField(help_text="Event seat id: what a hold asks for.")
    section = serializers.CharField()
    row = serializers.CharField()
    number = serializers.IntegerField()
    x = serializers.FloatField()
    y = serializers.FloatField(help_text="Smaller is nearer the stage.")
    price = serializers.DecimalField(max_digits=10, decimal_places=2)
    price_tier = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["available", "held", "sold"])


class SeatMapSerializer(serializers.Serializer):
    event = serializers.IntegerField()
    seats = SeatMapSeatSerializer(many=True)


class LayoutTierSerializer(serializers.Serializer):
    name = serializers.CharField()
    price = serializers.DecimalField(max_digits=10, decimal_places=2)
    colour = serializers.CharField()


class LayoutAreaSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="Hold places in it with {area, quantity}.")
    first = serializers.IntegerField(
        help_text="The bit of its first place in the availability bitsets (the places follow "
        "the numbered seats, one area after another)."
    )
    capacity = serializers.IntegerField()
    tiers = serializers.ListField(
        child=serializers.IntegerField(), help_text="Price tier ids its places sell at."
    )


class SeatLayoutSerializer(serializers.Serializer):
    event = serializers.IntegerField()
    version = serializers.CharField(help_text="Changes whenever the layout does.")
    sections = serializers.ListField(child=serializers.CharField())
    tiers = serializers.DictField(
        child=LayoutTierSerializer(), help_text="Price tiers by id (as a string)."
    )
    seats = serializers.ListField(
        child=serializers.ListField(),
        help_text=(
            "Every numbered seat in layout order (front to back, then left to right), as "
            "[id, section, row, number, x, y, price tier id]. The n-th seat is bit n of the "
            "availability bitsets."
        ),
    )
    areas = LayoutAreaSerializer(many=True)


class SeatAvailabilitySerializer(serializers.Serializer):
    event = serializers.IntegerField()
    layout = serializers.CharField(help_text="The layout version these bits go with.")
    seats = serializers.IntegerField()
    available = serializers.IntegerField()
    held = serializers.CharField(
        help_text=(
            "Base64 bitset over the layout order: bit n (byte n // 8, least significant bit "
            "first) is set when the n-th seat is on hold."
        )
    )
    sold = serializers.CharField(help_text="Base64 bitset of the sold seats, as `held`.")
    areas = serializers.DictField(
        child=serializers.IntegerField(), help_text="Places left in each standing area, by name."
    )

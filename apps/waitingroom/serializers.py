"""The room's answers as the schema describes them (the API writes them from Place)."""

from rest_framework import serializers


class RoomStatusSerializer(serializers.Serializer):
    event = serializers.IntegerField()
    state = serializers.ChoiceField(
        choices=["not_joined", "waiting", "admitted", "expired", "spent", "closed"],
        help_text="waiting: in the queue; admitted: `queue_pass` lets you hold seats until "
        "`pass_expires_at`; expired: the pass ran out unused; spent: used for a booking; "
        "closed: the event has no room on now, hold seats as usual.",
    )
    position = serializers.IntegerField(
        allow_null=True, help_text="1 = admitted next. Before opening it is your lottery place."
    )
    waiting = serializers.IntegerField(help_text="Buyers waiting now.")
    estimated_wait_seconds = serializers.IntegerField(
        allow_null=True, help_text="Null while admission is paused."
    )
    poll_seconds = serializers.FloatField(
        allow_null=True, help_text="Ask again after this many seconds (also `Retry-After`)."
    )
    opens_at = serializers.DateTimeField(
        allow_null=True, help_text="Join before it: a lottery; after it: first come first served."
    )
    paused = serializers.BooleanField()
    queue_pass = serializers.CharField(
        allow_null=True, help_text="Send it as the `X-Queue-Pass` header with POST /holds."
    )
    pass_expires_at = serializers.DateTimeField(allow_null=True)

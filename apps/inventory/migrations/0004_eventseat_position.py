from django.db import migrations, models


def number_existing_event_seats(apps, schema_editor):
    """Front to back, then left to right, per event (what create_event_seats does)."""
    EventSeat = apps.get_model("inventory", "EventSeat")
    events = EventSeat.objects.values_list("event_id", flat=True).distinct()
    for event_id in events.iterator():
        seats = list(
            EventSeat.objects.filter(event_id=event_id)
            .order_by("seat__y", "seat__x", "seat_id")
            .only("id")
        )
        for position, seat in enumerate(seats):
            seat.position = position
        EventSeat.objects.bulk_update(seats, ["position"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [("inventory", "0003_drop_version")]

    operations = [
        migrations.AddField(
            model_name="eventseat",
            name="position",
            field=models.PositiveIntegerField(null=True),
        ),
        migrations.RunPython(number_existing_event_seats, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="eventseat",
            name="position",
            field=models.PositiveIntegerField(),
        ),
        migrations.AddConstraint(
            model_name="eventseat",
            constraint=models.UniqueConstraint(
                fields=("event", "position"), name="eventseat_unique_event_position"
            ),
        ),
        migrations.AddIndex(
            model_name="eventseat",
            index=models.Index(
                fields=["event", "status", "position"], name="eventseat_event_status_pos_idx"
            ),
        ),
    ]

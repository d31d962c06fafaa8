import django.db.models.deletion
from django.db import migrations, models


def fill_event(apps, schema_editor):
    TierAssignment = apps.get_model("events", "TierAssignment")
    PriceTier = apps.get_model("events", "PriceTier")
    TierAssignment.objects.update(
        event_id=models.Subquery(
            PriceTier.objects.filter(pk=models.OuterRef("price_tier_id")).values("event_id")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0001_initial"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="tierassignment",
            name="tierassignment_unique",
        ),
        migrations.AddField(
            model_name="tierassignment",
            name="event",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="tier_assignments",
                to="events.event",
            ),
        ),
        migrations.RunPython(fill_event, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="tierassignment",
            name="event",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="tier_assignments",
                to="events.event",
            ),
        ),
        migrations.AddConstraint(
            model_name="tierassignment",
            constraint=models.UniqueConstraint(
                fields=("event", "section", "row"),
                name="tierassignment_one_tier_per_place",
                violation_error_message="This section/row already has a price tier.",
            ),
        ),
        migrations.AlterConstraint(
            model_name="event",
            name="event_sales_window_ordered",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("sales_start__isnull", True),
                    ("sales_end__isnull", True),
                    ("sales_end__gt", models.F("sales_start")),
                    _connector="OR",
                ),
                name="event_sales_window_ordered",
                violation_error_message="Sales must end after they start.",
            ),
        ),
    ]

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


def _forget_saved_event(sender, instance, **kwargs):
    from .services import forget_event_facts

    forget_event_facts(instance.pk)


class InventoryConfig(AppConfig):
    name = "apps.inventory"
    label = "inventory"

    def ready(self):
        from apps.events.models import Event

        # Holds keep an event's sale facts for a second (services.EVENT_FACTS_SECONDS); a
        # save in this process (publish, cancel, an admin edit) takes effect here at once.
        for name, signal in (("saved", post_save), ("deleted", post_delete)):
            signal.connect(
                _forget_saved_event, sender=Event, dispatch_uid=f"inventory-forget-event-{name}"
            )

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy


def _forget_saved_event(sender, instance, **kwargs):
    from .sale_facts import forget_sale_facts

    forget_sale_facts(instance.pk)


class EventsConfig(AppConfig):
    name = "apps.events"
    label = "events"
    verbose_name = gettext_lazy("Events")

    def ready(self):
        from .models import Event

        # The services forget what they change themselves; this covers a model save or delete
        # made anywhere else in this process (the admin's change form).
        for name, signal in (("saved", post_save), ("deleted", post_delete)):
            signal.connect(
                _forget_saved_event, sender=Event, dispatch_uid=f"events-forget-event-{name}"
            )

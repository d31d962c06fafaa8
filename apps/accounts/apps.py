from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy


def _forget_saved_user(sender, instance, **kwargs):
    from .authentication import forget_user

    forget_user(instance.pk)


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"
    verbose_name = gettext_lazy("Accounts")

    def ready(self):
        # The API remembers a token's user for a few seconds (authentication.py); a save in
        # this process (deactivation, a new password) takes effect here at once.
        for name, signal in (("saved", post_save), ("deleted", post_delete)):
            signal.connect(
                _forget_saved_user,
                sender=settings.AUTH_USER_MODEL,
                dispatch_uid=f"accounts-forget-user-{name}",
            )

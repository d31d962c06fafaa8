"""The account e-mails (a password reset link, a notice of a changed login address), built from
templates/emails/accounts/ with a text and an HTML part and sent through Django's mail backend
(EMAIL_URL / EMAIL_HOST; the console by default). Only the Celery tasks call these: sending is
a network call that a request must not wait for. The worker has no request, so each message is
written in the language of the request that asked for it, passed along with the task."""

import logging
from email.utils import parseaddr

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import ngettext

from apps.common.languages import written_in
from apps.common.mail import build_message, send_message

from . import selectors
from .models import User

logger = logging.getLogger(__name__)


def _send(template: str, to: str, context: dict) -> None:
    subject = render_to_string(f"emails/accounts/{template}_subject.txt", context)
    send_message(
        build_message(
            to=to,
            subject=" ".join(subject.split()),
            template=f"emails/accounts/{template}",
            context=context,
        )
    )


def _duration(seconds: int) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        hours = seconds // 3600
        return ngettext("%(count)s hour", "%(count)s hours", hours) % {"count": hours}
    minutes = max(1, seconds // 60)
    return ngettext("%(count)s minute", "%(count)s minutes", minutes) % {"count": minutes}


def reset_link_path(user: User) -> str:
    """The path of a fresh one-time link: it stops working once the password changes (the
    token hashes the password hash), after PASSWORD_RESET_TIMEOUT, and when the account logs
    in or changes its address (both are in the hash too)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return reverse("accounts:password-reset-confirm", kwargs={"uidb64": uid, "token": token})


def send_password_reset(email: str, base_url: str, language: str | None = None) -> bool:
    """Sends a reset link to the address if an account may reset its password with it; for any
    other address, nothing (and only the log says so). The token is made here, at sending time,
    from the account as it is now."""
    user = selectors.account_for_password_reset(email)
    if user is None:
        logger.info("password reset asked for an address without an account")
        return False
    with written_in(language):
        context = {
            "user": user,
            "reset_url": (settings.SITE_URL or base_url.rstrip("/")) + reset_link_path(user),
            "valid_for": _duration(settings.PASSWORD_RESET_TIMEOUT),
        }
        _send("password_reset", user.email, context)
    logger.info("password reset link sent user=%s", user.pk)
    return True


def send_email_changed_notice(user_id: int, old_email: str, language: str | None = None) -> bool:
    """Tells the old address that the login address changed, so that an owner who did not
    change it finds out."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return False
    context = {
        "user": user,
        "old_email": old_email,
        "new_email": user.email,
        "support_email": parseaddr(settings.DEFAULT_FROM_EMAIL)[1],
    }
    with written_in(language):
        _send("email_changed", old_email, context)
    logger.info("address change notice sent user=%s", user.pk)
    return True

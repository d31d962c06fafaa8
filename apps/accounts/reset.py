"""Password reset: a one-time link by e-mail, then a new password. The same for the pages and
the API. Nothing tells whether an address has an account: asking for a link always gets the
same answer after the same work (the account is looked up, and the message made and sent, by
the worker)."""

import logging

from axes.utils import reset as reset_login_failures
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext_lazy as _

from apps.common.errors import RuleBroken
from apps.common.languages import buyer_language

from .models import User
from .services import clean_email, set_new_password
from .tasks import send_password_reset_task

logger = logging.getLogger(__name__)

RESET_REQUESTED_MESSAGE = _(
    "If an account exists for this address, we have sent it a link to choose a new password. "
    "It works once, for a limited time."
)
INVALID_LINK_MESSAGE = _(
    "This password reset link is not valid: it has been used already, it has expired, or it "
    "was copied incompletely. Ask for a new one."
)


class InvalidResetLink(RuleBroken):
    code = "invalid_reset_link"
    default_detail = INVALID_LINK_MESSAGE


def request_password_reset(*, email: str, base_url: str) -> None:
    """Has the worker send a reset link to this address if an active account with a password
    has it. The request itself does the same whatever the address: it enqueues the same task,
    which looks the account up (a request that read the account and enqueued only for a known
    address answered a registered address measurably later). `base_url` is where the request
    came in, used for the link unless SITE_URL is set."""
    email = clean_email(email)  # a malformed address is a 400: it can have no account
    # The worker has no request: the link is written in the language it was asked for in.
    language = buyer_language()
    transaction.on_commit(
        lambda: send_password_reset_task.delay(email, base_url, language), robust=True
    )


def user_for_link(uidb64: str, token: str, *, lock: bool = False) -> User:
    """The account a reset link is for, or InvalidResetLink (422) when the link is malformed,
    for no account, used (the password changed since), or older than PASSWORD_RESET_TIMEOUT.
    `lock`: the account's row stays locked to the end of the transaction."""
    try:
        user_id = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        raise InvalidResetLink() from None
    users = User.objects.filter(pk=user_id, is_active=True)
    user = (users.select_for_update() if lock else users).first()
    if user is None or not default_token_generator.check_token(user, token):
        raise InvalidResetLink()
    return user


def reset_password(*, uidb64: str, token: str, new_password: str) -> User:
    """Sets the new password a reset link was for. It revokes the account's API tokens and
    browser sessions (services.set_new_password), makes the link useless (its token hashed the
    old password), and lifts a lockout for too many failed logins on the account: the lockout
    page tells a buyer to reset their password."""
    with transaction.atomic():
        # Locked: two requests with the same link at once cannot both pass the check.
        user = user_for_link(uidb64, token, lock=True)
        set_new_password(user, new_password)
    reset_login_failures(username=user.email)
    logger.info("password reset user=%s", user.pk)
    return user

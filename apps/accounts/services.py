"""Writes for accounts: registration, API tokens, logout, changing the password or the login
address (password resets are in reset.py)."""

import logging

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import RefreshToken

from apps.common.errors import InvalidRequest, RuleBroken, ShopError
from apps.common.languages import buyer_language

from . import selectors
from .models import User
from .tasks import send_email_changed_notice_task

logger = logging.getLogger(__name__)

FULL_NAME_MAX_LENGTH = User._meta.get_field("full_name").max_length
EMAIL_MAX_LENGTH = User._meta.get_field("email").max_length
EMAIL_TAKEN_MESSAGE = gettext_lazy("An account with this email address already exists.")


class InvalidToken(ShopError):
    status_code = 401
    code = "token_not_valid"
    default_detail = gettext_lazy("The token is invalid or expired.")


WRONG_PASSWORD_MESSAGE = gettext_lazy("This is not your current password.")  # noqa: S105


def _required() -> str:
    # Django's own message, so that its catalogue's translation is the one used.
    return _("This field is required.")


def _too_long(max_length: int) -> str:
    return _("Use at most %(max)s characters.") % {"max": max_length}


def _email_taken_error() -> RuleBroken:
    message = str(EMAIL_TAKEN_MESSAGE)
    return RuleBroken(message, code="email_taken", fields={"email": [message]})


def register_user(*, email: str, password: str, full_name: str = "") -> User:
    """Creates a buyer account. Every problem with the input is reported at once, per field:
    an InvalidRequest (400) when the input is malformed, else a RuleBroken (422: the password
    refused by the validators, code password_rejected; the address already registered, code
    email_taken)."""
    email = selectors.normalize_email(email)
    full_name = (full_name or "").strip()
    fields: dict[str, list[str]] = {}

    if not email:
        fields["email"] = [_required()]
    elif len(email) > EMAIL_MAX_LENGTH:
        fields["email"] = [_too_long(EMAIL_MAX_LENGTH)]
    else:
        try:
            validate_email(email)
        except ValidationError as exc:
            fields["email"] = list(exc.messages)
    if len(full_name) > FULL_NAME_MAX_LENGTH:
        fields["full_name"] = [_too_long(FULL_NAME_MAX_LENGTH)]

    user = User(email=email, full_name=full_name)
    if not password:
        fields["password"] = [_required()]
    else:
        try:
            # With the unsaved user, so that a password resembling the address is refused.
            validate_password(password, user)
        except ValidationError as exc:
            fields["password"] = list(exc.messages)

    taken = "email" not in fields and selectors.email_taken(email)
    if taken:
        fields["email"] = [str(EMAIL_TAKEN_MESSAGE)]
    if fields:
        first_field, messages = next(iter(fields.items()))
        # A malformed request is a 400; a well-formed one the shop's rules refuse (a password
        # too common or too like the address, an address already registered) is a 422, as
        # the schema says: no schema can describe those rules.
        malformed = (
            ("email" in fields and not taken)
            or "full_name" in fields
            or fields.get("password") == [_required()]
        )
        detail = f"{first_field}: {messages[0]}"
        if malformed:
            raise InvalidRequest(detail, code="validation_error", fields=fields)
        code = "email_taken" if taken else "password_rejected"
        raise RuleBroken(detail, code=code, fields=fields)

    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # Another registration of the same address won the race since the check above; the
        # unique index on Lower(email) refused this one.
        if selectors.email_taken(email):
            raise _email_taken_error() from None
        raise
    logger.info("user registered user=%s", user.pk)
    return user


def issue_tokens(user: User) -> dict[str, str]:
    """A fresh refresh/access pair, so that a client is logged in right after signing up."""
    refresh = RefreshToken.for_user(user)
    return {"refresh": str(refresh), "access": str(refresh.access_token)}


def revoke_refresh_token(*, refresh: str) -> None:
    """Logs a client out: its refresh token can no longer be used. The access token it holds
    stays valid until it expires (minutes), which is the price of stateless access tokens."""
    try:
        token = RefreshToken(refresh)
    except TokenError as exc:
        raise InvalidToken(str(exc)) from None
    token.blacklist()
    logger.info("refresh token revoked user=%s", token.payload.get(jwt_settings.USER_ID_CLAIM))


def password_problems(password: str, user: User) -> list[str]:
    """What the password validators (AUTH_PASSWORD_VALIDATORS) say against this password for
    this account; nothing when it is fine."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return list(exc.messages)
    return []


def _check_current_password(user: User, current_password: str) -> None:
    if not current_password:
        required = _required()
        raise InvalidRequest(
            f"current_password: {required}", fields={"current_password": [required]}
        )
    if not user.check_password(current_password):
        wrong = str(WRONG_PASSWORD_MESSAGE)
        raise RuleBroken(
            f"current_password: {wrong}",
            code="wrong_password",
            fields={"current_password": [wrong]},
        )


def set_new_password(user: User, new_password: str, *, field: str = "new_password") -> None:
    """Validates and saves a new password. Saving it revokes every API token of the account
    (they carry a hash of the password hash) and every browser session (Django keeps a hash of
    it in the session), in this process at once and in the others within seconds."""
    if not new_password:
        required = _required()
        raise InvalidRequest(f"{field}: {required}", fields={field: [required]})
    problems = password_problems(new_password, user)
    if problems:
        raise RuleBroken(
            f"{field}: {problems[0]}", code="password_rejected", fields={field: problems}
        )
    user.set_password(new_password)
    user.save(update_fields=["password"])


def change_password(*, user: User, current_password: str, new_password: str) -> User:
    """The account page's and the API's change of password: the current one first. A 422
    `wrong_password` or `password_rejected`; a 400 when a field is missing."""
    _check_current_password(user, current_password)
    set_new_password(user, new_password)
    logger.info("password changed user=%s", user.pk)
    return user


def clean_email(email: str) -> str:
    """The address in its one spelling, or InvalidRequest (400) for a malformed one."""
    email = selectors.normalize_email(email)
    problems: list[str] = []
    if not email:
        problems = [_required()]
    elif len(email) > EMAIL_MAX_LENGTH:
        problems = [_too_long(EMAIL_MAX_LENGTH)]
    else:
        try:
            validate_email(email)
        except ValidationError as exc:
            problems = list(exc.messages)
    if problems:
        raise InvalidRequest(f"email: {problems[0]}", fields={"email": problems})
    return email


def change_email(*, user: User, current_password: str, new_email: str) -> User:
    """Moves the login to another address, after the current password; the old address is told
    (on commit, by the worker). The same address again changes nothing. A 400 for a malformed
    address, a 422 `wrong_password` or `email_taken`. Reset links sent to the old address stop
    working (the address is part of their hash)."""
    email = clean_email(new_email)
    _check_current_password(user, current_password)
    if email == user.email:
        return user
    if selectors.email_taken(email, exclude_user_id=user.pk):
        raise _email_taken_error()
    old_email = user.email
    user.email = email
    try:
        with transaction.atomic():
            user.save(update_fields=["email"])
            # In the language of this request: the worker that sends it has none.
            _notify_on_commit(send_email_changed_notice_task, user.pk, old_email, buyer_language())
    except IntegrityError:
        user.email = old_email
        raise _email_taken_error() from None
    logger.info("login address changed user=%s", user.pk)
    return user


def _notify_on_commit(task, *args) -> None:
    """Enqueues an e-mail once the transaction commits. robust: a broker that cannot be reached
    is logged, and the change the buyer made stands."""
    transaction.on_commit(lambda: task.delay(*args), robust=True)

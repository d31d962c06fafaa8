"""Reads about accounts shared by the API, the sign-up page and the admin."""

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db.models.functions import Lower

from .models import User


def normalize_email(email: str) -> str:
    """The one spelling of an address that is stored and compared: trimmed and lowercased
    (the database enforces uniqueness on Lower(email) as the backstop)."""
    return User.objects.normalize_email((email or "").strip()).lower()


def email_taken(email: str, *, exclude_user_id: int | None = None) -> bool:
    users = User.objects.filter(email__iexact=normalize_email(email))
    if exclude_user_id is not None:
        users = users.exclude(pk=exclude_user_id)
    return users.exists()


def account_for_password_reset(email: str) -> User | None:
    """The active account with this address (in any case) that logs in with a password, if any:
    an account without a usable password does not log in with one at all."""
    return (
        # Lower(email) = the address: the unique index on Lower(email) answers it.
        User.objects.alias(email_lower=Lower("email"))
        .filter(email_lower=normalize_email(email), is_active=True)
        .exclude(password__startswith=UNUSABLE_PASSWORD_PREFIX)
        .first()
    )

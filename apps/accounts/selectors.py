"""Reads about accounts shared by the API, the sign-up page and the admin."""

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

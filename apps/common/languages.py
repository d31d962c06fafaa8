"""The shop's languages (settings.LANGUAGES): which one a request is in, and writing in a
buyer's language where there is no request (a Celery task sending their e-mail)."""

from django.conf import settings
from django.utils import translation


def buyer_language() -> str:
    """The active language as one of settings.LANGUAGES ("de" for "de-at"), to store with what
    the buyer will be written to about later."""
    try:
        return translation.get_supported_language_variant(
            translation.get_language() or settings.LANGUAGE_CODE
        )
    except LookupError:
        return settings.LANGUAGE_CODE


def written_in(language: str | None):
    """A context manager: messages, dates and amounts inside it are in `language` (the shop's
    default for none or one it no longer offers)."""
    offered = {code for code, _ in settings.LANGUAGES}
    return translation.override(language if language in offered else settings.LANGUAGE_CODE)

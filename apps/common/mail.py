"""Building and sending the shop's e-mails, for any app: a plain-text and an HTML part from two
templates, optional attachments, sent through Django's configured backend (EMAIL_URL or
EMAIL_HOST..., the console by default; see ticketing/settings/base.py). Never call these
inside a transaction holding row locks: sending is a network call."""

from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str


def build_message(
    *,
    to: str,
    subject: str,
    template: str,
    context: dict,
    attachments: tuple[Attachment, ...] = (),
) -> EmailMultiAlternatives:
    """`template` names a pair under templates/: `<template>.txt` (the body every client can
    read) and `<template>.html` (the alternative part)."""
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    for attachment in attachments:
        message.attach(attachment.filename, attachment.content, attachment.mimetype)
    return message


def send_message(message: EmailMultiAlternatives) -> None:
    """Sends one message; an SMTP or network failure raises (smtplib's errors are OSErrors), so
    a Celery task can retry it. The connection has EMAIL_TIMEOUT: a hanging server costs at
    most that, never a worker forever."""
    connection = get_connection(fail_silently=False, timeout=settings.EMAIL_TIMEOUT)
    connection.send_messages([message])

"""Account e-mails, sent by the worker (enqueued once the transaction that asked for them has
committed). A send that fails on the way (SMTP down, a timeout) is retried with exponential
backoff and jitter; a retry after an SMTP server accepted a message but the answer was lost can
send it twice, which is harmless for these two messages (two links, two notices)."""

import smtplib

from celery import shared_task

from . import emails

RETRY = {
    "acks_late": True,
    "ignore_result": True,
    "autoretry_for": (smtplib.SMTPException, OSError),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 6,
}


@shared_task(**RETRY)
def send_password_reset_task(email: str, base_url: str, language: str | None = None) -> bool:
    """Takes the address asked about, not an account id: looking the account up here keeps the
    request's work the same whether or not the address has one. `language`: the request's,
    for the message (None, from a task queued before it was passed: the shop's default)."""
    return emails.send_password_reset(email, base_url, language)


@shared_task(**RETRY)
def send_email_changed_notice_task(
    user_id: int, old_email: str, language: str | None = None
) -> bool:
    return emails.send_email_changed_notice(user_id, old_email, language)

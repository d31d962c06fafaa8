"""The account e-mails are sent by the worker, which has no request: each is written in the
language of the request that asked for it, handed to the task with it."""

from unittest import mock

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("accept, language", [("de-DE,de;q=0.9", "de"), ("en", "en")])
def test_a_reset_link_is_written_in_the_language_it_was_asked_for_in(
    accept, language, django_capture_on_commit_callbacks
):
    user = UserFactory()
    with (
        mock.patch("apps.accounts.tasks.emails.send_password_reset") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = APIClient().post(
            "/api/v1/auth/password/reset",
            {"email": user.email},
            format="json",
            HTTP_ACCEPT_LANGUAGE=accept,
        )
    assert response.status_code == 202
    send.assert_called_once_with(user.email, mock.ANY, language)


def test_the_address_change_notice_is_written_in_the_language_of_the_change(
    django_capture_on_commit_callbacks,
):
    user = UserFactory()
    old_email = user.email
    client = Client()
    client.force_login(user)
    with (
        mock.patch("apps.accounts.tasks.emails.send_email_changed_notice") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(
            "/accounts/email/",
            {"email": "moved@example.com", "current_password": DEFAULT_PASSWORD},
            HTTP_ACCEPT_LANGUAGE="de",
        )
    assert response.status_code == 302
    send.assert_called_once_with(user.pk, old_email, "de")

"""A new password or a deactivation revokes the user's API tokens, access and refresh, in this
process at once and in every other within the token-user memory (USER_SECONDS); issue 14,
finding 2."""

import time

import pytest
from rest_framework.test import APIClient

from apps.accounts.authentication import USER_SECONDS
from apps.accounts.models import User
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/auth/me"


def tokens_for(user) -> dict:
    response = APIClient().post(
        "/api/v1/auth/token", {"email": user.email, "password": DEFAULT_PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.json()
    return response.json()


def me(access):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client.get(ME)


def refresh(token):
    return APIClient().post("/api/v1/auth/token/refresh", {"refresh": token}, format="json")


def later(monkeypatch, seconds):
    now = time.monotonic() + seconds
    monkeypatch.setattr("apps.common.process_cache.monotonic", lambda: now)


def test_a_new_password_revokes_access_and_refresh_tokens():
    user = UserFactory()
    tokens = tokens_for(user)
    assert me(tokens["access"]).status_code == 200
    user.set_password("another long pass phrase 7")
    user.save()
    response = me(tokens["access"])
    assert response.status_code == 401 and response.json()["code"] == "password_changed"
    response = refresh(tokens["refresh"])
    assert response.status_code == 401 and response.json()["code"] == "password_changed"
    # The new password's tokens work.
    fresh = (
        APIClient()
        .post(
            "/api/v1/auth/token",
            {"email": user.email, "password": "another long pass phrase 7"},
            format="json",
        )
        .json()
    )
    assert me(fresh["access"]).status_code == 200


def test_a_password_changed_by_another_process_revokes_within_the_memory(monkeypatch):
    user = UserFactory()
    tokens = tokens_for(user)
    assert me(tokens["access"]).status_code == 200  # this process now remembers the user
    # Another process's save: no signal reaches this one.
    User.objects.filter(pk=user.pk).update(password="md5$other$0123456789abcdef")
    later(monkeypatch, USER_SECONDS + 0.1)
    assert me(tokens["access"]).status_code == 401
    assert refresh(tokens["refresh"]).status_code == 401


def test_deactivation_revokes_access_and_refresh_tokens(monkeypatch):
    user = UserFactory()
    tokens = tokens_for(user)
    assert me(tokens["access"]).status_code == 200
    User.objects.filter(pk=user.pk).update(is_active=False)
    later(monkeypatch, USER_SECONDS + 0.1)
    assert me(tokens["access"]).status_code == 401
    response = refresh(tokens["refresh"])
    assert response.status_code == 401 and response.json()["code"] == "no_active_account"


def test_a_refresh_token_of_a_deleted_user_is_a_401_not_a_500():
    user = UserFactory()
    tokens = tokens_for(user)
    user.delete()
    assert refresh(tokens["refresh"]).status_code == 401

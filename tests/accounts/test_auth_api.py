import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from apps.accounts import selectors
from apps.accounts.models import User
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register"
TOKEN = "/api/v1/auth/token"
REFRESH = "/api/v1/auth/token/refresh"
LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/auth/me"


def login(client, email, password=DEFAULT_PASSWORD):
    return client.post(TOKEN, {"email": email, "password": password}, format="json")


def test_url_names_match_the_paths():
    assert reverse("api-auth-register") == REGISTER
    assert reverse("api-auth-token") == TOKEN
    assert reverse("api-auth-token-refresh") == REFRESH
    assert reverse("api-auth-logout") == LOGOUT
    assert reverse("api-auth-me") == ME


def test_register_returns_the_account_and_working_tokens(api_client):
    response = api_client.post(
        REGISTER,
        {"email": "Ada@Example.com", "password": DEFAULT_PASSWORD, "full_name": "Ada Lovelace"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    user = User.objects.get()
    assert body["id"] == user.id
    assert body["email"] == "ada@example.com"
    assert body["full_name"] == "Ada Lovelace"
    assert "password" not in body

    me = APIClient()
    me.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert me.get(ME).json()["email"] == "ada@example.com"
    refreshed = api_client.post(REFRESH, {"refresh": body["refresh"]}, format="json")
    assert refreshed.status_code == 200


def test_register_without_full_name(api_client):
    response = api_client.post(
        REGISTER, {"email": "bob@example.com", "password": DEFAULT_PASSWORD}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["full_name"] == ""


def test_register_a_taken_address_in_another_case_is_a_clear_422(api_client):
    UserFactory(email="ada@example.com")
    response = api_client.post(
        REGISTER, {"email": "ADA@example.com", "password": DEFAULT_PASSWORD}, format="json"
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "email_taken"
    assert body["fields"]["email"]
    assert "already exists" in body["detail"]


def test_register_race_lost_at_the_database_is_a_422_not_a_500(api_client, monkeypatch):
    UserFactory(email="ada@example.com")
    calls = []

    def blind_first_time(email, **kwargs):
        calls.append(email)
        return len(calls) > 1 and User.objects.filter(email__iexact=email).exists()

    monkeypatch.setattr(selectors, "email_taken", blind_first_time)
    response = api_client.post(
        REGISTER, {"email": "ada@example.com", "password": DEFAULT_PASSWORD}, format="json"
    )
    assert response.status_code == 422
    assert response.json()["code"] == "email_taken"


def test_register_weak_password_names_the_field(api_client):
    response = api_client.post(
        REGISTER, {"email": "ada@example.com", "password": "12345678"}, format="json"
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "password_rejected"
    assert any("common" in m for m in body["fields"]["password"])
    assert body["detail"].startswith("password:")
    assert not User.objects.exists()


def test_register_missing_fields(api_client):
    response = api_client.post(REGISTER, {}, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"email", "password"}


def test_register_bad_address(api_client):
    response = api_client.post(
        REGISTER, {"email": "nobody", "password": DEFAULT_PASSWORD}, format="json"
    )
    assert response.status_code == 400
    assert "email" in response.json()["fields"]


def test_login_is_case_insensitive_on_the_address(api_client):
    UserFactory(email="ada@example.com")
    response = login(api_client, "ADA@Example.com")
    assert response.status_code == 200
    assert {"access", "refresh"} <= set(response.json())


def test_bad_credentials_are_a_401_in_the_error_shape(api_client):
    UserFactory(email="ada@example.com")
    for email, password in [("ada@example.com", "wrong-password"), ("who@example.com", "x")]:
        response = login(api_client, email, password)
        assert response.status_code == 401
        body = response.json()
        assert body["code"] == "no_active_account"
        assert body["detail"] == "No active account found with the given credentials"


def test_inactive_user_cannot_log_in(api_client):
    UserFactory(email="ada@example.com", is_active=False)
    assert login(api_client, "ada@example.com").status_code == 401


def test_refresh_rotates_and_the_old_refresh_token_is_dead(api_client):
    UserFactory(email="ada@example.com")
    first = login(api_client, "ada@example.com").json()
    rotated = api_client.post(REFRESH, {"refresh": first["refresh"]}, format="json")
    assert rotated.status_code == 200
    assert rotated.json()["refresh"] != first["refresh"]

    reused = api_client.post(REFRESH, {"refresh": first["refresh"]}, format="json")
    assert reused.status_code == 401
    assert reused.json() == {"code": "token_not_valid", "detail": "Token is blacklisted"}
    again = api_client.post(REFRESH, {"refresh": rotated.json()["refresh"]}, format="json")
    assert again.status_code == 200


def test_logout_revokes_the_refresh_token(api_client):
    UserFactory(email="ada@example.com")
    tokens = login(api_client, "ada@example.com").json()
    response = api_client.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json")
    assert response.status_code == 205
    assert response.content == b""
    refreshed = api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")
    assert refreshed.status_code == 401
    assert refreshed.json()["code"] == "token_not_valid"


def test_logout_with_garbage_or_an_access_token_is_a_401(api_client):
    UserFactory(email="ada@example.com")
    tokens = login(api_client, "ada@example.com").json()
    for token in ["garbage", tokens["access"]]:
        response = api_client.post(LOGOUT, {"refresh": token}, format="json")
        assert response.status_code == 401
        assert response.json()["code"] == "token_not_valid"
    assert api_client.post(LOGOUT, {}, format="json").status_code == 400


def test_me_needs_a_token(api_client):
    response = api_client.get(ME)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_me_with_a_bad_token_is_a_clean_401(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-jwt")
    response = api_client.get(ME)
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "token_not_valid"
    assert isinstance(body["detail"], str)
    assert "ErrorDetail" not in body["detail"]


def test_me_returns_the_current_user(api_client):
    user = UserFactory(email="ada@example.com", full_name="Ada")
    access = login(api_client, "ada@example.com").json()["access"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    response = api_client.get(ME)
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["email"], body["full_name"]) == (user.id, "ada@example.com", "Ada")


@pytest.fixture
def tight_auth_rate(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"auth": "3/min"},
    }


@pytest.mark.usefixtures("tight_auth_rate")
def test_token_attempts_are_throttled(api_client):
    UserFactory(email="ada@example.com")
    codes = [login(api_client, "ada@example.com", "wrong").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    response = login(api_client, "ada@example.com")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) > 0


@pytest.mark.usefixtures("tight_auth_rate")
def test_registrations_are_throttled(api_client):
    codes = [
        api_client.post(
            REGISTER, {"email": f"u{i}@example.com", "password": DEFAULT_PASSWORD}, format="json"
        ).status_code
        for i in range(4)
    ]
    assert codes == [201, 201, 201, 429]
    assert User.objects.count() == 3


@pytest.mark.usefixtures("tight_auth_rate", "dead_redis")
def test_an_unreachable_cache_does_not_block_logins(api_client):
    UserFactory(email="ada@example.com")
    codes = [login(api_client, "ada@example.com").status_code for _ in range(5)]
    assert codes == [200] * 5


def test_a_deactivated_buyer_is_refused_at_once_though_their_token_is_still_valid(api_client):
    user = UserFactory(email="ada@example.com")
    access = login(api_client, "ada@example.com").json()["access"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    assert api_client.get("/api/v1/bookings").status_code == 200
    user.is_active = False
    user.save()  # as the admin does
    assert api_client.get("/api/v1/bookings").status_code == 401


def test_the_token_user_is_read_once_for_a_burst_of_requests(api_client):
    UserFactory(email="ada@example.com")
    access = login(api_client, "ada@example.com").json()["access"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    api_client.get("/api/v1/bookings")
    with CaptureQueriesContext(connection) as queries:
        assert api_client.get("/api/v1/bookings").status_code == 200
    assert not [q for q in queries.captured_queries if '"accounts_user"' in q["sql"]]


@pytest.mark.parametrize("change", ["deactivated", "deleted"])
def test_a_token_of_a_user_gone_or_inactive_is_a_401_once_unremembered(api_client, change):
    from apps.common.process_cache import forget_all

    user = UserFactory(email="ada@example.com")
    access = login(api_client, "ada@example.com").json()["access"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    assert api_client.get(ME).json()["email"] == "ada@example.com"
    users = User.objects.filter(pk=user.pk)
    users.update(is_active=False) if change == "deactivated" else users.delete()  # no signal
    forget_all()  # as when the few seconds a process remembers a user have passed
    response = api_client.get(ME)
    assert response.status_code == 401
    assert response.json()["code"] == {"deactivated": "user_inactive"}.get(change, "user_not_found")

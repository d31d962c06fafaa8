"""Changing the password or the login address, on the account page and in the API (issue 16,
item 8): the current password first; a new password revokes the old tokens and the other
sessions; an address taken by another account is refused; the old address gets a notice."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from apps.accounts.models import User
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.mailserver import text_and_html

pytestmark = pytest.mark.django_db(transaction=True)

CHANGE_PASSWORD = "/api/v1/auth/password/change"
CHANGE_EMAIL = "/api/v1/auth/email"
TOKEN = "/api/v1/auth/token"
ME = "/api/v1/auth/me"
NEW_PASSWORD = "a brand new pass phrase 42"


def token_pair(email, password=DEFAULT_PASSWORD):
    return APIClient().post(TOKEN, {"email": email, "password": password}, format="json")


def bearer(access):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def logged_in_browser(user):
    browser = Client()
    browser.force_login(user)
    return browser


def test_changing_the_password_needs_the_current_one_and_revokes_the_old_tokens():
    user = UserFactory()
    tokens = token_pair(user.email).json()
    client = bearer(tokens["access"])

    wrong = client.post(
        CHANGE_PASSWORD,
        {"current_password": "not it at all 1", "new_password": NEW_PASSWORD},
        format="json",
    )
    assert wrong.status_code == 422
    assert wrong.json()["code"] == "wrong_password" and wrong.json()["fields"]["current_password"]
    weak = client.post(
        CHANGE_PASSWORD,
        {"current_password": DEFAULT_PASSWORD, "new_password": "password123"},
        format="json",
    )
    assert weak.status_code == 422 and weak.json()["code"] == "password_rejected"
    missing = client.post(CHANGE_PASSWORD, {"new_password": NEW_PASSWORD}, format="json")
    assert missing.status_code == 400
    assert client.get(ME).status_code == 200  # nothing changed so far

    done = client.post(
        CHANGE_PASSWORD,
        {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
        format="json",
    )
    assert done.status_code == 200
    fresh = done.json()
    response = client.get(ME)
    assert response.status_code == 401 and response.json()["code"] == "password_changed"
    refreshed = APIClient().post(
        "/api/v1/auth/token/refresh", {"refresh": tokens["refresh"]}, format="json"
    )
    assert refreshed.status_code == 401
    assert bearer(fresh["access"]).get(ME).json()["email"] == user.email
    assert token_pair(user.email).status_code == 401
    assert token_pair(user.email, NEW_PASSWORD).status_code == 200


def test_the_account_page_changes_the_password_and_logs_out_the_other_devices():
    user = UserFactory()
    here, elsewhere = logged_in_browser(user), logged_in_browser(user)
    tokens = token_pair(user.email).json()
    page = here.get("/accounts/")
    assert page.status_code == 200 and user.email.encode() in page.content

    form = {"new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    wrong = here.post("/accounts/password/", {**form, "current_password": "nope nope 1"})
    assert wrong.status_code == 400 and b"This is not your current password." in wrong.content
    mismatch = here.post(
        "/accounts/password/",
        {**form, "new_password2": "something else 2", "current_password": DEFAULT_PASSWORD},
    )
    assert mismatch.status_code == 400 and b"The two passwords are different." in mismatch.content
    assert token_pair(user.email).status_code == 200

    done = here.post("/accounts/password/", {**form, "current_password": DEFAULT_PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/accounts/"
    assert here.get("/accounts/").status_code == 200  # this browser stays logged in
    assert elsewhere.get("/accounts/").status_code == 302  # the other one is logged out
    assert bearer(tokens["access"]).get(ME).status_code == 401
    assert token_pair(user.email, NEW_PASSWORD).status_code == 200


def test_the_account_page_needs_a_login():
    response = Client().get("/accounts/")
    assert (
        response.status_code == 302 and response["Location"] == "/accounts/login/?next=/accounts/"
    )
    assert Client().post("/accounts/email/", {"email": "x@example.com"}).status_code == 302


def test_changing_the_address_needs_the_password_and_tells_the_old_address(smtp_server):
    user = UserFactory(email="ada@example.com", full_name="Ada")
    client = bearer(token_pair(user.email).json()["access"])

    response = client.post(CHANGE_EMAIL, {"email": "ada@new.example.com"}, format="json")
    assert response.status_code == 400 and "current_password" in response.json()["fields"]
    response = client.post(
        CHANGE_EMAIL,
        {"email": "ada@new.example.com", "current_password": "wrong password 1"},
        format="json",
    )
    assert response.status_code == 422 and response.json()["code"] == "wrong_password"
    assert User.objects.get(pk=user.pk).email == "ada@example.com"
    assert not smtp_server.messages

    response = client.post(
        CHANGE_EMAIL,
        {"email": "Ada@New.Example.com", "current_password": DEFAULT_PASSWORD},
        format="json",
    )
    assert response.status_code == 200 and response.json()["email"] == "ada@new.example.com"
    assert client.get(ME).json()["email"] == "ada@new.example.com"  # tokens stay valid
    (notice,) = smtp_server.wait_for(1)
    assert notice["To"] == "ada@example.com"
    text, html = text_and_html(notice)
    assert "ada@new.example.com" in text and "ada@new.example.com" in html
    assert token_pair("ada@new.example.com").status_code == 200
    assert token_pair("ada@example.com").status_code == 401


def test_an_address_another_account_has_is_refused(smtp_server):
    UserFactory(email="taken@example.com")
    user = UserFactory()
    client = bearer(token_pair(user.email).json()["access"])
    response = client.post(
        CHANGE_EMAIL,
        {"email": "TAKEN@example.com", "current_password": DEFAULT_PASSWORD},
        format="json",
    )
    assert response.status_code == 422 and response.json()["code"] == "email_taken"
    response = client.post(
        CHANGE_EMAIL,
        {"email": "not an address", "current_password": DEFAULT_PASSWORD},
        format="json",
    )
    assert response.status_code == 400
    assert User.objects.get(pk=user.pk).email == user.email
    assert not smtp_server.messages


def test_the_account_page_changes_the_address(smtp_server):
    UserFactory(email="taken@example.com")
    user = UserFactory(email="bob@example.com")
    browser = logged_in_browser(user)
    response = browser.post(
        "/accounts/email/", {"email": "bob@new.example.com", "current_password": "wrong one 1"}
    )
    assert response.status_code == 400 and b"This is not your current password." in response.content
    response = browser.post(
        "/accounts/email/", {"email": "taken@example.com", "current_password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 400 and b"already exists" in response.content
    response = browser.post(
        "/accounts/email/", {"email": "bob@new.example.com", "current_password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    page = browser.get("/accounts/")
    assert b"bob@new.example.com" in page.content
    assert [m["To"] for m in smtp_server.wait_for(1)] == ["bob@example.com"]


def test_guessing_the_current_password_is_throttled(settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "account_change": "3/hour"},
    }
    user = UserFactory()
    client = bearer(token_pair(user.email).json()["access"])
    for guess in range(3):
        response = client.post(
            CHANGE_PASSWORD,
            {"current_password": f"guess number {guess}", "new_password": NEW_PASSWORD},
            format="json",
        )
        assert response.status_code == 422
    response = client.post(
        CHANGE_PASSWORD,
        {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
        format="json",
    )
    assert response.status_code == 429 and "Retry-After" in response
    page = logged_in_browser(user).post(
        "/accounts/password/",
        {
            "current_password": DEFAULT_PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert page.status_code == 429
    assert token_pair(user.email).status_code == 200  # still the old password
    other = UserFactory()
    other_client = bearer(token_pair(other.email).json()["access"])
    response = other_client.post(
        CHANGE_PASSWORD,
        {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
        format="json",
    )
    assert response.status_code == 200

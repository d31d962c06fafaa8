"""Password reset end to end (issue 16, item 8): the request, the e-mail through a real SMTP
server, the one-time link followed in the page and in the API, the new password; an expired and
a reused link refused; the same answer, and no mail, for an address without an account; the
throttles; old sessions and tokens revoked. Transactional: the mail is enqueued on commit."""

import json
import time
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import resolve
from rest_framework.test import APIClient

from apps.accounts.models import User
from tests.concurrency import run_at_once
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.mailserver import links, text_and_html

pytestmark = pytest.mark.django_db(transaction=True)

RESET = "/api/v1/auth/password/reset"
CONFIRM = "/api/v1/auth/password/reset/confirm"
TOKEN = "/api/v1/auth/token"
ME = "/api/v1/auth/me"
NEW_PASSWORD = "a brand new pass phrase 42"


def ask(email, ip="10.9.0.1"):
    return APIClient().post(RESET, {"email": email}, format="json", REMOTE_ADDR=ip)


def reset_link(mailbox, user) -> str:
    """The one link in the one message sent to the user, the same in both parts."""
    (message,) = mailbox.wait_for(1)
    assert message["To"] == user.email
    assert message["Subject"] == "Reset your Ticketing password"
    text, html = text_and_html(message)
    (link,) = links(text)
    assert link in html
    return link


def link_parts(link) -> dict:
    match = resolve(urlsplit(link).path)
    assert match.view_name == "accounts:password-reset-confirm"
    return {"uid": match.kwargs["uidb64"], "token": match.kwargs["token"]}


def confirm(parts, password=NEW_PASSWORD):
    return APIClient().post(CONFIRM, {**parts, "new_password": password}, format="json")


def token_pair(email, password):
    return APIClient().post(TOKEN, {"email": email, "password": password}, format="json")


def bearer(access):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def logged_in_browser(user):
    browser = Client()
    browser.force_login(user)
    assert browser.get("/accounts/").status_code == 200
    return browser


def test_the_e_mailed_link_sets_a_new_password_once_and_revokes_sessions_and_tokens(
    smtp_server,
):
    user = UserFactory(email="ada@example.com")
    old_tokens = token_pair(user.email, DEFAULT_PASSWORD).json()
    other_device = logged_in_browser(user)

    response = ask("ADA@example.com ")
    assert response.status_code == 202
    link = reset_link(smtp_server, user)
    assert link.startswith("http://testserver/accounts/reset/")

    browser = Client()
    page = browser.get(urlsplit(link).path)
    assert page.status_code == 200 and b"Choose a new password" in page.content
    assert page["Referrer-Policy"] == "same-origin"  # the token in the address stays here
    path = urlsplit(link).path
    mismatch = browser.post(path, {"new_password": NEW_PASSWORD, "new_password2": "other"})
    assert mismatch.status_code == 400 and b"The two passwords are different." in mismatch.content
    done = browser.post(path, {"new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/accounts/login/"

    # Everything that logged in with the old password is out.
    response = bearer(old_tokens["access"]).get(ME)
    assert response.status_code == 401 and response.json()["code"] == "password_changed"
    refreshed = APIClient().post(
        "/api/v1/auth/token/refresh", {"refresh": old_tokens["refresh"]}, format="json"
    )
    assert refreshed.status_code == 401
    assert other_device.get("/accounts/").status_code == 302  # sent to the login page
    assert token_pair(user.email, DEFAULT_PASSWORD).status_code == 401
    assert token_pair(user.email, NEW_PASSWORD).status_code == 200

    # The link was for one use.
    again = Client().get(path)
    assert again.status_code == 400 and b"This link does not work" in again.content
    response = confirm(link_parts(link), "yet another pass phrase 9")
    assert response.status_code == 422 and response.json()["code"] == "invalid_reset_link"
    assert token_pair(user.email, NEW_PASSWORD).status_code == 200


def test_the_api_confirms_with_the_links_uid_and_token_once(smtp_server):
    user = UserFactory()
    assert ask(user.email).status_code == 202
    parts = link_parts(reset_link(smtp_server, user))
    response = confirm(parts)
    assert response.status_code == 204 and not response.content
    assert token_pair(user.email, NEW_PASSWORD).status_code == 200
    response = confirm(parts, "yet another pass phrase 9")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_reset_link" and "Ask for a new one" in body["detail"]
    assert token_pair(user.email, NEW_PASSWORD).status_code == 200


def test_an_expired_link_is_refused_and_changes_nothing(smtp_server, settings):
    settings.PASSWORD_RESET_TIMEOUT = 1
    user = UserFactory()
    assert ask(user.email).status_code == 202
    link = reset_link(smtp_server, user)
    assert "1 minute" in text_and_html(smtp_server.messages[0])[0]
    time.sleep(2.05)  # the token's clock counts whole seconds: surely more than 1 s old now

    page = Client().get(urlsplit(link).path)
    assert page.status_code == 400 and b"expired" in page.content
    posted = Client().post(
        urlsplit(link).path, {"new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert posted.status_code == 400
    response = confirm(link_parts(link))
    assert response.status_code == 422 and response.json()["code"] == "invalid_reset_link"
    assert token_pair(user.email, DEFAULT_PASSWORD).status_code == 200


def test_an_address_without_an_account_gets_the_same_answer_and_no_mail(smtp_server):
    user = UserFactory()
    inactive = UserFactory(is_active=False)
    no_password = UserFactory()
    no_password.set_unusable_password()
    no_password.save()

    known = ask(user.email)
    smtp_server.wait_for(1)
    smtp_server.clear()
    for email in ("nobody@example.com", inactive.email, no_password.email):
        response = ask(email)
        assert (response.status_code, response.json()) == (known.status_code, known.json())
    # The pages say the same too.
    for email in (user.email, "nobody@example.com"):
        page = Client().post("/accounts/password/reset/", {"email": email})
        assert page.status_code == 302 and page["Location"] == "/accounts/password/reset/sent/"
    time.sleep(0.3)  # nothing is on its way either
    assert [m["To"] for m in smtp_server.messages] == [user.email]


def test_the_answer_says_nothing_about_the_address(smtp_server):
    UserFactory(email="ada@example.com")
    body = ask("ada@example.com").json()
    assert body == ask("nobody@example.com").json()
    assert "If an account exists" in body["detail"]


def test_a_malformed_request_is_a_400_and_a_made_up_link_a_422(smtp_server):
    response = APIClient().post(RESET, {"email": "not an address"}, format="json")
    assert response.status_code == 400 and response.json()["fields"]["email"]
    response = APIClient().post(CONFIRM, {"uid": "MQ", "new_password": NEW_PASSWORD}, format="json")
    assert response.status_code == 400 and "token" in response.json()["fields"]
    user = UserFactory()
    made_up = [
        ("MQ", "abc-def"),
        ("%%%", "x"),
        ("OTk5OTk5OTk", "c9k2-0123"),
        ("OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5", "c9k2-0123"),  # past any id the table can hold
        ("MQ", "c9k2-\U0001f39f"),
        ("TQé", "c9k2-0123"),
        (" ", " "),
    ]
    for uid, token in made_up:
        body = json.dumps({"uid": uid, "token": token, "new_password": NEW_PASSWORD})
        response = APIClient().post(CONFIRM, body, content_type="application/json")
        assert response.status_code == 422, (uid, token, response.json())
        assert response.json()["code"] == "invalid_reset_link"
    assert Client().get("/accounts/reset/MQ/abc-def/").status_code == 400
    page = Client().post("/accounts/password/reset/", {"email": "not an address"})
    assert page.status_code == 400 and b"Enter a valid email address." in page.content
    assert token_pair(user.email, DEFAULT_PASSWORD).status_code == 200
    assert not smtp_server.messages


def test_a_weak_new_password_is_refused_and_the_link_still_works(smtp_server):
    user = UserFactory(email="grace@example.com")
    ask(user.email)
    parts = link_parts(reset_link(smtp_server, user))
    for weak in ("12345678901", "grace@example.com", "password123"):
        response = confirm(parts, weak)
        assert response.status_code == 422, weak
        body = response.json()
        assert body["code"] == "password_rejected" and body["fields"]["new_password"]
    assert confirm(parts).status_code == 204


def test_too_many_requests_for_one_address_are_throttled_from_any_client(smtp_server, settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "password_reset_address": "2/hour"},
    }
    user = UserFactory()
    for ip in ("10.1.0.1", "10.1.0.2"):
        assert ask(user.email.upper(), ip=ip).status_code == 202
    response = ask(user.email, ip="10.1.0.3")
    assert response.status_code == 429 and response.json()["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 3600
    assert len(smtp_server.wait_for(2)) == 2
    # An address without an account is throttled just the same: a 429 tells nothing either.
    for ip in ("10.1.0.1", "10.1.0.2"):
        assert ask("nobody@example.com", ip=ip).status_code == 202
    assert ask("nobody@example.com", ip="10.1.0.3").status_code == 429
    # Others are not affected; the page is throttled by the same count.
    assert ask(UserFactory().email, ip="10.1.0.1").status_code == 202
    page = Client(REMOTE_ADDR="10.1.0.4").post("/accounts/password/reset/", {"email": user.email})
    assert page.status_code == 429 and b"Too many password reset requests" in page.content
    assert len(smtp_server.wait_for(3)) == 3


def test_too_many_requests_from_one_client_address_are_throttled(smtp_server, settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "password_reset": "3/hour"},
    }
    for n in range(3):
        assert ask(f"someone{n}@example.com", ip="10.2.0.1").status_code == 202
    response = ask("someone-else@example.com", ip="10.2.0.1")
    assert response.status_code == 429 and "Retry-After" in response
    assert ask("someone-else@example.com", ip="10.2.0.2").status_code == 202


def test_with_redis_down_the_reset_still_works_uncounted(smtp_server, settings, dead_redis):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "password_reset_address": "1/hour"},
    }
    user = UserFactory()
    assert ask(user.email).status_code == 202
    assert ask(user.email).status_code == 202  # nothing can count: let through, logged
    smtp_server.wait_for(2)
    assert confirm(link_parts(reset_link_of(smtp_server.messages[-1]))).status_code == 204


def reset_link_of(message) -> str:
    (link,) = links(text_and_html(message)[0])
    return link


def test_a_reset_lifts_a_lockout_for_failed_logins(smtp_server):
    user = UserFactory()
    for _ in range(5):
        token_pair(user.email, "wrong password 1")
    assert token_pair(user.email, DEFAULT_PASSWORD).status_code == 429
    ask(user.email)
    assert confirm(link_parts(reset_link(smtp_server, user))).status_code == 204
    assert token_pair(user.email, NEW_PASSWORD).status_code == 200


def test_a_link_stops_working_when_the_address_changes(smtp_server):
    user = UserFactory(email="old@example.com")
    ask(user.email)
    parts = link_parts(reset_link(smtp_server, user))
    User.objects.filter(pk=user.pk).update(email="new@example.com")
    assert confirm(parts).status_code == 422


def test_the_same_link_used_twice_at_once_sets_one_password(smtp_server):
    user = UserFactory()
    ask(user.email)
    parts = link_parts(reset_link(smtp_server, user))
    passwords = ["first racing pass phrase 1", "second racing pass phrase 2"]
    outcomes = run_at_once([lambda p=p: confirm(parts, p).status_code for p in passwords])
    statuses = sorted(status for status, error in outcomes)
    assert statuses == [204, 422], outcomes
    winner = passwords[[status for status, _ in outcomes].index(204)]
    assert token_pair(user.email, winner).status_code == 200


def test_with_the_mail_server_down_the_answer_is_the_same(smtp_server, settings):
    user = UserFactory()
    settings.EMAIL_PORT = _closed_port()
    response = ask(user.email)
    assert response.status_code == 202  # the send failed, was retried, and was logged
    assert response.json() == ask("nobody@example.com").json()
    assert not smtp_server.messages


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_links_name_the_site_url_when_it_is_set(smtp_server, settings):
    settings.SITE_URL = "https://tickets.example.com"
    user = UserFactory()
    ask(user.email)
    link = reset_link(smtp_server, user)
    assert link.startswith("https://tickets.example.com/accounts/reset/")
    assert confirm(link_parts(link)).status_code == 204

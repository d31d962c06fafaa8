"""Brute force on logins (issue 14, finding 1): django-axes locks an account, or a client
address, after AXES_FAILURE_LIMIT failures on the API token endpoint, the HTML login and the
admin login, for a cool-off; throttles key on the trusted client address, not on whatever
X-Forwarded-For the client sends; the sign-up page is rate limited."""

import time
from datetime import timedelta

import pytest
from axes.utils import reset
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from apps.common.client_ip import client_ip
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token"


def token(client, email, password="wrong password 1", ip="10.0.0.1", **headers):
    return client.post(
        TOKEN, {"email": email, "password": password}, format="json", REMOTE_ADDR=ip, **headers
    )


def test_the_api_locks_an_account_after_five_failures_even_from_other_addresses(settings):
    user = UserFactory()
    client = APIClient()
    for attempt in range(4):
        email = user.email.upper() if attempt % 2 else user.email  # case starts no new count
        response = token(client, email, ip=f"10.0.1.{attempt}")
        assert response.status_code == 401
    # The fifth failure locks the account; so the right password gets the same answer.
    assert token(client, user.email, ip="10.0.1.9").status_code == 429
    response = token(client, user.email, password=DEFAULT_PASSWORD, ip="10.0.2.1")
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "locked_out" and "15 minutes" in body["detail"]
    assert int(response["Retry-After"]) == 15 * 60
    # Another account from another address is not affected.
    other = UserFactory()
    assert token(client, other.email, password=DEFAULT_PASSWORD, ip="10.0.3.1").status_code == 200


def test_the_lockout_ends_after_the_cool_off(settings):
    settings.AXES_COOLOFF_TIME = timedelta(seconds=1)
    user = UserFactory()
    client = APIClient()
    for _ in range(5):
        token(client, user.email)
    assert token(client, user.email, password=DEFAULT_PASSWORD).status_code == 429
    time.sleep(1.2)
    assert token(client, user.email, password=DEFAULT_PASSWORD).status_code == 200


def test_the_api_locks_an_address_trying_many_accounts_whatever_it_forwards():
    client = APIClient()
    for n in range(5):
        token(client, f"victim{n}@example.com", ip="10.9.9.9", HTTP_X_FORWARDED_FOR=f"1.1.1.{n}")
    user = UserFactory()
    response = token(
        client, user.email, password=DEFAULT_PASSWORD, ip="10.9.9.9", HTTP_X_FORWARDED_FOR="8.8.8.8"
    )
    assert response.status_code == 429 and response.json()["code"] == "locked_out"


def test_the_html_login_and_the_admin_login_lock_out(client):
    user = UserFactory(is_staff=True)
    for url, field in ((reverse("accounts:login"), "username"), ("/admin/login/", "username")):
        for _ in range(4):
            response = client.post(url, {field: user.email, "password": "nope nope 1"})
            assert response.status_code == 200  # the form again, with its error
        response = client.post(url, {field: user.email, "password": "nope nope 1"})
        assert response.status_code == 429
        response = client.post(url, {field: user.email, "password": DEFAULT_PASSWORD})
        assert response.status_code == 429
        assert b"Too many failed logins" in response.content
        user = UserFactory(is_staff=True)  # the next form, for a fresh account
        reset()  # the address is locked too by now


def test_staff_see_lockouts_in_the_admin(client, staff_user):
    user = UserFactory()
    for _ in range(5):
        token(APIClient(), user.email)
    client.force_login(staff_user)
    page = client.get("/admin/axes/accessattempt/")
    assert page.status_code == 200 and user.email in page.text


def test_the_token_throttle_ignores_a_forged_forwarded_for(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"auth": "2/min", "signup": "2/min"},
    }
    settings.AXES_ENABLED = False  # the throttle alone
    client = APIClient()
    user = UserFactory()
    for _ in range(2):
        assert token(client, user.email).status_code == 401
    assert token(client, user.email).status_code == 429
    assert token(client, user.email, HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429


def test_the_client_address_is_the_one_the_trusted_proxies_saw(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.4"
    )
    settings.NUM_PROXIES = 0
    assert client_ip(request) == "10.0.0.2"
    settings.NUM_PROXIES = 1
    assert client_ip(request) == "198.51.100.4"  # what our balancer appended, not the forgery
    settings.NUM_PROXIES = 2
    assert client_ip(request) == "6.6.6.6"


def test_the_signup_page_is_rate_limited(client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"auth": "10000/min", "signup": "2/min"},
    }
    url = reverse("accounts:signup")
    for n in range(2):
        data = {"email": f"new{n}@example.com", "password": "a long pass phrase 42"}
        response = client.post(url, data | {"password2": data["password"]})
        assert response.status_code == 302
        client.logout()
    data = {"email": "new9@example.com", "password": "a long pass phrase 42"}
    response = client.post(url, data | {"password2": data["password"]})
    assert response.status_code == 429
    assert b"Too many sign-ups" in response.content

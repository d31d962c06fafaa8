"""Sign up, log in, log out in the browser pages, with the next page preserved; the shop's own
error pages."""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.models import User
from tests import factories

pytestmark = pytest.mark.django_db

EVENT_URL = "/events/some-show/?seats=3%2C4"


def signup_data(**extra):
    return {
        "email": "new.buyer@example.com",
        "full_name": "New Buyer",
        "password": "a-long-unusual-passphrase",
        "password2": "a-long-unusual-passphrase",
        **extra,
    }


class TestSignup:
    def test_creates_the_account_logs_in_and_goes_back(self, client):
        response = client.post(reverse("accounts:signup"), signup_data(next=EVENT_URL))
        assert response.status_code == 302
        assert response.url == EVENT_URL
        user = User.objects.get(email="new.buyer@example.com")
        assert user.full_name == "New Buyer"
        assert int(client.session["_auth_user_id"]) == user.pk

    def test_problems_are_shown_per_field(self, client):
        factories.UserFactory(email="taken@example.com")
        response = client.post(
            reverse("accounts:signup"), signup_data(email="TAKEN@example.com", password="1")
        )
        # the second password differs from the first
        assert response.status_code == 400
        assert set(response.context["errors"]) == {"password2"}

        response = client.post(
            reverse("accounts:signup"),
            signup_data(email="TAKEN@example.com", password="123", password2="123"),
        )
        assert response.status_code == 400
        errors = response.context["errors"]
        assert errors["email"] == ["An account with this email address already exists."]
        assert "password" in errors
        html = response.content.decode()
        assert "already exists" in html and 'value="TAKEN@example.com"' in html
        assert (
            'data-testid="form-errors"' in html and "Please check the highlighted fields." in html
        )
        assert User.objects.count() == 1

    def test_an_outside_next_is_ignored(self, client):
        response = client.post(
            reverse("accounts:signup"), signup_data(next="https://evil.example/phish")
        )
        assert response.url == reverse("events:list")


class TestLogin:
    def test_logs_in_with_the_email_and_goes_back(self, client):
        user = factories.UserFactory(email="fan@example.com")
        response = client.post(
            reverse("accounts:login"),
            {
                "username": "fan@example.com",
                "password": factories.DEFAULT_PASSWORD,
                "next": EVENT_URL,
            },
        )
        assert response.status_code == 302
        assert response.url == EVENT_URL
        assert int(client.session["_auth_user_id"]) == user.pk

    def test_wrong_password(self, client):
        factories.UserFactory(email="fan@example.com")
        response = client.post(
            reverse("accounts:login"), {"username": "fan@example.com", "password": "nope"}
        )
        assert response.status_code == 200
        assert "Please enter a correct email address and password" in response.content.decode()

    def test_login_page_links_to_signup_keeping_next(self, client):
        html = client.get(reverse("accounts:login"), {"next": EVENT_URL}).content.decode()
        link = re.search(r'href="(/accounts/signup/\?[^"]+)"', html).group(1)
        assert parse_qs(urlsplit(unescape(link)).query)["next"] == [EVENT_URL]


class TestLogout:
    def test_is_a_post(self, client):
        client.force_login(factories.UserFactory())
        assert client.get(reverse("accounts:logout")).status_code == 405
        response = client.post(reverse("accounts:logout"))
        assert response.url == reverse("events:list")
        assert "_auth_user_id" not in client.session

    def test_needs_the_csrf_token(self):
        client = Client(enforce_csrf_checks=True)
        client.force_login(factories.UserFactory())
        assert client.post(reverse("accounts:logout")).status_code == 403


def test_header_shows_the_right_links(client):
    html = client.get(reverse("events:list")).content.decode()
    assert reverse("accounts:login") in html and reverse("accounts:signup") in html
    client.force_login(factories.UserFactory())
    html = client.get(reverse("events:list")).content.decode()
    assert reverse("bookings:list") in html and 'data-testid="logout"' in html


def test_404_is_the_shops_own(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "<title>Page not found · Ticketing</title>" in html
    assert 'href="/"' in html


def test_500_is_the_shops_own(rf):
    from apps.common.views import server_error

    request = rf.get("/")
    request.request_id = "abc123"
    response = server_error(request)
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html and "abc123" in html

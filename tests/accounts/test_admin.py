import pytest
from django.urls import reverse

from apps.accounts.models import User
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


def test_changelist_lists_and_searches_by_email_and_name(admin_client):
    UserFactory(email="ada@example.com", full_name="Ada Lovelace")
    UserFactory(email="bob@example.com", full_name="Bob")
    url = reverse("admin:accounts_user_changelist")
    response = admin_client.get(url, {"q": "lovelace"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "ada@example.com" in content
    assert "bob@example.com" not in content


def test_add_form_creates_a_user_with_email_and_password(admin_client):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "New.Staff@Example.com",
            "full_name": "New Staff",
            "usable_password": "true",
            "password1": DEFAULT_PASSWORD,
            "password2": DEFAULT_PASSWORD,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(email="new.staff@example.com")
    assert user.check_password(DEFAULT_PASSWORD)
    assert user.full_name == "New Staff"


def test_add_form_refuses_an_address_taken_in_another_case(admin_client):
    UserFactory(email="ada@example.com")
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "ADA@example.com",
            "usable_password": "true",
            "password1": DEFAULT_PASSWORD,
            "password2": DEFAULT_PASSWORD,
        },
    )
    assert response.status_code == 200
    assert "already exists" in str(response.context["adminform"].form.errors["email"])
    assert User.objects.filter(email__iexact="ada@example.com").count() == 1


def test_change_form_renders_and_saves(admin_client):
    user = UserFactory(email="ada@example.com", full_name="Ada")
    url = reverse("admin:accounts_user_change", args=[user.pk])
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(
        url,
        {
            "email": "Ada@Example.com",
            "full_name": "Ada L.",
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert (user.email, user.full_name) == ("ada@example.com", "Ada L.")

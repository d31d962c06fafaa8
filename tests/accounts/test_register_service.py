import pytest

from apps.accounts import selectors
from apps.accounts.models import User
from apps.accounts.services import register_user
from apps.common.errors import InvalidRequest, RuleBroken
from tests.concurrency import run_at_once
from tests.factories import DEFAULT_PASSWORD, UserFactory


@pytest.mark.django_db
def test_register_stores_the_address_lowercased_with_a_hashed_password():
    user = register_user(email="  Ada@Example.COM ", password=DEFAULT_PASSWORD, full_name=" Ada ")
    user.refresh_from_db()
    assert user.email == "ada@example.com"
    assert user.full_name == "Ada"
    assert user.check_password(DEFAULT_PASSWORD)
    assert user.password != DEFAULT_PASSWORD
    assert not user.is_staff


@pytest.mark.django_db
def test_an_address_registered_in_another_case_is_taken():
    UserFactory(email="ada@example.com")
    with pytest.raises(RuleBroken) as err:
        register_user(email="ADA@example.com", password=DEFAULT_PASSWORD)
    assert err.value.code == "email_taken"
    assert "email" in err.value.extra["fields"]
    assert User.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short1x", "too short"),
        ("password123", "too common"),
        ("83920174658", "entirely numeric"),
        ("ada.lovelace", "similar"),
    ],
)
def test_weak_passwords_are_refused_with_django_validators(password, reason):
    with pytest.raises(RuleBroken) as err:
        register_user(email="ada.lovelace@example.com", password=password)
    assert err.value.code == "password_rejected"
    messages = " ".join(err.value.extra["fields"]["password"])
    assert reason in messages
    assert not User.objects.exists()


@pytest.mark.django_db
def test_every_bad_field_is_reported_at_once():
    with pytest.raises(InvalidRequest) as err:
        register_user(email="not-an-address", password="", full_name="x" * 151)
    assert set(err.value.extra["fields"]) == {"email", "password", "full_name"}


@pytest.mark.django_db
def test_the_unique_index_catches_what_the_check_missed(monkeypatch):
    """The window between the existence check and the insert: the database refuses the
    duplicate and the service still answers email_taken (not an IntegrityError)."""
    UserFactory(email="ada@example.com")
    real = selectors.email_taken
    calls = []

    def blind_first_time(email, **kwargs):
        calls.append(email)
        return False if len(calls) == 1 else real(email, **kwargs)

    monkeypatch.setattr(selectors, "email_taken", blind_first_time)
    with pytest.raises(RuleBroken) as err:
        register_user(email="Ada@Example.com", password=DEFAULT_PASSWORD)
    assert err.value.code == "email_taken"
    assert len(calls) == 2


@pytest.mark.django_db(transaction=True)
def test_two_registrations_of_one_address_at_once_make_one_account():
    def register(email):
        return lambda: register_user(email=email, password=DEFAULT_PASSWORD)

    outcomes = run_at_once(
        [register(e) for e in ("race@example.com", "RACE@example.com", "Race@Example.com")]
    )
    created = [user for user, exc in outcomes if exc is None]
    refused = [exc for user, exc in outcomes if exc is not None]
    assert len(created) == 1
    assert len(refused) == 2
    assert all(isinstance(exc, RuleBroken) for exc in refused), refused
    assert {exc.code for exc in refused} == {"email_taken"}
    assert User.objects.filter(email="race@example.com").count() == 1

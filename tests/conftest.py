import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests import factories


@pytest.fixture(autouse=True)
def _clean_cache():
    """Each test starts with an empty cache (and no leftover seat locks or counters)."""
    cache.clear()
    yield


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def buyer(db):
    return factories.UserFactory()


@pytest.fixture
def buyer_client(buyer):
    client = APIClient()
    client.force_authenticate(buyer)
    return client


@pytest.fixture
def staff_user(db):
    return factories.UserFactory(is_staff=True, is_superuser=True)

import pytest
from django.core.cache import cache
from django.core.servers.basehttp import WSGIServer
from rest_framework.test import APIClient

from apps.common.process_cache import forget_all as forget_process_caches
from apps.common.redis import redis_health
from tests import factories

# The live server takes 32+ simultaneous connections in the HTTP race; Django's default listen
# backlog (10) makes the kernel reset some of them before the server ever sees them.
WSGIServer.request_queue_size = 256


@pytest.fixture(autouse=True)
def _clean_cache():
    """Each test starts with an empty cache (no leftover seat locks or counters), the Redis
    circuit breaker closed, and nothing kept by the process: events, taken seats, seat maps,
    API users (tests change them with queryset updates, which send no signal)."""
    cache.clear()
    redis_health.reset()
    forget_process_caches()
    yield
    redis_health.reset()


@pytest.fixture
def dead_redis(settings):
    """Points the cache (and so the seat locks) at a port where no Redis listens."""
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": "redis://127.0.0.1:6390/0",
        }
    }
    redis_health.reset()
    yield
    redis_health.reset()


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

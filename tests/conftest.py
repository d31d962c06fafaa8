import pytest
from django.core.cache import cache
from django.core.servers.basehttp import WSGIServer
from django.utils import translation
from rest_framework.test import APIClient

from apps.common.process_cache import forget_all as forget_process_caches
from apps.common.redis import redis_health
from apps.payments.gateway import breaker as payment_breaker
from apps.payments.providers.base import get_provider
from tests import factories
from tests.payments.faults import FaultySandbox

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
    payment_breaker.reset()
    forget_process_caches()
    yield
    redis_health.reset()
    payment_breaker.reset()
    # A request in German leaves the thread's language German (LocaleMiddleware activates it
    # and nothing deactivates it in a test): the next test starts in the default again.
    translation.deactivate()


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


@pytest.fixture
def faulty_gateway(settings):
    """The sandbox gateway as the shop's provider, with faults to switch on
    (tests/payments/faults.py)."""
    path = f"{FaultySandbox.__module__}.{FaultySandbox.__name__}"
    settings.TICKETING = {**settings.TICKETING, "PAYMENT_PROVIDER": path}
    get_provider.cache_clear()
    FaultySandbox.reset()
    yield FaultySandbox
    FaultySandbox.reset()
    get_provider.cache_clear()


@pytest.fixture(scope="session")
def localstripe():
    """A localstripe server for the whole session (tests/payments/localstripe.py)."""
    from tests.payments.localstripe import LocalStripe

    server = LocalStripe().start()
    yield server
    server.stop()


@pytest.fixture
def stripe_gateway(settings, localstripe):
    """Stripe as the shop's provider, pointed at localstripe."""
    settings.TICKETING = {
        **settings.TICKETING,
        "PAYMENT_PROVIDER": "apps.payments.providers.stripe.StripeProvider",
        "STRIPE_API_BASE": localstripe.url,
        "STRIPE_SECRET_KEY": "sk_test_localstripe",
        "STRIPE_PUBLISHABLE_KEY": "pk_test_localstripe",
        "STRIPE_WEBHOOK_SECRET": "whsec_localstripe",
        "STRIPE_JS_URL": localstripe.url + "/js.stripe.com/v3/",
    }
    get_provider.cache_clear()
    yield localstripe
    get_provider.cache_clear()

"""Rate limits that never turn a cache outage into a 500."""

import logging

from django.core.exceptions import ImproperlyConfigured
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

logger = logging.getLogger(__name__)


class FailOpenScopedRateThrottle(ScopedRateThrottle):
    """ScopedRateThrottle (set `throttle_scope` on the view) with two differences:

    - the rate is read from the settings on each request, not frozen at import time, so that
      THROTTLE_* environment changes and test overrides take effect;
    - when the cache (Redis) is unreachable the request is let through and the outage logged:
      a login must not fail because the rate limiter cannot count it."""

    def get_rate(self):
        self.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
        return super().get_rate()

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except ImproperlyConfigured:
            raise  # a scope without a rate is a deployment bug, not an outage
        except Exception as exc:  # any cache backend error: count nothing, refuse nothing
            logger.warning(
                "throttle cache unreachable, request allowed: %s: %s",
                exc.__class__.__name__,
                exc,
            )
            return True

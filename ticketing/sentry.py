"""Error reporting: sentry_sdk for Django, Celery and Redis, set up from the settings only when
SENTRY_DSN is set (nothing is initialised, and nothing leaves the machine, otherwise)."""

import os


def init_sentry(dsn: str) -> bool:
    """Initialises sentry_sdk for this process (web, worker or beat). Returns whether it did."""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.redis import RedisIntegration

    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration(), CeleryIntegration(), RedisIntegration()],
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        release=os.environ.get("SENTRY_RELEASE") or None,
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0") or 0),
        # Buyers' emails and card holders' names stay out of error reports.
        send_default_pii=False,
        before_send=before_send,
    )
    return True


# Frames of these modules lose their local variables in a report: a payment's request, its
# card (sandbox) or its client secret may be among them.
PAYMENT_MODULES = ("apps.payments", "apps.bookings", "apps.common.idempotency")


def before_send(event, hint):
    """Scrubs an error report before it leaves: no local variables on payment paths, no
    request body fields that could hold card data, and card-like numbers masked anywhere."""
    from apps.common.scrubbing import scrub

    for exception in (event.get("exception") or {}).get("values") or []:
        for frame in (exception.get("stacktrace") or {}).get("frames") or []:
            if str(frame.get("module") or "").startswith(PAYMENT_MODULES):
                frame.pop("vars", None)
    request = event.get("request")
    if isinstance(request, dict) and "data" in request:
        request["data"] = "[Filtered]" if isinstance(request["data"], str) else request["data"]
    return scrub(event)

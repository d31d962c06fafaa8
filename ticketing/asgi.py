import os

from django.core.asgi import get_asgi_application

from ticketing.tracing import configure_tracing

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketing.settings.production")
# Before the middleware chain is built; a no-op unless OTEL_EXPORTER_OTLP_ENDPOINT is set.
configure_tracing()

application = get_asgi_application()

import os

from django.core.wsgi import get_wsgi_application

from ticketing.tracing import configure_tracing

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketing.settings.production")
# Before the middleware chain is built (the Django instrumentation adds its own); a no-op
# unless OTEL_EXPORTER_OTLP_ENDPOINT is set.
configure_tracing()

application = get_wsgi_application()

"""Settings for `make bench` only: production, plus the baseline route (see bench/urls.py).

The shop itself never ships that route; only processes started with
DJANGO_SETTINGS_MODULE=bench.settings serve it."""

from ticketing.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

"""sentry_sdk is set up by the settings, for Django, Celery and Redis, when SENTRY_DSN is set,
and not at all otherwise. Each case runs in a fresh interpreter: the SDK is process-global."""

import json
import os

import pytest

from tests.processes import run_python

PROBE = """
import json, django, sentry_sdk
django.setup()
client = sentry_sdk.get_client()
sent = []
if client.is_active():
    client.transport.capture_envelope = sent.append  # nothing leaves the machine
    sentry_sdk.capture_message("probe")
    sentry_sdk.flush()
print(json.dumps({
    "active": client.is_active(),
    "integrations": sorted(client.integrations),
    "dsn": client.options.get("dsn"),
    "pii": client.options.get("send_default_pii"),
    "sent": len(sent),
}))
"""


def probe(**env) -> dict:
    sentry_names = [k for k in os.environ if k.startswith("SENTRY_")]
    out = run_python(
        PROBE, env={"DJANGO_SETTINGS_MODULE": "ticketing.settings.test", **env}, drop=sentry_names
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_without_a_dsn_sentry_is_not_initialised():
    result = probe(SENTRY_DSN="")
    assert result["active"] is False
    assert result["sent"] == 0


@pytest.mark.parametrize("settings_module", ["ticketing.settings.test", "ticketing.settings.local"])
def test_with_a_dsn_django_celery_and_redis_are_covered(settings_module):
    dsn = "https://public@errors.example.com/42"
    result = probe(SENTRY_DSN=dsn, DJANGO_SETTINGS_MODULE=settings_module)
    assert result["active"] is True
    assert result["dsn"] == dsn
    assert {"django", "celery", "redis"} <= set(result["integrations"])
    assert result["pii"] is False
    assert result["sent"] == 1, "events go through the configured transport"

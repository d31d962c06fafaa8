"""Security headers and what the operator endpoints show to whom (issue 14, finding 9)."""

import json
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.common.test_health import DEAD_CACHE

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_HEADERS = """
import json
import django
django.setup()
from django.test import Client
response = Client().get("/healthz", secure=True, headers={"host": "tickets.example.com"})
print(json.dumps(dict(response.headers)))
"""


def _python(code: str, env: dict) -> subprocess.CompletedProcess:
    """Runs `code` in a fresh interpreter with only `env`: settings modules read the
    environment once, at import."""
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=True,
    )


def test_production_answers_carry_the_security_headers():
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "ticketing.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "JWT_SIGNING_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "tickets.example.com",
    }
    out = _python(PRODUCTION_HEADERS, env)
    headers = json.loads(out.stdout.strip().splitlines()[-1])
    csp = headers["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
    ):
        assert directive in csp, csp
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src "))
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "camera=()" in headers["Permissions-Policy"]
    assert "geolocation=()" in headers["Permissions-Policy"]
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_pages_carry_a_nonce_only_where_an_inline_style_needs_it(client, staff_user):
    page = client.get("/")
    assert "Content-Security-Policy" in page
    assert b"onclick=" not in page.content and b"onsubmit=" not in page.content
    client.force_login(staff_user)
    page = client.get("/admin/inventory/lockstat/")
    assert page.status_code == 200
    # The monitoring pages' style block carries the request's nonce, which the header names.
    nonce = page.wsgi_request.csp_nonce
    assert f"'nonce-{nonce}'" in page["Content-Security-Policy"]
    assert f'<style nonce="{nonce}">'.encode() in page.content


def test_the_api_docs_may_load_swagger_ui_and_nothing_inline(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    assert "https://cdn.jsdelivr.net" in page["Content-Security-Policy"]
    assert b"<script>" not in page.content  # the start-up script is its own request
    assert client.get("/api/docs/?script").status_code == 200


def test_metrics_are_closed_without_debug_or_the_allow_list(client, settings, monkeypatch):
    settings.METRICS_PUBLIC = False
    monkeypatch.delenv("METRICS_ALLOWED_IPS", raising=False)
    assert client.get("/metrics").status_code == 403
    monkeypatch.setenv("METRICS_ALLOWED_IPS", "127.0.0.1")
    assert client.get("/metrics").status_code == 200


@pytest.mark.parametrize("module", ["ticketing.settings.base", "ticketing.settings.local"])
def test_metrics_are_closed_under_the_stack_settings(module):
    code = "from django.conf import settings; print(settings.METRICS_PUBLIC)"
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": module, "DEBUG": "false"}
    out = _python(code, env)
    assert out.stdout.strip() == "False"


def test_readyz_reasons_are_for_operators_only(client, settings, monkeypatch, staff_user):
    settings.METRICS_PUBLIC = False
    monkeypatch.delenv("METRICS_ALLOWED_IPS", raising=False)
    settings.CACHES = DEAD_CACHE
    anonymous = client.get("/readyz")
    assert anonymous.status_code == 503
    assert anonymous.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "cache": "unreachable"},
    }
    monkeypatch.setenv("METRICS_ALLOWED_IPS", "127.0.0.1")
    assert client.get("/readyz").json()["reasons"][0].startswith("cache: ")
    monkeypatch.delenv("METRICS_ALLOWED_IPS")
    client.force_login(staff_user)
    assert client.get("/readyz").json()["reasons"][0].startswith("cache: ")


def test_json_api_answers_carry_a_policy_that_allows_nothing(client):
    response = client.get("/api/v1/events")
    assert response["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert "Permissions-Policy" in response and response["X-Content-Type-Options"] == "nosniff"

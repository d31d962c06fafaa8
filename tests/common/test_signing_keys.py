"""Production refuses signing keys anyone could read: the repository's own, placeholders, and a
JWT key that is SECRET_KEY (issue 14, finding 2). `check --deploy` says the same."""

import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from apps.common.keys import REPOSITORY_KEYS, key_problem

ROOT = Path(__file__).resolve().parents[2]


def fresh() -> str:
    return secrets.token_urlsafe(64)


def deploy_check(**env):
    environment = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "ticketing.settings.production",
        "ALLOWED_HOSTS": "tickets.example.com",
        **env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=environment,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


def keys_in_the_repository() -> set[str]:
    """Every SECRET_KEY=… / JWT_SIGNING_KEY: … sample value written in the repository's files."""
    found = set()
    pattern = re.compile(r"(?:SECRET_KEY|JWT_SIGNING_KEY)[=:]\s*\$?\{?[A-Z_]*:?-?([^\s}\"']{20,})")
    for name in (".env.example", "docker-compose.yml", "Dockerfile", "README.md"):
        found.update(pattern.findall((ROOT / name).read_text()))
    return {key for key in found if not key.startswith("$")}


def test_every_sample_key_of_the_repository_is_refused():
    assert keys_in_the_repository(), "the pattern finds the samples"
    for key in keys_in_the_repository() | REPOSITORY_KEYS:
        assert key_problem(key), key
    assert key_problem(fresh()) is None


@pytest.mark.parametrize(
    "value",
    ["x" * 60, "a" * 30, "my-secret-key-" + "q" * 50, "changeme" + fresh(), "", None],
)
def test_placeholders_are_refused(value):
    assert key_problem(value)


def test_production_with_a_repository_key_fails_and_with_fresh_keys_is_clean():
    compose_key = "compose-demo-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz"
    refused = deploy_check(SECRET_KEY=compose_key, JWT_SIGNING_KEY=fresh())
    assert refused.returncode != 0
    assert "SECRET_KEY is a key published in the repository" in refused.stderr

    no_jwt_key = deploy_check(SECRET_KEY=fresh())
    assert no_jwt_key.returncode != 0 and "JWT_SIGNING_KEY is not set" in no_jwt_key.stderr

    same = fresh()
    reused = deploy_check(SECRET_KEY=same, JWT_SIGNING_KEY=same)
    assert reused.returncode != 0 and "must differ from SECRET_KEY" in reused.stderr

    clean = deploy_check(SECRET_KEY=fresh(), JWT_SIGNING_KEY=fresh())
    assert clean.returncode == 0, clean.stderr
    assert "no issues" in clean.stdout


def test_the_deploy_check_flags_the_development_keys():
    # The test settings run on the development SECRET_KEY, which also signs their JWTs.
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert "common.E001" in result.stderr and "common.E003" in result.stderr


def test_compose_requires_the_keys():
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "SECRET_KEY: ${SECRET_KEY:?" in compose
    assert "JWT_SIGNING_KEY: ${JWT_SIGNING_KEY:?" in compose

"""Schemathesis against the live test server's own OpenAPI schema, as a buyer and as staff
(issue 14, finding 10): every check on (no 5xx, responses and status codes as documented,
invalid requests refused, valid ones accepted, links followed in the stateful phase), a fixed
number of examples per operation, a fixed seed and a time limit. It fails on any failure; what
it finds is fixed in the shop or its schema, never excluded here."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework_simplejwt.tokens import RefreshToken

from tests.factories import UserFactory, on_sale_event

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.fuzz]

CONFIG = Path(__file__).with_name("schemathesis.toml")
EXAMPLES_PER_OPERATION = 15
TIME_LIMIT_SECONDS = 240


def _run(live_server, token: str, report: Path) -> tuple[int, str, dict]:
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(CONFIG),
        "run",
        f"{live_server.url}/api/schema/",
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        "all",
        "--max-examples",
        str(EXAMPLES_PER_OPERATION),
        "--seed",
        "20261201",
        "--request-timeout",
        "10",
        "--no-color",
        "--generation-database",
        "none",
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(report),
    ]
    done = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        # In the test's own folder: schemathesis keeps a cache where it runs.
        command,
        capture_output=True,
        text=True,
        timeout=TIME_LIMIT_SECONDS,
        cwd=report.parent,
    )
    return done.returncode, done.stdout + done.stderr, _summary(report)


def _summary(report: Path) -> dict:
    """Operations tested and test cases run, from the run's event stream."""
    cases, operations = 0, set()
    if report.exists():
        for line in report.read_text().splitlines():
            event = json.loads(line)
            for name, body in event.items():
                if name == "ScenarioFinished" and isinstance(body, dict):
                    label = (body.get("recorder") or {}).get("label")
                    if label:
                        operations.add(label)
                    cases += len((body.get("recorder") or {}).get("cases") or {})
    return {"operations": len(operations), "cases": cases}


@pytest.fixture
def shop():
    event = on_sale_event(rows=10, seats_per_row=20)
    buyer = UserFactory(email="fuzz-buyer@example.com")
    staff = UserFactory(email="fuzz-staff@example.com", is_staff=True)
    return event, buyer, staff


@pytest.mark.parametrize("who", ["buyer", "staff"])
def test_the_api_keeps_to_its_schema_under_fuzzing(live_server, shop, tmp_path, who):
    _, buyer, staff = shop
    user = buyer if who == "buyer" else staff
    token = str(RefreshToken.for_user(user).access_token)
    status, output, summary = _run(live_server, token, tmp_path / "events.ndjson")
    print(output[-6000:])  # shown by pytest on failure
    print(f"schemathesis as {who}: {summary}")
    assert status == 0, output[-6000:]
    assert summary["operations"] >= 15

"""Running a piece of Python in a process of its own, as the shop's own settings would start it
(for what must not share this test process's state: Sentry's globals, another database)."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent


def run_python(code: str, *, env: dict[str, str], drop=(), timeout: float = 60):
    """Runs `code` with this interpreter from the project root; the environment is this one's,
    less the names in `drop`, plus `env`."""
    environment = {k: v for k, v in os.environ.items() if k not in drop} | env
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def database_url_for_tests() -> str:
    """The test database as a DATABASE_URL, for a process that must see this test's rows."""
    from django.db import connection

    db = connection.settings_dict
    auth = quote(db["USER"] or "postgres")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{auth}@{host}:{db['PORT'] or 5432}/{db['NAME']}"

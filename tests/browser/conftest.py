"""Browser fixtures: Playwright driving the system Chromium (Debian's `chromium` package; the
Playwright browser download does not work here) against pytest-django's live server on the real
PostgreSQL and Redis.

Every test here needs `transactional_db` (the live server thread must see committed data) and is
marked `browser`; run only these with `pytest -m browser`, skip them with `-m "not browser"`."""

import contextlib
import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a
# thread with a running loop unless told it is fine (it is: the tests are synchronous).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: run `make chromium` "
            "(or deselect these tests with -m 'not browser')."
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


class Browsers:
    """Opens isolated browser contexts (separate cookies: separate buyers) on the live server
    and fails the test if a page throws a JavaScript error or the CSP blocks anything."""

    def __init__(self, browser, live_server):
        self.browser = browser
        self.base_url = live_server.url
        self.contexts = []
        self.js_errors: list[str] = []
        self.broken: list[str] = []
        self.csp_violations: list[str] = []
        # API paths a page calls whose 4xx are answers it shows (e.g. a refused check-in), not
        # broken resources; a 5xx from them still fails the test.
        self.api_answers: set[str] = set()

    def page(self, user=None, **context_options):
        context = self.browser.new_context(base_url=self.base_url, **context_options)
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        if user is not None:
            context.add_cookies([self._session_cookie(user)])
        page = context.new_page()
        page.on("pageerror", lambda exc: self.js_errors.append(f"{page.url}: {exc}"))
        page.on("console", lambda message: self._check_console(page, message))
        page.on("response", self._check_asset)
        return page

    def _check_console(self, page, message):
        # Chromium reports what the Content-Security-Policy blocked on the console.
        if "Content Security Policy" in message.text:
            self.csp_violations.append(f"{page.url}: {message.text}")

    def _check_asset(self, response):
        # Pages may answer 402/410 on purpose (a declined card, an expired hold); the files and
        # feeds a page loads must never fail.
        answer = (
            response.request.resource_type in ("fetch", "xhr")
            and urlsplit(response.url).path in self.api_answers
            and response.status < 500
        )
        if response.request.resource_type != "document" and response.status >= 400 and not answer:
            self.broken.append(f"{response.status} {response.url}")

    def _session_cookie(self, user) -> dict:
        client = Client()
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        return {"name": settings.SESSION_COOKIE_NAME, "value": session, "url": self.base_url}

    def close(self):
        for context in self.contexts:
            with contextlib.suppress(PlaywrightError):
                context.close()


@pytest.fixture
def browsers(browser, live_server, transactional_db):
    opened = Browsers(browser, live_server)
    yield opened
    opened.close()
    assert not opened.js_errors, f"JavaScript errors: {opened.js_errors}"
    assert not opened.broken, f"Failed requests for page resources: {opened.broken}"
    assert not opened.csp_violations, f"Blocked by the CSP: {opened.csp_violations}"

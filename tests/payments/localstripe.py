"""localstripe (a Stateful Stripe-compatible server, PyPI) started by the test suite on a free
port, as PostgreSQL and Redis are for the rest of it. What it does not do (tests write around
it, the shop does not): it ignores idempotency keys; `confirm` with a new payment method is not
implemented (the shop creates the intent with its payment method, then confirms it); its card
declined at charge time is 4000000000000341 (4000000000000002 only when attached to a
customer); 3-D Secure cards include 4000000000003220 and 4000002500003155, finished with its
own `_authenticate` call (what its fake Stripe.js does)."""

import contextlib
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

LOCALSTRIPE = Path(sys.executable).with_name("localstripe")
SUCCESS, DECLINED_AT_CHARGE, THREE_D_SECURE = (
    "4242424242424242",
    "4000000000000341",
    "4000000000003220",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalStripe:
    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [str(LOCALSTRIPE), "--port", str(self.port), "--from-scratch"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                httpx.get(self.url + "/js.stripe.com/v3/", timeout=1)
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("localstripe did not start")

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None

    def payment_method(self, number: str) -> str:
        """What the mobile SDK does with the buyer's card: a PaymentMethod id."""
        response = httpx.post(
            self.url + "/v1/payment_methods",
            data={
                "type": "card",
                "card[number]": number,
                "card[exp_month]": "12",
                "card[exp_year]": "2035",
                "card[cvc]": "123",
            },
            auth=("sk_test_localstripe", ""),
        )
        response.raise_for_status()
        return response.json()["id"]

    def authenticate(self, intent_id: str, client_secret: str, success=True):
        """The buyer passes (or fails) 3-D Secure in the app."""
        response = httpx.post(
            f"{self.url}/v1/payment_intents/{intent_id}/_authenticate",
            params={"success": "true" if success else "false"},
            data={"key": "pk_test_localstripe", "client_secret": client_secret},
        )
        response.raise_for_status()
        return response.json()

    def charges_of(self, intent_id: str) -> list[dict]:
        response = httpx.get(
            f"{self.url}/v1/charges", params={"limit": 100}, auth=("sk_test_localstripe", "")
        )
        response.raise_for_status()
        return [c for c in response.json()["data"] if c.get("payment_intent") == intent_id]

    def send_webhooks_to(self, url: str, secret: str):
        response = httpx.post(
            f"{self.url}/_config/webhooks/shop",
            data={"url": url, "secret": secret},
            auth=("sk_test_localstripe", ""),
        )
        response.raise_for_status()

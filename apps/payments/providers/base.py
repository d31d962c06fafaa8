"""The payment provider interface. The shop talks to a card gateway only through this (wrapped
by apps.payments.gateway for timeouts, retries and the circuit breaker), and only outside
database transactions: a gateway call can take seconds.

A payment is a PaymentIntent: created for a booking with our own key (also in its metadata),
then confirmed. An intent charges at most once, so confirming it again, or asking for it again,
can never take the money twice. What a call tells us is an Outcome; a timeout or a network error
is UNKNOWN, never "not charged": the answer is asked for again later (reconciliation)."""

import functools
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from apps.common.errors import InvalidRequest
from apps.common.parsing import ascii_int, is_ascii_digits


def _whole_number(value) -> int:
    # ASCII digits only: int() would read "١٢" as 12.
    number = value if isinstance(value, int) else ascii_int(value)
    if number is None:
        raise ValueError(value)
    return number


def luhn_valid(number: str) -> bool:
    if not is_ascii_digits(number):
        return False
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


class InvalidCard(InvalidRequest):
    """Card details of the right shape (the schema's digits and lengths) that no card can
    have: a wrong check digit, a past expiry, a month 13. A 422, since no schema can say so;
    still an InvalidRequest, so that the checkout page shows it per field."""

    status_code = 422
    code = "invalid_card"


@dataclass(frozen=True)
class CardDetails:
    """A sandbox test card typed into the demo form. Only the sandbox accepts one; it never
    leaves the request (not stored, not logged: the repr shows the last four digits only)."""

    number: str = field(repr=False)
    exp_month: int
    exp_year: int
    cvc: str = field(repr=False)
    name: str = field(default="", repr=False)

    @property
    def last4(self) -> str:
        return self.number[-4:]

    def __repr__(self) -> str:
        return f"CardDetails(last4={self.last4!r})"

    @classmethod
    def parse(cls, *, number, exp_month, exp_year, cvc, name="") -> "CardDetails":
        """Normalises and checks what a buyer typed; every problem is named per field."""
        errors: dict[str, list[str]] = {}
        digits = "".join(str(number or "").split()).replace("-", "")
        if not is_ascii_digits(digits) or not 12 <= len(digits) <= 19 or not luhn_valid(digits):
            errors["card_number"] = [_("Enter a valid card number.")]
        try:
            month, year = _whole_number(exp_month), _whole_number(exp_year)
            if not 1 <= month <= 12:
                raise ValueError
            today = timezone.now().date()
            if year < 1000:
                # "27" could be 2027 or a typo: the buyer says which (the field asks for YYYY).
                errors["exp_year"] = [_("Enter the expiry year in four digits, e.g. 2031.")]
            elif (year, month) < (today.year, today.month):
                errors["exp_year"] = [_("This card has expired.")]
        except (TypeError, ValueError):
            errors["exp_month"] = [_("Enter the expiry month (1-12) and year.")]
            month, year = 0, 0
        cvc_text = str(cvc or "").strip()
        if not is_ascii_digits(cvc_text) or len(cvc_text) not in (3, 4):
            errors["cvc"] = [_("Enter the 3 or 4 digit security code.")]
        if errors:
            raise InvalidCard(next(iter(errors.values()))[0], fields=errors)
        return cls(
            number=digits, exp_month=month, exp_year=year, cvc=cvc_text, name=str(name or "")
        )


# What the shop itself writes about a refused card or payment (the sandbox, apps.payments.
# services). Stored in English with the payment (staff read them), translated where a buyer is
# told (card_error_message).
CARD_DECLINED = gettext_noop("Your card was declined.")
NOT_A_TEST_CARD = gettext_noop("This card number is not one of the sandbox test cards.")
NO_SUCH_PAYMENT_METHOD = gettext_noop("No such payment method.")
NO_SUCH_INTENT = gettext_noop("No such payment intent.")
ENTER_CARD = gettext_noop("Enter your card details to pay.")
SERVICE_UNREACHABLE = gettext_noop("The payment service could not be reached; nothing was charged.")
NO_INTENT = gettext_noop("No intent was created.")
PAYMENT_REFUSED = gettext_noop("The payment was refused.")
_OWN_MESSAGES = frozenset(
    {
        CARD_DECLINED,
        NOT_A_TEST_CARD,
        NO_SUCH_PAYMENT_METHOD,
        NO_SUCH_INTENT,
        ENTER_CARD,
        SERVICE_UNREACHABLE,
        NO_INTENT,
        PAYMENT_REFUSED,
    }
)

# A gateway writes its messages in English. The common card errors, by the gateway's code
# (Stripe's codes, which the sandbox uses too), in Stripe's own English words: translated at
# the call, in the language the buyer reads.
CARD_ERRORS = {
    "card_declined": gettext_noop("Your card was declined."),
    "expired_card": gettext_noop("Your card has expired."),
    "incorrect_cvc": gettext_noop("Your card's security code is incorrect."),
    "invalid_cvc": gettext_noop("Your card's security code is invalid."),
    "incorrect_number": gettext_noop("Your card number is incorrect."),
    "invalid_number": gettext_noop("Your card number is invalid."),
    "invalid_expiry_month": gettext_noop("Your card's expiration month is invalid."),
    "invalid_expiry_year": gettext_noop("Your card's expiration year is invalid."),
    "insufficient_funds": gettext_noop("Your card has insufficient funds."),
    "processing_error": gettext_noop(
        "An error occurred while processing your card. Try again in a little bit."
    ),
    "authentication_required": gettext_noop(
        "Your card was declined. This transaction requires authentication."
    ),
}
_KNOWN_MESSAGES = _OWN_MESSAGES | frozenset(CARD_ERRORS.values())


def card_error_message(code: str | None, message: str | None) -> str:
    """What the buyer is told about a refused card, in the active language. A message the shop
    knows is translated as it stands. Another of the gateway's messages (a decline's precise
    reason) is kept for a buyer who reads English, as the gateway writes; for any other
    language its code's message, translated, stands in. The code itself (the API's
    `decline_code`, the stored `failure_code`) never changes."""
    if message in _KNOWN_MESSAGES:
        return _(message)
    generic = CARD_ERRORS.get(code or "")
    if generic is not None:
        translated = _(generic)
        if translated != generic or not message:
            return translated
    return message or ""


class Outcome(StrEnum):
    CREATED = "created"  # an intent that was not confirmed: nothing can have been charged
    SUCCEEDED = "succeeded"
    REQUIRES_ACTION = "requires_action"  # 3-D Secure: the buyer's app or browser finishes it
    PROCESSING = "processing"  # the gateway is still deciding
    DECLINED = "declined"
    CANCELED = "canceled"  # not charged, and never will be
    UNKNOWN = "unknown"  # timeout or network error: we do not know yet


@dataclass(frozen=True)
class IntentResult:
    outcome: Outcome
    intent_id: str = ""
    client_secret: str = field(default="", repr=False)
    card_last4: str = ""
    failure_code: str = ""
    failure_message: str = ""


@dataclass(frozen=True)
class RefundResult:
    succeeded: bool
    refund_id: str = ""
    failure_message: str = ""


@dataclass(frozen=True)
class WebhookMessage:
    """A verified gateway event, reduced to what the shop acts on."""

    event_id: str
    type: str
    intent_id: str = ""
    key: str = ""  # our idempotency key, from the intent's metadata
    failure_code: str = ""
    failure_message: str = ""
    payload: dict = field(default_factory=dict, repr=False)


class GatewayUnavailable(Exception):
    """The gateway could not be reached, timed out or answered a 5xx. Whether the call took
    effect is unknown; every call carries an idempotency key, so it may be repeated."""


class GatewayRefused(Exception):
    """The gateway refused the request itself (a 4xx other than a decline): repeating it
    cannot help. `message` is safe to show."""

    def __init__(self, message: str, code: str = "payment_method_invalid"):
        super().__init__(message)
        self.code = code


class InvalidSignature(Exception):
    """A webhook whose signature does not verify."""


class PaymentProvider(ABC):
    name = "provider"
    # Whether the buyer's browser confirms the intent with the gateway's own script (Stripe.js).
    browser_confirms = False

    def payment_method_for_card(self, card: CardDetails) -> str:
        """Only a sandbox takes card numbers; a real gateway gets them from its own script."""
        raise InvalidRequest(
            _(
                "Card details are not accepted here; pay with a payment method created by the "
                "payment form (Stripe.js or the mobile SDK)."
            ),
            code="card_data_not_accepted",
        )

    @abstractmethod
    def create_intent(
        self,
        *,
        amount: Decimal,
        currency: str,
        key: str,
        order_ref: str,
        payment_method: str = "",
    ) -> IntentResult:
        """Creates an unconfirmed intent (nothing is charged). The same key returns the same
        intent where the gateway honours idempotency keys."""

    @abstractmethod
    def confirm_intent(self, *, intent_id: str, key: str) -> IntentResult:
        """Confirms the intent with its payment method: charges it at most once."""

    @abstractmethod
    def retrieve_intent(self, *, intent_id: str) -> IntentResult:
        """What the gateway knows about the intent now."""

    @abstractmethod
    def cancel_intent(self, *, intent_id: str) -> IntentResult:
        """Makes an unconfirmed intent unpayable (a checkout abandoned or reconciled)."""

    @abstractmethod
    def refund(self, *, intent_id: str, amount: Decimal, currency: str, key: str) -> RefundResult:
        """Refunds `amount` of the intent's charge (all or part of it), at most once per key."""

    @abstractmethod
    def parse_webhook(self, *, payload: bytes, signature: str) -> WebhookMessage:
        """Verifies the signature (InvalidSignature) and reads the event."""


@functools.cache
def get_provider() -> PaymentProvider:
    return import_string(settings.TICKETING["PAYMENT_PROVIDER"])()

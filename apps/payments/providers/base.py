"""The payment provider interface. The shop talks to a card gateway only through this, and only
outside database transactions (a gateway call can take seconds)."""

import functools
from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

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


@dataclass(frozen=True)
class CardDetails:
    number: str
    exp_month: int
    exp_year: int
    cvc: str
    name: str = ""

    @property
    def last4(self) -> str:
        return self.number[-4:]

    @classmethod
    def parse(cls, *, number, exp_month, exp_year, cvc, name="") -> "CardDetails":
        """Normalises and checks what a buyer typed; every problem is named per field."""
        errors: dict[str, list[str]] = {}
        digits = "".join(str(number or "").split()).replace("-", "")
        if not is_ascii_digits(digits) or not 12 <= len(digits) <= 19 or not luhn_valid(digits):
            errors["card_number"] = ["Enter a valid card number."]
        try:
            month, year = _whole_number(exp_month), _whole_number(exp_year)
            if year < 100:
                year += 2000
            if not 1 <= month <= 12:
                raise ValueError
            today = timezone.now().date()
            if (year, month) < (today.year, today.month):
                errors["exp_year"] = ["This card has expired."]
        except (TypeError, ValueError):
            errors["exp_month"] = ["Enter the expiry month (1-12) and year."]
            month, year = 0, 0
        cvc_text = str(cvc or "").strip()
        if not is_ascii_digits(cvc_text) or len(cvc_text) not in (3, 4):
            errors["cvc"] = ["Enter the 3 or 4 digit security code."]
        if errors:
            raise InvalidRequest(next(iter(errors.values()))[0], code="invalid_card", fields=errors)
        return cls(
            number=digits, exp_month=month, exp_year=year, cvc=cvc_text, name=str(name or "")
        )


@dataclass(frozen=True)
class ChargeResult:
    status: str  # "succeeded" | "declined" | "failed" (processing error, retryable)
    charge_id: str = ""
    failure_code: str = ""
    failure_message: str = ""


@dataclass(frozen=True)
class RefundResult:
    succeeded: bool
    refund_id: str = ""
    failure_message: str = ""


class ProviderError(Exception):
    """The gateway could not be reached or answered nonsense; nothing is known to be charged."""


class PaymentProvider(ABC):
    name = "provider"

    @abstractmethod
    def charge(
        self,
        *,
        amount: Decimal,
        currency: str,
        card: CardDetails,
        idempotency_key: str,
        order_ref: str,
    ) -> ChargeResult:
        """Charges the card. The same idempotency_key never charges twice."""

    @abstractmethod
    def refund(self, *, charge_id: str, amount: Decimal, idempotency_key: str) -> RefundResult:
        """Refunds a charge, at most once per idempotency_key."""


@functools.cache
def get_provider() -> PaymentProvider:
    return import_string(settings.TICKETING["PAYMENT_PROVIDER"])()

"""Gateway faults injected for real: the sandbox gateway, configured as the shop's provider,
failing at a chosen step. Nothing inside the shop is replaced."""

from apps.payments.providers.base import GatewayUnavailable
from apps.payments.providers.sandbox import SandboxProvider
from apps.payments.providers.stripe import StripeProvider


class Crash(BaseException):
    """The process dies here: nothing in the shop catches it (it is not an Exception)."""


class FaultySandbox(SandboxProvider):
    unreachable = False  # every call fails before reaching the ledger (connection refused)
    lose_confirm_answers = 0  # confirm charges, then the answer is lost this many times
    crash_after_confirm = False  # confirm charges, then the process dies
    explode_on_confirm = False  # a bug: confirm raises an unexpected error (a 500)
    calls: list = []

    @classmethod
    def reset(cls):
        cls.unreachable, cls.lose_confirm_answers, cls.crash_after_confirm = False, 0, False
        cls.explode_on_confirm = False
        cls.calls = []

    def _reach(self, operation):
        self.calls.append(operation)
        if self.unreachable:
            raise GatewayUnavailable("connection refused")

    def create_intent(self, **kwargs):
        self._reach("create_intent")
        return super().create_intent(**kwargs)

    def confirm_intent(self, **kwargs):
        self._reach("confirm_intent")
        if FaultySandbox.explode_on_confirm:
            raise RuntimeError("unexpected answer from the gateway")
        result = super().confirm_intent(**kwargs)
        if FaultySandbox.crash_after_confirm:
            FaultySandbox.crash_after_confirm = False
            raise Crash("killed after the gateway charged")
        if FaultySandbox.lose_confirm_answers:
            FaultySandbox.lose_confirm_answers -= 1
            raise GatewayUnavailable("read timed out")
        return result

    def retrieve_intent(self, **kwargs):
        self._reach("retrieve_intent")
        return super().retrieve_intent(**kwargs)

    def cancel_intent(self, **kwargs):
        self._reach("cancel_intent")
        return super().cancel_intent(**kwargs)

    def refund(self, **kwargs):
        self._reach("refund")
        return super().refund(**kwargs)


class StripeThatDies(StripeProvider):
    """Stripe (localstripe) as the shop's provider; the process dies once right after Stripe
    has confirmed (charged) an intent, before the shop hears the answer."""

    die_after_confirm = False

    def confirm_intent(self, **kwargs):
        result = super().confirm_intent(**kwargs)
        if StripeThatDies.die_after_confirm:
            StripeThatDies.die_after_confirm = False
            raise Crash("killed after Stripe charged")
        return result

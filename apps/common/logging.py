import contextvars
import logging

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every log record (a dash outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class CardNumberFilter(logging.Filter):
    """Masks anything that looks like a card number in a log line (apps.common.scrubbing)."""

    def filter(self, record: logging.LogRecord) -> bool:
        from .scrubbing import mask_cards

        message = record.getMessage()
        masked = mask_cards(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True

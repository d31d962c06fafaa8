import contextvars
import logging

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

# Set by ticketing.tracing when tracing is on: the recording span's (trace id, span id), or
# None. Off, it stays None and log lines cost one check more.
span_ids = None


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every log record (a dash outside requests), and the
    trace and span ids when a span is recording."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        # JSON lines then carry trace_id and span_id next to request_id (extra record fields).
        if span_ids is not None and (ids := span_ids()):
            record.trace_id, record.span_id = ids
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

"""The shop's own Prometheus metrics (django-prometheus adds request, database and cache ones).
Under gunicorn they are aggregated across workers through PROMETHEUS_MULTIPROC_DIR."""

from prometheus_client import Counter, Gauge, Histogram

HOLDS_CREATED = Counter("ticketing_holds_created_total", "Holds created", ["mode"])
HOLDS_FAILED = Counter("ticketing_holds_failed_total", "Hold attempts refused", ["reason"])
HOLDS_RELEASED = Counter("ticketing_holds_released_total", "Holds released by their buyer")
HOLDS_EXPIRED = Counter("ticketing_holds_expired_total", "Holds released by the expiry sweep")
LOCK_OUTCOMES = Counter(
    "ticketing_seat_lock_outcomes_total",
    "Seat-lock attempts by outcome (acquired, busy, degraded = Redis unreachable)",
    ["outcome"],
)
LOCK_WAIT = Histogram(
    "ticketing_seat_lock_wait_seconds",
    "Time spent acquiring the Redis seat locks of one hold request",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
)
BOOKINGS_CONFIRMED = Counter("ticketing_bookings_confirmed_total", "Bookings confirmed")
BOOKINGS_CANCELLED = Counter("ticketing_bookings_cancelled_total", "Bookings cancelled by buyers")
PAYMENTS = Counter("ticketing_payments_total", "Payment attempts by outcome", ["outcome"])
REFUNDS = Counter("ticketing_refunds_total", "Refunds by reason and outcome", ["reason", "outcome"])
IDEMPOTENT_REPLAYS = Counter(
    "ticketing_idempotent_replays_total", "Unsafe API calls answered from a stored response"
)
PAYMENT_GATEWAY_LATENCY = Histogram(
    "ticketing_payment_gateway_seconds",
    "Payment gateway calls by operation and outcome (ok, refused, error, breaker_open)",
    ["operation", "outcome"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
PAYMENT_GATEWAY_ERRORS = Counter(
    "ticketing_payment_gateway_errors_total",
    "Payment gateway calls that timed out, could not connect or got a 5xx",
    ["operation"],
)
PAYMENT_BREAKER_OPEN = Gauge(
    "ticketing_payment_breaker_open",
    "1 while this process's payment gateway circuit breaker is open",
    multiprocess_mode="max",
)
MONEY_WITHOUT_TICKETS = Gauge(
    "ticketing_money_without_tickets",
    "Successful payments whose booking has no valid tickets and no completed refund "
    "(set by the payment reconciliation)",
    multiprocess_mode="max",
)
WEBHOOKS = Counter("ticketing_webhooks_total", "Gateway webhooks by outcome", ["outcome"])
ROOM_WAITING = Gauge(
    "ticketing_room_waiting",
    "Buyers waiting in an event's waiting room (as this process last read it)",
    ["event"],
    multiprocess_mode="max",
)
ROOM_ADMITTED = Gauge(
    "ticketing_room_admitted",
    "Buyers admitted from an event's waiting room so far",
    ["event"],
    multiprocess_mode="max",
)
ROOM_UNAVAILABLE = Counter(
    "ticketing_room_unavailable_total",
    "Waiting-room calls refused because Redis was unreachable (the room fails closed)",
)
CHECKIN_SCANS = Counter(
    "ticketing_checkin_scans_total",
    "Tickets scanned at the doors by result (admitted, already_checked_in, wrong_event, "
    "ticket_cancelled, unknown_code, ...)",
    ["result"],
)
RATE_LIMITED = Counter(
    "ticketing_rate_limited_total",
    "Requests refused with 429 by a rate limit, by action and by which key (account, address)",
    ["action", "by"],
)

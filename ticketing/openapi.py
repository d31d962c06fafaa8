"""What drf-spectacular cannot say from the serializers, added to the schema after it is built
(SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]):

- requests that take exactly one of two fields (a hold: chosen `seats` or a `quantity`; a
  booking: a `payment_method` or, in the sandbox, a test card `payment`), as `oneOf`, so that a
  client generator or a fuzzer knows that both, or neither, is a 400;
- query parameters of the event search that may be sent empty, as an HTML form does;
- that no text a client sends (a request body's string, a query parameter) may contain a NUL
  character: DRF refuses it (PostgreSQL cannot store it) with a 400, so the schema says so
  with a pattern on every free-text string;
- OpenAPI links from a new hold to reading, releasing, extending and paying for it, and from a
  new booking to reading and cancelling it, so that clients (and schemathesis's stateful phase)
  can follow the ids the API hands out."""

EXACTLY_ONE_OF = {
    "HoldCreateRequest": ("seats", "quantity"),
    "BookingCreateRequest": ("payment_method", "payment"),
}

HOLD_ID = "$response.body#/id"
BOOKING_REFERENCE = "$response.body#/reference"
LINKS = {
    ("holds_create", "201"): {
        "ReadHold": {"operationId": "holds_retrieve", "parameters": {"hold_id": HOLD_ID}},
        "ReleaseHold": {"operationId": "holds_release", "parameters": {"hold_id": HOLD_ID}},
        "ExtendHold": {"operationId": "holds_extend", "parameters": {"hold_id": HOLD_ID}},
        "PayForHold": {"operationId": "bookings_create", "requestBody": {"hold": HOLD_ID}},
    },
    ("bookings_create", "201"): {
        "ReadBooking": {
            "operationId": "bookings_retrieve",
            "parameters": {"reference": BOOKING_REFERENCE},
        },
        "CancelBooking": {
            "operationId": "bookings_cancel",
            "parameters": {"reference": BOOKING_REFERENCE},
        },
        "DownloadTickets": {
            "operationId": "bookings_tickets_pdf",
            "parameters": {"reference": BOOKING_REFERENCE},
        },
    },
}

NO_NUL = "^[^\\x00]*$"


# Query parameters an HTML form may send empty (treated as absent, as DRF reads forms).
EMPTY_ALLOWED = {"events_list": {"q", "city", "date_from", "date_to"}}


def _refuse_nul(schema) -> None:
    """Every free-text string in a schema (no format, pattern or choices) gets NO_NUL."""
    if isinstance(schema, list):
        for item in schema:
            _refuse_nul(item)
        return
    if not isinstance(schema, dict):
        return
    if schema.get("type") == "string" and not {"format", "pattern", "enum"} & schema.keys():
        schema["pattern"] = NO_NUL
    for key in ("properties", "items", "oneOf", "anyOf", "allOf", "additionalProperties"):
        value = schema.get(key)
        if key == "properties" and isinstance(value, dict):
            _refuse_nul(list(value.values()))
        elif value is not None:
            _refuse_nul(value)


def describe_choices_and_links(result, generator, request, public):
    schemas = result.get("components", {}).get("schemas", {})
    for name, fields in EXACTLY_ONE_OF.items():
        if name in schemas:
            schemas[name]["oneOf"] = [{"required": [field]} for field in fields]
    for name, schema in schemas.items():
        if name.endswith("Request"):
            _refuse_nul(schema)
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            empty_allowed = EMPTY_ALLOWED.get(operation.get("operationId"), set())
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and parameter.get("name") in empty_allowed:
                    parameter["allowEmptyValue"] = True
                if parameter.get("in") == "query":
                    _refuse_nul(parameter.get("schema"))
            for status, response in operation.get("responses", {}).items():
                links = LINKS.get((operation.get("operationId"), status))
                if links:
                    response["links"] = links
    return result

"""CSV exports of an event for staff: its bookings, and its attendees (one row per valid
ticket). Streamed as they are read (one query each, whatever the size), and safe to open in a
spreadsheet: a cell that would start a formula is prefixed with a quote (OWASP's advice on
CSV injection)."""

import csv
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.http import StreamingHttpResponse
from django.utils import timezone

from apps.bookings import selectors

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """csv.writer writes into this and gets the line back, for streaming."""

    def write(self, value):
        return value


def safe_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_lines(header: Iterable[str], rows: Iterable[tuple]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(list(header))
    for row in rows:
        yield writer.writerow([safe_cell(v) for v in row])


def _response(filename: str, header, rows) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"  # names and e-mails of buyers
    return response


def bookings_csv(event) -> StreamingHttpResponse:
    header = [name for name, _ in selectors.BOOKING_EXPORT_COLUMNS]
    rows = selectors.booking_rows_for_export(event.pk)
    return _response(f"{event.slug or event.pk}-bookings.csv", header, rows)


def attendees_csv(event) -> StreamingHttpResponse:
    header = [name for name, _ in selectors.ATTENDEE_EXPORT_COLUMNS]
    rows = selectors.attendee_rows_for_export(event.pk)
    return _response(f"{event.slug or event.pk}-attendees.csv", header, rows)

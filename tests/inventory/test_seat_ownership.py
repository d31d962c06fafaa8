"""One owner for seat inventory: no code outside apps/inventory/seats.py writes EventSeat rows
(docs/architecture.md). A write anywhere else is a place where "is this seat free?" or "free
these seats" could be spelled a second time, or a per-process cache left stale.

The check reads the source (ast): queryset and manager writes on EventSeat or on a related
`event_seats` manager, new EventSeat instances, and SQL that writes the seat table."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OWNER = ROOT / "apps" / "inventory" / "seats.py"
WRITES = {
    "update",
    "bulk_create",
    "bulk_update",
    "create",
    "get_or_create",
    "update_or_create",
    "delete",
    "save",
}
SEAT_TABLE = re.compile(
    r"(UPDATE|INSERT\s+INTO|DELETE\s+FROM)\s+(inventory_eventseat|\{SEATS\}|\{EventSeat\._meta)",
    re.IGNORECASE,
)


def _mentions_event_seats(node: ast.AST) -> bool:
    """Whether a call's receiver chain starts from EventSeat or an `event_seats` manager."""
    while True:
        if isinstance(node, ast.Name):
            return node.id == "EventSeat"
        if isinstance(node, ast.Attribute):
            if node.attr == "event_seats":
                return True
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            return False


def seat_writes(source: str) -> list[str]:
    """Where this source writes EventSeat rows: ["line: what"]."""
    found = []
    for node in ast.walk(ast.parse(source)):
        call = node.func if isinstance(node, ast.Call) else None
        if (
            isinstance(call, ast.Attribute)
            and call.attr in WRITES
            and _mentions_event_seats(call.value)
        ):
            found.append(f"{node.lineno}: .{call.attr}() on event seats")
        if isinstance(call, ast.Name) and call.id == "EventSeat":
            found.append(f"{node.lineno}: a new EventSeat")
        if isinstance(node, ast.Constant | ast.JoinedStr):
            text = node.value if isinstance(node, ast.Constant) else ast.unparse(node)
            if isinstance(text, str) and SEAT_TABLE.search(text):
                found.append(f"{node.lineno}: SQL writing the seat table")
    return found


def shop_sources():
    for folder in ("apps", "ticketing"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def test_only_the_seat_module_writes_event_seats():
    offenders = {
        str(path.relative_to(ROOT)): writes
        for path in shop_sources()
        if path != OWNER and (writes := seat_writes(path.read_text()))
    }
    assert offenders == {}


def test_the_seat_module_is_where_the_writes_are():
    # The scan finds the writes it guards against: the owner has every kind of them.
    writes = " ".join(seat_writes(OWNER.read_text()))
    for kind in (".update()", ".bulk_create()", "a new EventSeat", "SQL writing the seat table"):
        assert kind in writes


def test_the_scan_sees_writes_spelled_other_ways():
    source = """
EventSeat.objects.filter(pk=1).update(status="sold")
event.event_seats.all().delete()
seat = EventSeat(event=event)
seat.save()
cursor.execute("UPDATE inventory_eventseat SET status = 'sold'")
cursor.execute(f"DELETE FROM {EventSeat._meta.db_table}")
EventSeat.objects.filter(pk=1).values_list("id")
"""
    assert [w.split(": ")[0] for w in seat_writes(source)] == ["2", "3", "4", "6", "7"]

"""Small inline SVG charts for the admin pages: no JavaScript, nothing to download, readable
without colour (every bar and point carries a <title> with its numbers)."""

from django.utils import dateformat, formats, timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

ACQUIRED_COLOUR = "#3d8b5f"
FAILED_COLOUR = "#c0392b"
DEGRADED_COLOUR = "#8e8e8e"
LINE_COLOUR = "#2f6fb0"

_PAD_LEFT, _PAD_RIGHT, _PAD_TOP, _PAD_BOTTOM = 44, 8, 10, 24
_CHAR_WIDTH = 6.6  # of the 11 px sans-serif labels, generously


def _time_label(moment, span_minutes: int) -> str:
    local = timezone.localtime(moment)
    # Django's date format, not strftime: the month's name in the page's language.
    return dateformat.format(local, _("d M H:i") if span_minutes > 1440 else "H:i")


def _svg(width: int, height: int, label: str, body: list[str]) -> SafeString:
    return mark_safe(  # noqa: S308 - every interpolated text below goes through escape()
        f'<svg class="ticketing-chart" role="img" aria-label="{escape(label)}" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'xmlns="http://www.w3.org/2000/svg" font-size="11" font-family="sans-serif">'
        + "".join(body)
        + "</svg>"
    )


def _axes(width: int, height: int, top_value: str, labels: list[tuple[float, str]]) -> list[str]:
    bottom = height - _PAD_BOTTOM
    parts = [
        f'<line x1="{_PAD_LEFT}" y1="{_PAD_TOP}" x2="{_PAD_LEFT}" y2="{bottom}" stroke="#999"/>',
        f'<line x1="{_PAD_LEFT}" y1="{bottom}" x2="{width - _PAD_RIGHT}" y2="{bottom}" '
        f'stroke="#999"/>',
        f'<text x="{_PAD_LEFT - 4}" y="{_PAD_TOP + 8}" text-anchor="end">'
        f"{escape(top_value)}</text>",
        f'<text x="{_PAD_LEFT - 4}" y="{bottom}" text-anchor="end">0</text>',
    ]
    for x, text in labels:
        # Centred under its point, unless that would run past an edge of the chart (the last
        # label sits at the right end): then it ends, or starts, there instead.
        half = len(text) * _CHAR_WIDTH / 2
        anchor = "end" if x + half > width else "start" if x - half < 0 else "middle"
        parts.append(
            f'<text x="{x:.1f}" y="{height - 6}" text-anchor="{anchor}">{escape(text)}</text>'
        )
    return parts


def contention_chart(series: list[dict], *, width: int = 760, height: int = 200) -> SafeString:
    """Stacked bars per time bucket: lock attempts acquired, failed (busy), and holds made
    without Redis (degraded)."""
    if not series:
        return mark_safe("")
    span = len(series) * max(1, _bucket_minutes(series))
    top = max((p["attempts"] + p["degraded"] for p in series), default=0) or 1
    plot_w = width - _PAD_LEFT - _PAD_RIGHT
    plot_h = height - _PAD_TOP - _PAD_BOTTOM
    bottom = height - _PAD_BOTTOM
    slot = plot_w / len(series)
    bar = max(1.0, slot * 0.8)
    body = []
    for i, point in enumerate(series):
        x = _PAD_LEFT + i * slot + (slot - bar) / 2
        y = bottom
        tip = _(
            "%(time)s: %(attempts)s attempts, %(acquired)s acquired, %(failed)s failed, "
            "%(degraded)s degraded"
        ) % {"time": _time_label(point["start"], span), **point}
        for value, colour in (
            (point["acquired"], ACQUIRED_COLOUR),
            (point["failed"], FAILED_COLOUR),
            (point["degraded"], DEGRADED_COLOUR),
        ):
            if not value:
                continue
            h = plot_h * value / top
            y -= h
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{colour}"><title>{escape(tip)}</title></rect>'
            )
    labels = [
        (_PAD_LEFT + i * slot + slot / 2, _time_label(series[i]["start"], span))
        for i in sorted({0, len(series) // 2, len(series) - 1})
    ]
    return _svg(
        width,
        height,
        _("Seat-lock attempts over time"),
        _axes(width, height, str(top), labels) + body,
    )


def _bucket_minutes(series: list[dict]) -> int:
    if len(series) < 2:
        return 1
    return int((series[1]["start"] - series[0]["start"]).total_seconds() // 60) or 1


def sell_through_chart(points: list[dict], *, width: int = 760, height: int = 200) -> SafeString:
    """Cumulative share of the seats sold, 0-100 %, over time."""
    if not points:
        return mark_safe("")
    plot_w = width - _PAD_LEFT - _PAD_RIGHT
    plot_h = height - _PAD_TOP - _PAD_BOTTOM
    bottom = height - _PAD_BOTTOM
    span = int((points[-1]["at"] - points[0]["at"]).total_seconds() // 60) + 1
    step = plot_w / max(1, len(points) - 1)
    coords = [
        (
            _PAD_LEFT + i * step if len(points) > 1 else _PAD_LEFT + plot_w / 2,
            bottom - plot_h * min(100.0, p["percent"]) / 100,
        )
        for i, p in enumerate(points)
    ]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    body = [f'<polyline points="{line}" fill="none" stroke="{LINE_COLOUR}" stroke-width="2"/>']
    for (x, y), p in zip(coords, points, strict=True):
        tip = _("%(time)s: %(sold)s sold (%(percent)s%%)") % {
            "time": _time_label(p["at"], span),
            "sold": p["sold"],
            "percent": formats.localize(p["percent"]),
        }
        body.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{LINE_COLOUR}">'
            f"<title>{escape(tip)}</title></circle>"
        )
    labels = [
        (coords[i][0], _time_label(points[i]["at"], span))
        for i in sorted({0, len(points) // 2, len(points) - 1})
    ]
    return _svg(
        width,
        height,
        _("Share of seats sold over time"),
        _axes(width, height, "100%", labels) + body,
    )

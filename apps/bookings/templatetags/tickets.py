"""Ticket rendering for the pages: QR codes drawn server-side as inline SVG (segno), so a ticket
page works offline once loaded, prints crisply and needs no JavaScript."""

import segno
from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

register = template.Library()


@register.filter
def qr_svg(code: str, label: str = ""):
    """The ticket code as an inline SVG QR code that scales with CSS (class "qr")."""
    label = label or gettext("Ticket QR code")
    qr = segno.make(str(code), error="m", micro=False)
    svg = qr.svg_inline(
        scale=4,
        border=2,
        dark="#111827",
        light="#ffffff",
        omitsize=True,
        svgclass="qr",
        title=label,  # segno escapes it
    )
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)
    # segno writes the markup from the code's modules; the label is escaped on both paths.
    return mark_safe(svg)  # noqa: S308

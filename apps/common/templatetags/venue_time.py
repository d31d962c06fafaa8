"""Template filters for times on the venue's clock (apps.common.venue_time), built into every
template (settings TEMPLATES "builtins"), so no {% load %}:

{{ event.starts_at|venue_time:event.venue }}                  Fri 4 Dec 2026, 19:00 CET
{{ hold.expires_at|venue_local:event.venue|date:"H:i T" }}    19:42 CET
"""

from django import template

from apps.common.venue_time import format_local, local

register = template.Library()


@register.filter(expects_localtime=False)
def venue_time(moment, place):
    return format_local(moment, place) if place is not None else ""


@register.filter(expects_localtime=False)
def venue_local(moment, place):
    return local(moment, place) if place is not None else None

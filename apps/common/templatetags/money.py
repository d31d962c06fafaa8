"""{{ booking.total|money:booking.currency }}: "€80.00" in English, "80,00 €" in German (see
apps.common.money). Built into every template (settings TEMPLATES "builtins")."""

from django import template

from apps.common.money import format_money

register = template.Library()


@register.filter
def money(amount, currency):
    return format_money(amount, currency) if currency else ""

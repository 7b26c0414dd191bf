"""`{{ amount|money:currency }}`: an amount written in the practice's currency."""

from django import template

from ethos.practice.currencies import money as write

register = template.Library()


@register.filter
def money(amount, currency: str = "") -> str:
    return write(amount, currency) if currency else write(amount)

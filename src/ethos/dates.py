"""The template `date` filter, made cheap for the formats Ethos's pages use; the same text as Django's.

Django's `date` filter builds a formatter object and looks up the format for every value: about
50 microseconds, and a list page shows a date or two on each of its rows (a supervision log of 60
entries spent a quarter of its time there). Ethos runs in English only (USE_I18N is off), so the
formats its pages use ("j M Y", "j F Y, H:i", "l j F" ...) can be written directly from the
value's fields. This filter does that when every letter of the format is one it knows, for a
date or a datetime already in local time, and hands everything else to Django's own filter. It is
installed as a template builtin named `date`, so templates keep writing `{{ when|date:"j M Y" }}`;
tests compare it with Django's filter for every format in the templates.
"""

from __future__ import annotations

import datetime

from django import template
from django.template.defaultfilters import date as django_date

register = template.Library()

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Django's abbreviation of each month ("Sept" is not one of them) and of each day.
_MONTHS_SHORT = tuple(month[:3] for month in _MONTHS)
_DAYS_SHORT = tuple(day[:3] for day in _DAYS)

_DATE_PARTS = {
    "j": lambda d: str(d.day),
    "d": lambda d: f"{d.day:02d}",
    "D": lambda d: _DAYS_SHORT[d.weekday()],
    "l": lambda d: _DAYS[d.weekday()],
    "M": lambda d: _MONTHS_SHORT[d.month - 1],
    "F": lambda d: _MONTHS[d.month - 1],
    "m": lambda d: f"{d.month:02d}",
    "n": lambda d: str(d.month),
    "Y": lambda d: f"{d.year:04d}",
    # ISO 8601, as Django writes it: the value's own isoformat (a time's offset and microseconds too).
    "c": lambda d: d.isoformat(),
}
_TIME_PARTS = {
    "H": lambda d: f"{d.hour:02d}",
    "i": lambda d: f"{d.minute:02d}",
}
_PLAN: dict[str, tuple | None] = {}


def _plan(fmt: str) -> tuple | None:
    """The parts of a format (functions and literal text), or None when Django must format it."""
    if fmt in _PLAN:
        return _PLAN[fmt]
    parts: list = []
    plan: tuple | None
    for char in fmt:
        if char in _DATE_PARTS:
            parts.append((_DATE_PARTS[char], False))
        elif char in _TIME_PARTS:
            parts.append((_TIME_PARTS[char], True))
        elif char.isalpha() or char == "\\":
            plan = None
            break
        else:
            parts.append((char, False))
    else:
        plan = tuple(parts)
    if len(_PLAN) < 256:
        _PLAN[fmt] = plan
    return plan


@register.filter(expects_localtime=True, is_safe=False)
def date(value, arg=None):
    """Format a date or a local datetime like Django's `date` filter, quickly for plain formats."""
    if isinstance(arg, str) and isinstance(value, datetime.date):
        plan = _plan(arg)
        is_datetime = isinstance(value, datetime.datetime)
        if plan is not None and (is_datetime or not any(timely for _, timely in plan)):
            return "".join(part if isinstance(part, str) else part(value) for part, _ in plan)
    return django_date(value, arg)

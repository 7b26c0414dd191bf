"""The cheap `date` filter writes exactly what Django's writes, for every format in the templates."""

from __future__ import annotations

import datetime
import re
import zoneinfo
from pathlib import Path

import pytest
from django.template import Context, Template
from django.template.defaultfilters import date as django_date
from django.test import override_settings
from django.utils import timezone
from django.utils.timezone import template_localtime

import ethos
from ethos import dates

SRC = Path(ethos.__file__).resolve().parent
# A format in either quotes: the open items write `|date:'c'` inside a double-quoted attribute.
FORMAT = re.compile(r"""\|date:(["'])(.*?)\1""")


def template_formats() -> list[str]:
    found = {fmt for path in SRC.rglob("*.html") for _, fmt in FORMAT.findall(path.read_text())}
    return sorted(found)


def values() -> list:
    london = zoneinfo.ZoneInfo("Europe/London")
    auckland = zoneinfo.ZoneInfo("Pacific/Auckland")
    days = [datetime.date(2026, month, day) for month in range(1, 13) for day in (1, 9, 28)]
    days += [datetime.date(1999, 12, 31), datetime.date(2028, 2, 29), datetime.date(5, 1, 2)]
    moments = [
        datetime.datetime(2026, 3, 29, 0, 30, tzinfo=datetime.UTC),  # London's clocks go forward
        datetime.datetime(2026, 10, 25, 1, 5, 59, tzinfo=datetime.UTC),
        datetime.datetime(2026, 12, 31, 23, 59, tzinfo=datetime.UTC),  # a new year in Auckland
        datetime.datetime(2026, 7, 4, 9, 7, tzinfo=london),
        datetime.datetime(2026, 1, 1, 0, 0, tzinfo=auckland),
        datetime.datetime(2026, 6, 15, 14, 45),  # naive
    ]
    return days + moments


def test_the_templates_use_formats_the_cheap_filter_writes_itself():
    libraries = Template("").engine.template_builtins
    assert [library.filters["date"] for library in libraries if "date" in library.filters][-1] is dates.date
    formats = template_formats()
    assert "j M Y" in formats and "j F Y, H:i" in formats and "c" in formats
    assert all(dates._plan(fmt) is not None for fmt in formats), [
        f for f in formats if dates._plan(f) is None
    ]


@pytest.mark.parametrize("zone", ["UTC", "Europe/London", "Pacific/Auckland", "America/Los_Angeles"])
def test_every_template_format_renders_as_djangos_date_filter_does(zone):
    formats = [
        *template_formats(),
        "d/m/Y",
        "n",
        "D",
        "DATE_FORMAT",
        "SHORT_DATE_FORMAT",
        "jS F",
        r"\a\t H:i",
        "P",
    ]
    with override_settings(TIME_ZONE=zone), timezone.override(zoneinfo.ZoneInfo(zone)):
        for fmt in formats:
            template = Template('{{ value|date:"' + fmt + '" }}')
            for value in values():
                try:
                    expected = django_date(template_localtime(value), fmt)
                except TypeError:  # Django refuses a time of day from a date, and so does the filter
                    with pytest.raises(TypeError):
                        template.render(Context({"value": value}))
                    continue
                assert template.render(Context({"value": value})) == expected, (fmt, value)


def test_what_is_not_a_date_is_left_to_django():
    template = Template('[{{ value|date:"j M Y" }}]')
    for value in (None, "", "not a date", 7):
        assert template.render(Context({"value": value})) == f"[{django_date(value, 'j M Y')}]"
    with pytest.raises(TypeError):  # as Django: a date has no time of day
        dates.date(datetime.date(2026, 5, 4), "H:i")
    assert Template("{{ value|date }}").render(Context({"value": datetime.date(2026, 5, 4)})) == django_date(
        datetime.date(2026, 5, 4)
    )

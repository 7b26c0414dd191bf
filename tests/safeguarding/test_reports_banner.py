"""The banner of the reports owed, written in Python, is what safeguarding/_banner.html wrote."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.template import Context, engines
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from ethos.safeguarding.selectors import Due
from ethos.safeguarding.templatetags.reports_banner import reports_banner
from tests.safeguarding.conftest import open_task

# base.html's line and the banner it included, as they were before the banner was written in Python.
OLD_BANNER = """{# On every page of the coach's Ethos while a mandatory report is owed (C3); red once one is past its deadline. #}
<div class="banner {% if reports_due.overdue %}banner--danger{% else %}banner--warning{% endif %} reports-due" role="status">
  <p><strong>{% if reports_due.count == 1 %}A mandatory report is owed{% else %}{{ reports_due.count }} mandatory reports are owed{% endif %}{% if reports_due.overdue %}, {% if reports_due.overdue == reports_due.count %}past the deadline{% else %}{{ reports_due.overdue }} past the deadline{% endif %}{% endif %}.</strong>
  {% if reports_due.overdue %}The deadline passed {{ reports_due.soonest|timesince }} ago: report it now.{% else %}The next is due in <span data-deadline="{{ reports_due.soonest|date:'c' }}">{{ reports_due.soonest|timeuntil }}</span>.{% endif %}</p>
  <p><a href="{% if reports_due.count == 1 %}{% url 'safeguarding:task' reports_due.first_pk %}{% else %}{% url 'safeguarding:home' %}{% endif %}">{% if reports_due.count == 1 %}Open the report{% else %}See the reports owed{% endif %}</a></p>
</div>
"""  # noqa: E501
OLD_LINE = (
    "{% load static %}{% if reports_due %}{% include 'old_banner' %}"
    "<script src=\"{% static 'ethos/countdown.js' %}\" defer></script>{% endif %}"
)
NOW = datetime.datetime(2026, 3, 4, 5, 6, 7, tzinfo=datetime.UTC)


def _old(context: dict) -> str:
    engine = engines["django"].engine
    banner = engine.from_string(OLD_BANNER)
    line = engine.from_string(OLD_LINE.replace("{% include 'old_banner' %}", "{% include banner %}"))
    return line.render(Context({**context, "banner": banner}))


def _new(context: dict) -> str:
    return engines["django"].from_string("{% load reports_banner %}{% reports_banner %}").render(context)


@pytest.mark.parametrize("zone", ["UTC", "Pacific/Auckland"])
@pytest.mark.parametrize("count, overdue", [(1, 0), (1, 1), (2, 0), (2, 1), (2, 2), (12, 3)])
@pytest.mark.parametrize(
    "soonest",
    [
        datetime.timedelta(hours=47, minutes=59),
        datetime.timedelta(minutes=1),
        datetime.timedelta(days=-3, hours=-2),
        datetime.timedelta(seconds=-5),
    ],
)
def test_c3_it_writes_the_banner_as_its_template_did(zone, count, overdue, soonest):
    due = Due(count=count, first_pk=uuid.uuid4(), soonest=timezone.now() + soonest, overdue=overdue)
    with timezone.override(zone):
        context = {"reports_due": due, "request": RequestFactory().get("/")}
        assert _new(context) == _old(context)


@pytest.mark.parametrize("reports_due", [None, "missing"])
def test_c3_no_banner_when_nothing_is_owed(reports_due):
    context = {} if reports_due == "missing" else {"reports_due": reports_due}
    assert _new(context) == _old(context) == ""
    assert reports_banner(context) == ""


@pytest.mark.django_db
def test_c3_every_page_of_a_coach_who_owes_a_report_shows_it(coach, vault, coach_client):
    from tests.coaching.conftest import active_client

    client = active_client(coach, name="Robin Ash")
    task = open_task(coach, client)
    page = coach_client.get(reverse("clients:detail", args=[client.pk])).content.decode()
    assert "A mandatory report is owed" in page
    assert reverse("safeguarding:task", args=[task.pk]) in page
    assert "ethos/countdown.js" in page

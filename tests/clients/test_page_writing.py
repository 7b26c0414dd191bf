"""The client page writes its days and reads its times in Python, as the template filters and the ORM did."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.template import Context, Template
from django.utils import timezone

from ethos.clients import goals
from ethos.clients.pages import day, iso, moment

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
VALUES = [
    datetime.datetime(2026, 12, 31, 23, 30, tzinfo=UTC),  # already the next day in Auckland
    datetime.datetime(2026, 3, 1, 0, 15, 7, 123456, tzinfo=UTC),  # still February in New York
    datetime.datetime(2026, 9, 9, 9, 9),  # naive: shown as it is
    datetime.date(2026, 5, 3),
    datetime.date(999, 1, 1),
    None,
    "",
]


def _filtered(value, form: str) -> str:
    return Template("{{ value|date:form }}").render(Context({"value": value, "form": form}))


@pytest.mark.parametrize("zone", ["UTC", "Pacific/Auckland", "America/New_York"])
@pytest.mark.parametrize("value", VALUES)
def test_a_day_is_written_as_the_date_filter_writes_it(zone, value):
    with timezone.override(zone):
        assert day(value) == _filtered(value, "j M Y")
        if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
            assert iso(value) == _filtered(value, "c")


def test_a_prepared_rows_time_reads_as_the_orms(coach, vault):
    from tests.clients.conftest import intake

    robin = intake(coach, name="Robin Ash").client
    goal = goals.goal_create(coach=coach, client=robin, words="Sleep through the night")
    with connection.cursor() as cursor:
        cursor.execute("SELECT created_at FROM clients_goal WHERE id = %s", [goal.pk.hex])
        [(raw,)] = cursor.fetchall()
    goal.refresh_from_db()
    assert moment(raw) == goal.created_at and moment(raw).tzinfo is not None
    assert moment(None) is None

"""The coach's day on the dashboard: today's sessions and open follow-ups, one click each, bounded reads."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ethos.coaching import notes, services
from ethos.coaching.models import Session
from ethos.standards.engine import ActionStopped
from ethos.standards.selectors import compliance_report

from .conftest import REFLECTED, active_client, schedule, start, tomorrow_at

pytestmark = pytest.mark.django_db


def today(*sessions: Session) -> None:
    """Bring sessions booked for tomorrow to the same hours today (the service refuses a past time)."""
    Session.objects.filter(pk__in=[s.pk for s in sessions]).update(
        starts_at=F("starts_at") - datetime.timedelta(days=1),
        ends_at=F("ends_at") - datetime.timedelta(days=1),
    )


def booked(coach, client, count: int) -> list[Session]:
    first = tomorrow_at(7)
    return [
        schedule(coach, client, starts_at=first + datetime.timedelta(minutes=20 * n), minutes=15)
        for n in range(count)
    ]


def dashboard(browser) -> str:
    response = browser.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def test_the_dashboard_lists_todays_sessions_with_the_client_and_a_link(coach, coach_client, vault):
    robin = active_client(coach, name="Robin Ash")
    sessions = booked(coach, robin, 2)
    today(*sessions)
    page = dashboard(coach_client)
    assert '<h2 id="day-heading">Today</h2>' in page
    assert "07:00 with Robin Ash" in page and "07:20 with Robin Ash" in page
    for session in sessions:
        assert reverse("coaching:detail", args=[session.pk]) in page


def test_the_dashboard_leaves_out_cancelled_and_other_days_sessions(coach, coach_client, vault):
    from ethos.coaching import services

    robin = active_client(coach, name="Robin Ash")
    kept, cancelled, tomorrows = booked(coach, robin, 3)
    services.session_cancel(coach=coach, session=cancelled, cancelled_by="coach", reason="Ill")
    today(kept, cancelled)
    page = dashboard(coach_client)
    assert reverse("coaching:detail", args=[kept.pk]) in page
    assert reverse("coaching:detail", args=[cancelled.pk]) not in page
    assert reverse("coaching:detail", args=[tomorrows.pk]) not in page


def test_the_dashboard_says_so_when_the_day_is_free(coach_client):
    assert "No sessions today." in dashboard(coach_client)


def test_s3_an_open_follow_up_is_on_the_dashboard_one_click_from_the_client(coach, coach_client, vault):
    robin = active_client(coach, name="Robin Ash")
    session = schedule(coach, robin)
    with pytest.raises(ActionStopped):
        start(coach, session, presentation="influence")
    page = dashboard(coach_client)
    assert "Follow-ups to talk through" in page
    assert reverse("clients:detail", args=[robin.pk]) in page
    assert "Substance use before a session (S3)" in page


def test_another_coachs_day_is_not_on_the_dashboard(coach, vault, other_client):
    robin = active_client(coach, name="Robin Ash")
    today(*booked(coach, robin, 1))
    page = dashboard(other_client)
    assert "Robin Ash" not in page and "No sessions today." in page


def test_the_dashboard_costs_the_same_queries_at_one_and_at_thirty_sessions(coach, coach_client, vault):
    robin = active_client(coach, name="Robin Ash")
    sam = active_client(coach, name="Sam Birch")
    first = booked(coach, robin, 1)
    today(*first)
    dashboard(coach_client)  # the first page after sign-in also settles the session
    with CaptureQueriesContext(connection) as one:
        dashboard(coach_client)
    rest = [
        schedule(
            coach,
            (robin, sam)[n % 2],
            starts_at=tomorrow_at(7) + datetime.timedelta(minutes=20 * n),
            minutes=15,
        )
        for n in range(1, 30)
    ]
    today(*rest)
    with CaptureQueriesContext(connection) as thirty:
        page = dashboard(coach_client)
    assert page.count("with Sam Birch") == 15 and page.count("with Robin Ash") == 15
    assert len(one) == len(thirty)


def test_the_day_is_the_practice_time_zones_day(coach, vault, settings):
    from ethos.coaching.contributions import coach_day

    robin = active_client(coach, name="Robin Ash")
    [session] = booked(coach, robin, 1)
    assert coach_day(coach, day=timezone.localdate(session.starts_at)).sessions == [session]
    assert coach_day(coach).sessions == []


def held_days_ago(coach, client, days: float) -> Session:
    """A session that started and closed, moved `days` back in time (the services refuse the past)."""
    session = start(coach, schedule(coach, client))
    services.session_close(coach=coach, session=session, leaving="settled", reflection=REFLECTED)
    back = datetime.timedelta(days=days)
    Session.objects.filter(pk=session.pk).update(
        starts_at=F("starts_at") - back, ends_at=F("ends_at") - back, closed_at=F("closed_at") - back
    )
    session.refresh_from_db()
    return session


def test_c2_a_note_unsigned_48_hours_after_its_session_is_a_warning_on_the_dashboard(
    coach, coach_client, vault
):
    robin = active_client(coach, name="Robin Ash")
    old = held_days_ago(coach, robin, 3)
    recent = held_days_ago(coach, robin, 1)
    page = dashboard(coach_client)
    assert "Notes not signed 48 hours after the session" in page
    assert reverse("coaching:note_edit", args=[old.pk]) in page
    assert reverse("coaching:note_edit", args=[recent.pk]) not in page
    report = str(compliance_report(coach=coach, now=timezone.now()))
    assert "1 held session with a note still unsigned 48 hours after it" in report

    saved = notes.note_save(coach=coach, session=old, sections={"focus": "Her own words."}, version=0)
    assert reverse("coaching:note_edit", args=[old.pk]) in dashboard(coach_client)  # a draft is not signed
    notes.note_sign(coach=coach, note=saved.note, version=1)
    assert "Notes not signed 48 hours" not in dashboard(coach_client)
    report = str(compliance_report(coach=coach, now=timezone.now()))
    assert "0 held sessions with a note still unsigned" in report
    assert "1 note signed later than that" in report


def test_the_unsigned_notes_warning_costs_the_same_queries_at_one_and_at_twelve(coach, coach_client, vault):
    robin = active_client(coach, name="Robin Ash")
    held_days_ago(coach, robin, 3)
    dashboard(coach_client)
    with CaptureQueriesContext(connection) as one:
        dashboard(coach_client)
    for n in range(11):
        held_days_ago(coach, robin, 4 + n)
    with CaptureQueriesContext(connection) as twelve:
        page = dashboard(coach_client)
    assert page.count("Robin Ash,") == 10 and "More are waiting" in page
    assert len(one) == len(twelve)

"""The sessions' part of the client page: the same counts and timeline, read as prepared plain rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ethos.clients.pages import TIMELINE_SHOWN, TimelineEntry
from ethos.coaching import contributions, services
from ethos.coaching.models import Session
from ethos.standards.engine import ActionStopped
from tests.money.conftest import held

from .conftest import schedule, start, tomorrow_at

pytestmark = pytest.mark.django_db


def _entries_from_models(client) -> list[TimelineEntry]:
    """The session timeline as it was written from whole sessions before issue 18."""
    entries = []
    events = (
        Session.objects.filter(client=client)
        .filter(
            Q(status__in=("closed", "cancelled")) | Q(no_fee_reason__in=("coach_unfit", "under_influence"))
        )
        .order_by("-starts_at")[:TIMELINE_SHOWN]
    )
    for session in events:
        if session.status == Session.Status.CLOSED:
            entries.append(TimelineEntry(session.closed_at, "session", "Session held"))
        elif session.status == Session.Status.CANCELLED:
            by = "you" if session.cancelled_by == Session.CancelledBy.COACH else "the client"
            fee = ", without charge" if session.no_fee else ""
            entries.append(TimelineEntry(session.cancelled_at, "session", f"Session cancelled by {by}{fee}"))
        else:
            reason = session.get_no_fee_reason_display()
            entries.append(TimelineEntry(session.starts_at, "session", f"Session could not start: {reason}"))
    return entries


@pytest.fixture
def sessions(coach, robin):
    held(coach, robin)  # yesterday
    unfit = schedule(coach, robin)
    with pytest.raises(ActionStopped):
        start(coach, unfit, fit=False)
    for hour, by in ((9, "coach"), (11, "client")):
        later = schedule(coach, robin, starts_at=tomorrow_at(hour))
        services.session_cancel(coach=coach, session=later, cancelled_by=by, reason="Something came up")
    schedule(coach, robin, starts_at=tomorrow_at(15))
    return robin


def test_the_timeline_tells_what_the_sessions_told(sessions):
    entries = contributions.session_entries(sessions)
    assert entries == _entries_from_models(sessions)
    texts = [entry.text for entry in entries]
    assert "Session held" in texts and "Session cancelled by the client" in texts
    assert any(text.startswith("Session cancelled by you") for text in texts)
    assert "Session could not start: The coach was not fit to practise (P14)" in texts


def test_the_sessions_section_counts_with_one_prepared_query(coach, coach_client, sessions):
    page = coach_client.get(reverse("clients:detail", args=[sessions.pk])).content.decode()
    section = contributions.sessions_section(sessions)
    assert (section["held"], section["cancelled"]) == (1, 2)
    assert [s.starts_at for s in section["upcoming"]] == sorted(s.starts_at for s in section["upcoming"])
    assert "Session could not start" in page
    with CaptureQueriesContext(connection) as captured:
        contributions.sessions_section(sessions)
    assert len([q for q in captured if 'FROM "coaching_session"' in q["sql"]]) == 2  # counts, upcoming

"""P2: a late start or a session cut short by the coach costs the client nothing, and the report says so."""

from __future__ import annotations

import datetime

import pytest

from ethos.audit.actions import Action
from ethos.audit.models import AuditEvent
from ethos.coaching import services
from ethos.coaching.models import Session

from .conftest import REFLECTED, schedule, start
from .test_checks import evidence

pytestmark = pytest.mark.django_db


def close(coach, session) -> Session:
    services.session_close(coach=coach, session=session, leaving="settled", reflection=REFLECTED)
    session.refresh_from_db()
    return session


def test_p2_a_start_more_than_the_allowed_minutes_late_is_free(coach, robin, settings):
    settings.ETHOS_LATE_START_MINUTES = 3
    session = schedule(coach, robin)  # booked five minutes ago
    start(coach, session)
    session.refresh_from_db()
    assert session.no_fee and session.no_fee_reason == Session.NoFee.COACH_LATE
    started = AuditEvent.objects.get(coach=coach, action=Action.SESSION_STARTED)
    assert "P2" in started.clauses


def test_p2_a_start_within_the_allowed_minutes_keeps_the_fee(coach, robin, settings):
    settings.ETHOS_LATE_START_MINUTES = 10
    settings.ETHOS_CUT_SHORT_MINUTES = 120
    session = schedule(coach, robin)
    start(coach, session)
    session = close(coach, session)
    assert not session.no_fee and session.no_fee_reason == ""


def test_p2_a_session_the_coach_closes_early_is_free(coach, robin, settings):
    settings.ETHOS_CUT_SHORT_MINUTES = 10
    session = schedule(coach, robin, minutes=60)  # ends in 55 minutes
    start(coach, session)
    session = close(coach, session)
    assert session.status == Session.Status.CLOSED
    assert session.no_fee and session.no_fee_reason == Session.NoFee.CUT_SHORT
    closed = AuditEvent.objects.get(coach=coach, action=Action.SESSION_CLOSED)
    assert "P2" in closed.clauses


def test_p2_a_late_start_keeps_its_reason_when_the_session_is_also_cut_short(coach, robin, settings):
    settings.ETHOS_LATE_START_MINUTES = 3
    session = schedule(coach, robin)
    start(coach, session)
    session = close(coach, session)
    assert session.no_fee_reason == Session.NoFee.COACH_LATE


def test_p2_late_starts_and_cut_short_sessions_are_counted_in_the_report(coach, robin, settings):
    settings.ETHOS_LATE_START_MINUTES = 3
    late = schedule(coach, robin, minutes=30)
    start(coach, late)
    close(coach, late)
    # That session was earlier in the day: its hour is free for the next one.
    earlier = datetime.timedelta(hours=2)
    Session.objects.filter(pk=late.pk).update(
        starts_at=late.starts_at - earlier, ends_at=late.ends_at - earlier
    )
    settings.ETHOS_LATE_START_MINUTES = 60
    short = schedule(coach, robin, minutes=60)
    start(coach, short)
    close(coach, short)
    assert "1 session started late by you and 1 cut short by you, all without a fee." in evidence(coach, "P2")

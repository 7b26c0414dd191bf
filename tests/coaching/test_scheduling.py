"""Scheduling: active clients only, no time gone by, no double booking; moving and cancelling (P2)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from ethos.clients import endings
from ethos.clients.models import Ending
from ethos.coaching import services
from ethos.coaching.models import Session
from ethos.standards.selectors import compliance_report
from tests.clients.conftest import vetted_resource
from tests.coaching.conftest import active_client, schedule, tomorrow_at

pytestmark = pytest.mark.django_db


def test_it_schedules_a_session_with_an_active_client(coach, robin):
    session = schedule(coach, robin, starts_at=tomorrow_at(10), minutes=50, place="Room 2")
    session.refresh_from_db()
    assert (session.status, session.duration_minutes, session.place) == ("scheduled", 50, "Room 2")
    assert session.ends_at - session.starts_at == datetime.timedelta(minutes=50)


def test_it_refuses_a_client_whose_coaching_is_paused(coach, robin, vault):
    harbour = vetted_resource(coach)
    endings.client_release(
        coach=coach,
        client=robin,
        kind=Ending.Kind.PAUSE,
        initiated_by=Ending.InitiatedBy.CLIENT,
        client_reason="A break for the summer",
        referral_resources=[harbour],
        referral_declined=True,
    )
    with pytest.raises(ValidationError) as refused:
        schedule(coach, robin, starts_at=tomorrow_at(10))
    assert refused.value.messages == [services.CLIENT_NOT_ACTIVE]


def test_it_refuses_a_time_already_gone_by(coach, robin):
    with pytest.raises(ValidationError) as refused:
        schedule(coach, robin, starts_at=timezone.now() - datetime.timedelta(hours=2))
    assert refused.value.message_dict == {"starts_at": [services.IN_THE_PAST]}


def test_it_refuses_a_session_that_overlaps_another_of_the_coachs(coach, robin):
    schedule(coach, robin, starts_at=tomorrow_at(10))
    other = active_client(coach, name="Dana Vale")
    with pytest.raises(ValidationError) as refused:
        schedule(coach, other, starts_at=tomorrow_at(10, 30))
    assert "You already have a session from 10:00 to 11:00" in refused.value.message_dict["starts_at"][0]
    schedule(coach, other, starts_at=tomorrow_at(11))  # back to back is fine


def test_another_coachs_diary_does_not_clash(coach, robin, other_coach):
    from ethos.vault.context import unlocked
    from tests.conftest import open_vault

    schedule(coach, robin, starts_at=tomorrow_at(10))
    with unlocked(open_vault(other_coach)):
        schedule(other_coach, active_client(other_coach), starts_at=tomorrow_at(10))


def test_p2_a_session_the_coach_cancels_costs_nothing_and_the_report_shows_it(coach, robin):
    mine = schedule(coach, robin, starts_at=tomorrow_at(9))
    theirs = schedule(coach, robin, starts_at=tomorrow_at(11))
    services.session_cancel(coach=coach, session=mine, cancelled_by="coach", reason="I am unwell")
    services.session_cancel(coach=coach, session=theirs, cancelled_by="client", reason="Work came up")
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.no_fee, mine.no_fee_reason, mine.cancel_reason) == (True, "coach_cancelled", "I am unwell")
    assert (theirs.no_fee, theirs.status) == (False, "cancelled")
    p2 = {row.clause.id: row for row in compliance_report(coach=coach).rows}["P2"]
    [line] = [line for line in p2.evidence if "cancelled by you" in line.text]
    assert line.text == "1 session cancelled by you, 1 of them without a fee." and not line.attention


def test_p2_the_compliance_page_shows_coach_cancellations(coach, robin, coach_client):
    services.session_cancel(
        coach=coach,
        session=schedule(coach, robin, starts_at=tomorrow_at(9)),
        cancelled_by="coach",
        reason="Ill",
    )
    page = coach_client.get(reverse("standards:compliance")).content.decode()
    assert "1 session cancelled by you, 1 of them without a fee." in page


def test_moving_a_session_cancels_the_old_one_and_points_back_to_it(coach, robin):
    old = schedule(coach, robin, starts_at=tomorrow_at(10))
    moved = services.session_reschedule(
        coach=coach,
        session=old,
        starts_at=tomorrow_at(10, 30),  # overlaps only the session it replaces
        duration_minutes=60,
        modality=Session.Modality.PHONE,
        place="",
        cancelled_by="coach",
        reason="A clash I had missed",
    )
    old.refresh_from_db()
    assert moved.rescheduled_from == old and moved.status == "scheduled"
    assert (old.status, old.no_fee, old.cancelled_by) == ("cancelled", True, "coach")


def test_a_cancelled_session_cannot_be_cancelled_again(coach, session):
    services.session_cancel(coach=coach, session=session, cancelled_by="client", reason="Ill")
    with pytest.raises(ValidationError):
        services.session_cancel(coach=coach, session=session, cancelled_by="coach", reason="again")


def test_a_cancellation_needs_a_reason(coach, session):
    with pytest.raises(ValidationError) as refused:
        services.session_cancel(coach=coach, session=session, cancelled_by="coach", reason="  ")
    assert refused.value.message_dict == {"reason": [services.CANCEL_REASON_NEEDED]}


def test_ending_coaching_cancels_future_sessions_without_charge(coach, robin):
    past = schedule(coach, robin)
    future = [schedule(coach, robin, starts_at=tomorrow_at(hour)) for hour in (9, 11)]
    endings.client_release(
        coach=coach,
        client=robin,
        kind=Ending.Kind.END,
        initiated_by=Ending.InitiatedBy.CLIENT,
        client_reason="I feel ready",
        referral_resources=[vetted_resource(coach)],
        referral_declined=True,
    )
    for session in future:
        session.refresh_from_db()
        assert (session.status, session.cancelled_by, session.no_fee_reason) == (
            "cancelled",
            "client",
            "coaching_ended",
        )
        assert session.no_fee
    past.refresh_from_db()
    assert past.status == "scheduled"  # what already began is the coach's to close


def test_the_schedule_page_puts_a_clash_on_the_day_field(coach, robin, coach_client):
    schedule(coach, robin, starts_at=tomorrow_at(10))
    day = tomorrow_at(10).date().isoformat()
    response = coach_client.post(
        reverse("coaching:schedule"),
        {"client": robin.pk, "day": day, "time": "10:15", "duration_minutes": 60, "modality": "video"},
    )
    assert response.status_code == 200
    assert "You already have a session from 10:00 to 11:00" in response.content.decode()


def test_the_schedule_page_offers_only_active_clients(coach, robin, coach_client):
    page = coach_client.get(reverse("coaching:schedule")).content.decode()
    assert robin.display_name in page
    response = coach_client.post(
        reverse("coaching:schedule"),
        {
            "client": robin.pk,
            "day": tomorrow_at(8).date().isoformat(),
            "time": "08:00",
            "duration_minutes": 45,
            "modality": "in_person",
            "place": "The garden room",
        },
    )
    session = Session.objects.get(client=robin)
    assert response.status_code == 302 and response["Location"] == reverse(
        "coaching:detail", args=[session.pk]
    )

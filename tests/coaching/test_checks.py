"""The checks at a session's start (P14, S3) and close (P6, S4)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from ethos.coaching import services
from ethos.coaching.models import FollowUp, Session, StartCheck
from ethos.standards.engine import ActionStopped, Subject
from ethos.standards.rules import P6_UNSAFE, P14_UNFIT, S3_INFLUENCE
from ethos.standards.selectors import compliance_report, open_items_for
from tests.coaching.conftest import REFLECTED, schedule, start, tomorrow_at

pytestmark = pytest.mark.django_db


def evidence(coach, clause) -> list[str]:
    row = {row.clause.id: row for row in compliance_report(coach=coach).rows}[clause]
    return [line.text for line in row.evidence]


def test_it_starts_a_session_when_the_coach_is_fit_and_the_client_steady(coach, session):
    start(coach, session)
    session.refresh_from_db()
    assert session.status == "started" and session.started_at is not None
    assert list(session.start_checks.values_list("coach_fit", "presentation", "started")) == [
        (True, "steady", True)
    ]


def test_p14_an_unfit_coach_cannot_start_and_the_session_moves_without_charge(coach, session):
    with pytest.raises(ActionStopped) as stopped:
        start(coach, session, fit=False)
    assert [f.message for f in stopped.value.verdict.blocks] == [P14_UNFIT]
    session.refresh_from_db()
    assert (session.status, session.started_at, session.no_fee, session.no_fee_reason) == (
        "scheduled",
        None,
        True,
        "coach_unfit",
    )
    assert StartCheck.objects.get(session=session).started is False
    moved = services.session_reschedule(
        coach=coach,
        session=session,
        starts_at=tomorrow_at(10),
        duration_minutes=60,
        modality="video",
        place="",
        cancelled_by="coach",
        reason="Not fit to practise today",
    )
    session.refresh_from_db()
    assert session.no_fee_reason == "coach_unfit" and moved.status == "scheduled"
    assert (
        "1 fitness-to-practise attestation before a session; 1 session moved because you were not fit, "
        "1 of them without a fee."
    ) in evidence(coach, "P14")


def test_p14_the_start_page_shows_the_verdict_and_the_way_to_move_it(coach, session, coach_client):
    response = coach_client.post(
        reverse("coaching:start", args=[session.pk]), {"coach_fit": "no", "presentation": "steady"}
    )
    page = response.content.decode()
    assert response.status_code == 200 and P14_UNFIT in page
    assert reverse("coaching:reschedule", args=[session.pk]) in page


def test_s3_a_client_under_the_influence_stops_the_start_and_the_follow_up_waits_on_the_next_session(
    coach, robin, session, coach_client
):
    with pytest.raises(ActionStopped) as stopped:
        start(coach, session, presentation=StartCheck.Presentation.UNDER_INFLUENCE)
    assert S3_INFLUENCE in [f.message for f in stopped.value.verdict.blocks]
    session.refresh_from_db()
    assert (session.status, session.no_fee_reason) == ("scheduled", "under_influence")
    follow_up = FollowUp.objects.get(client=robin)
    assert follow_up.is_open
    [item] = open_items_for(coach, subject=Subject.of(session))
    assert item.clause == "S3"

    services.session_cancel(coach=coach, session=session, cancelled_by="coach", reason="Moved kindly")
    later = schedule(coach, robin, starts_at=tomorrow_at(10))
    page = coach_client.get(reverse("coaching:detail", args=[later.pk])).content.decode()
    assert "On this session's agenda" in page and services.S3_FOLLOW_UP_TEXT in page
    client_page = coach_client.get(reverse("clients:detail", args=[robin.pk])).content.decode()
    assert "On the next session&#x27;s agenda" in client_page or "On the next session's agenda" in client_page

    # Starting the next session does not close it: only recording the conversation does.
    now_session = schedule(coach, robin)
    start(coach, now_session)
    follow_up.refresh_from_db()
    assert follow_up.is_open and open_items_for(coach, subject=Subject.of(session))
    response = coach_client.post(
        reverse("coaching:follow_up", args=[now_session.pk, follow_up.pk]),
        {"how": "We talked about it gently."},
    )
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert not follow_up.is_open and follow_up.resolved_in == now_session
    assert open_items_for(coach, subject=Subject.of(session)) == []


def test_s3_a_follow_up_is_not_resolved_in_a_session_that_has_not_started(coach, robin, session):
    with pytest.raises(ActionStopped):
        start(coach, session, presentation=StartCheck.Presentation.UNDER_INFLUENCE)
    later = schedule(coach, robin, starts_at=tomorrow_at(10))
    with pytest.raises(ValidationError):
        services.follow_up_resolve(
            coach=coach, follow_up=FollowUp.objects.get(client=robin), session=later, how="Talked it through"
        )


def test_p6_an_unsafe_client_blocks_close_and_the_recorded_safety_plan_closes_it(
    coach, session, coach_client
):
    start(coach, session)
    with pytest.raises(ActionStopped) as stopped:
        services.session_close(coach=coach, session=session, leaving="unsafe", reflection=REFLECTED)
    assert [f.message for f in stopped.value.verdict.blocks] == [P6_UNSAFE]
    session.refresh_from_db()
    assert session.status == "started"
    [item] = open_items_for(coach, subject=Subject.of(session))
    assert item.clause == "P6"

    page = coach_client.get(reverse("coaching:detail", args=[session.pk])).content.decode()
    assert services.GROUNDING_STEPS["orient"] in page
    assert reverse("clients:crisis", args=[session.client_id]) in page

    services.safety_plan_record(
        coach=coach,
        session=session,
        steps=["slow_breath", "who_to_call"],
        what_was_done="Breathed together; her sister is collecting her.",
        risk_to_life=False,
        outcome="safe",
    )
    session.refresh_from_db()
    assert session.status == "closed" and session.closed_at is not None
    assert open_items_for(coach, subject=Subject.of(session)) == []
    assert any("1 kept open until the client was safe" in line for line in evidence(coach, "P6"))


def test_p6_the_close_page_keeps_an_unsafe_session_open(coach, session, coach_client):
    start(coach, session)
    response = coach_client.post(
        reverse("coaching:close", args=[session.pk]),
        {
            "leaving": "unsafe",
            "safety_offered": "yes",
            "choice_offered": "yes",
            "collaboration_offered": "no",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200 and P6_UNSAFE in page
    assert reverse("coaching:safety", args=[session.pk]) in page
    session.refresh_from_db()
    assert session.status == "started"


def test_p6_a_safety_plan_cannot_close_a_session_that_was_never_held_open(coach, session):
    start(coach, session)
    with pytest.raises(ValidationError):
        services.safety_plan_record(
            coach=coach, session=session, steps=[], what_was_done="x", risk_to_life=False, outcome="safe"
        )


def test_s4_the_close_records_the_trauma_informed_reflection_for_the_report(coach, session):
    start(coach, session)
    reflection = services.Reflection(safety_offered=True, choice_offered=False, collaboration_offered=True)
    services.session_close(coach=coach, session=session, leaving="settled", reflection=reflection)
    session.refresh_from_db()
    assert session.status == Session.Status.CLOSED
    assert "1 session reflected on at close: safety in 1, choice in 0, collaboration in 1." in evidence(
        coach, "S4"
    )
    assert "1 session held with start and end times recorded." in evidence(coach, "P2")


def test_a_session_cannot_close_before_it_starts(coach, session):
    with pytest.raises(ValidationError) as refused:
        services.session_close(coach=coach, session=session, leaving="settled", reflection=REFLECTED)
    assert refused.value.messages == [services.NOT_STARTED_YET]

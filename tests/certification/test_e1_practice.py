"""E1 at the practice: a coach whose certification is not in good standing takes no one new and
starts no session; a coach with no linked certification is not affected."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ethos.audit.actions import Action
from ethos.audit.models import AuditEvent
from ethos.clients.models import Client
from ethos.coaching.models import Session, StartCheck
from ethos.standards.engine import ActionStopped, evaluate
from ethos.standards.facts import Facts, Standing
from ethos.standards.points import Point
from tests.certification.conftest import register, set_status
from tests.clients.conftest import intake
from tests.clients.test_intake import form_data
from tests.coaching.conftest import schedule, start

STOPPING = ["suspended", "revoked", "lapsed"]


@pytest.mark.parametrize("standing", STOPPING)
def test_e1_the_rule_blocks_intake_and_session_start_for_a_coach_not_in_good_standing(standing):
    for point in (Point.INTAKE_SUBMIT, Point.SESSION_START):
        verdict = evaluate(point, Facts(certification=Standing(standing)))
        assert verdict.blocked and verdict.clauses == ("E1",)


@pytest.mark.parametrize("standing", [None, Standing.ACTIVE])
def test_e1_an_active_or_unlinked_certification_stops_nothing(standing):
    for point in (Point.INTAKE_SUBMIT, Point.SESSION_START):
        assert "E1" not in evaluate(point, Facts(certification=standing)).clauses


@pytest.mark.parametrize("standing", STOPPING)
def test_e1_a_coach_not_in_good_standing_cannot_submit_an_intake_and_only_the_finding_is_written(
    staff_member, coach, vault, standing
):
    certification = register(staff_member, coach=coach)
    set_status(staff_member, certification, standing)
    before = AuditEvent.objects.filter(coach=coach).count()
    with pytest.raises(ActionStopped) as stopped:
        intake(coach)
    # A revoked coach with no clients also has a closed practice (P11), which blocks as well.
    assert "E1" in stopped.value.verdict.clauses
    assert not Client.objects.filter(coach=coach).exists()
    [event] = AuditEvent.objects.filter(coach=coach).order_by("seq")[before:]
    assert event.action == Action.STANDARDS_FINDING and "E1" in event.clause_list


def test_e1_a_coach_with_no_linked_certification_is_not_blocked(staff_member, coach, vault):
    register(staff_member, coach=None)  # someone else's entry, not linked to this coach
    assert intake(coach).client.status == Client.Status.ACTIVE


def test_e1_a_suspended_coach_is_blocked_until_reinstated(staff_member, coach, vault):
    certification = register(staff_member, coach=coach)
    set_status(staff_member, certification, "suspended")
    with pytest.raises(ActionStopped):
        intake(coach)
    set_status(staff_member, certification, "active")
    assert intake(coach).client.status == Client.Status.ACTIVE


def test_e1_a_revoked_coach_cannot_start_a_session_and_the_session_is_left_as_it_was(
    staff_member, coach, vault
):
    client = intake(coach).client
    session = schedule(coach, client)
    certification = register(staff_member, coach=coach)
    set_status(staff_member, certification, "revoked")
    before = AuditEvent.objects.filter(coach=coach).count()
    with pytest.raises(ActionStopped) as stopped:
        start(coach, session)
    assert [f.clause for f in stopped.value.verdict.blocks] == ["E1"]
    session.refresh_from_db()
    assert (session.status, session.no_fee, session.started_at) == (Session.Status.SCHEDULED, False, None)
    assert not StartCheck.objects.filter(session=session).exists()
    [event] = AuditEvent.objects.filter(coach=coach).order_by("seq")[before:]
    assert event.action == Action.STANDARDS_FINDING and event.clause_list == ["E1"]


def test_e1_the_intake_page_shows_the_stop_panel_naming_e1(staff_member, coach, coach_client):
    certification = register(staff_member, coach=coach)
    set_status(staff_member, certification, "revoked")
    response = coach_client.post(reverse("clients:intake"), form_data())
    page = response.content.decode()
    assert response.status_code in (200, 400)
    assert "E1" in page and "revoked your certification" in page
    assert not Client.objects.filter(coach=coach).exists()


def test_e1_the_session_start_page_shows_the_stop_panel_naming_e1(staff_member, coach, coach_client, vault):
    client = intake(coach).client
    session = schedule(coach, client)
    certification = register(staff_member, coach=coach)
    set_status(staff_member, certification, "suspended")
    response = coach_client.post(
        reverse("coaching:start", args=[session.pk]), {"coach_fit": "yes", "presentation": "steady"}
    )
    page = response.content.decode()
    assert "E1" in page and "suspended your certification" in page
    session.refresh_from_db()
    assert session.status == Session.Status.SCHEDULED

"""Ethics cases with due process (E1): stages, panels and votes, appeals, and what is published."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from ethos.audit.actions import Action
from ethos.audit.models import AuditEvent
from ethos.audit.selectors import verify_log
from ethos.certification.cases import services
from ethos.certification.cases.models import EthicsCase, Outcome, PanelSeat
from ethos.certification.log import association_account
from ethos.certification.models import Certification
from ethos.certification.public import public_records

from .conftest import TODAY, decide, make_staff, to_hearing

pytestmark = pytest.mark.django_db


def test_e1_end_to_end_complaint_to_revocation_revokes_the_certification(staff, panel, coach, certification):
    complaint = services.complaint_submit(
        name="Jamie Complainant",
        email="jamie@example.net",
        coach_named=certification.number,
        account="My coach started a romantic relationship with me during coaching.",
        events_on=datetime.date(2026, 1, 5),
        clauses=["P8"],
        today=TODAY,
    )
    case = services.case_open(
        staff=staff,
        complaint=complaint,
        certification=certification,
        clauses=["P8"],
        summary="It is alleged that you had a romantic relationship with a client.",
        today=TODAY,
    )
    to_hearing(case, staff, coach)
    decide(case, staff, panel, ["revocation", "revocation", "suspension"])
    case.refresh_from_db()
    assert case.stage == EthicsCase.Stage.DECISION and case.outcome == Outcome.REVOCATION
    certification.refresh_from_db()
    assert certification.status == Certification.Status.ACTIVE  # not final while an appeal is possible
    assert public_records(certification) == []
    services.case_finalise(staff=staff, case=case, today=TODAY + datetime.timedelta(days=31))
    certification.refresh_from_db()
    assert certification.status == Certification.Status.REVOKED
    [record] = public_records(certification)
    assert record.title == "Certification revoked" and record.clauses == ("P8",)
    account = association_account()
    actions = list(AuditEvent.objects.for_coach(account).values_list("action", flat=True))
    assert actions.count(Action.CASE_STAGE_CHANGED) == 5  # review, investigation, hearing, decision, closed
    assert Action.CERTIFICATION_STATUS_CHANGED in actions
    assert verify_log(account).ok


def test_e1_a_panel_of_fewer_than_three_is_refused(staff, case, coach, panel):
    to_hearing(case, staff, coach)
    with pytest.raises(ValidationError, match="at least three"):
        services.panel_appoint(staff=staff, case=case, members=panel[:2])
    assert not PanelSeat.objects.exists()


def test_e1_a_conflicted_member_cannot_sit_on_the_panel(staff, case, coach, panel):
    to_hearing(case, staff, coach)
    services.conflict_declare(staff=panel[0], case=case, party="coach")
    with pytest.raises(ValidationError, match="linked to a party"):
        services.panel_appoint(staff=staff, case=case, members=panel)
    assert not PanelSeat.objects.exists()


def test_e1_the_complainant_cannot_sit_on_the_panel(staff, coach, certification, panel):
    insider = make_staff("Insider")
    complaint = services.complaint_submit(
        name="Insider", email=insider.email.upper(), coach_named="Alex", account="x", events_on=TODAY
    )
    case = services.case_open(
        staff=staff,
        complaint=complaint,
        certification=certification,
        clauses=["P7"],
        summary="y",
        today=TODAY,
    )
    to_hearing(case, staff, coach)
    with pytest.raises(ValidationError, match="Insider is linked to a party"):
        services.panel_appoint(staff=staff, case=case, members=[*panel, insider])


def test_e1_revocation_needs_two_thirds_of_the_panel(staff, case, coach, panel):
    to_hearing(case, staff, coach)
    decide(case, staff, panel, ["revocation", "suspension", "reprimand"])
    case.refresh_from_db()
    assert case.outcome == Outcome.SUSPENSION  # one revocation vote of three is not two thirds


@pytest.mark.parametrize(
    ("votes", "outcome"),
    [
        (["revocation", "revocation", "dismissed"], "revocation"),
        (["revocation", "revocation", "revocation", "dismissed"], "revocation"),
        (["revocation", "revocation", "dismissed", "dismissed"], "dismissed"),
        (["revocation", "revocation", "reprimand", "dismissed"], "reprimand"),
        (["dismissed", "dismissed", "reprimand"], "dismissed"),
        (["education", "reprimand", "dismissed"], "education"),
    ],
)
def test_e1_the_tally_takes_the_most_severe_outcome_enough_members_support(votes, outcome):
    assert services.tally(votes, len(votes)) == outcome


def test_e1_a_member_votes_once_and_only_on_their_panel(staff, case, coach, panel):
    to_hearing(case, staff, coach)
    services.panel_appoint(staff=staff, case=case, members=panel)
    services.vote_record(staff=panel[0], case=case, outcome="reprimand")
    with pytest.raises(ValidationError, match="already recorded"):
        services.vote_record(staff=panel[0], case=case, outcome="revocation")
    with pytest.raises(ValidationError, match="not on it"):
        services.vote_record(staff=staff, case=case, outcome="revocation")
    with pytest.raises(ValidationError, match="2 of the 3"):
        services.case_decide(staff=staff, case=case, today=TODAY)


def test_e1_an_appeal_on_day_30_is_taken_and_day_31_refused(staff, case, coach, panel):
    to_hearing(case, staff, coach)
    decide(case, staff, panel, ["suspension"] * 3)
    with pytest.raises(ValidationError, match="appeal window closed"):
        services.appeal_lodge(
            staff=staff, case=case, by="coach", grounds="Unfair", today=TODAY + datetime.timedelta(days=31)
        )
    case.refresh_from_db()
    assert case.stage == EthicsCase.Stage.DECISION
    services.appeal_lodge(
        staff=staff, case=case, by="coach", grounds="Unfair", today=TODAY + datetime.timedelta(days=30)
    )
    case.refresh_from_db()
    assert case.stage == EthicsCase.Stage.APPEAL


def test_e1_an_appeal_is_decided_by_a_different_panel(staff, case, coach, panel, certification):
    to_hearing(case, staff, coach)
    decide(case, staff, panel, ["suspension"] * 3)
    services.appeal_lodge(
        staff=staff, case=case, by="coach", grounds="The panel misread the facts", today=TODAY
    )
    appeal_panel = [make_staff() for _ in range(3)]
    with pytest.raises(ValidationError, match="sat on the hearing panel"):
        services.panel_appoint(staff=staff, case=case, members=[panel[0], *appeal_panel[1:]])
    services.panel_appoint(staff=staff, case=case, members=appeal_panel)
    for member in appeal_panel:
        services.vote_record(staff=member, case=case, outcome="reprimand")
    services.appeal_decide(staff=staff, case=case, today=TODAY + datetime.timedelta(days=40))
    case.refresh_from_db()
    assert case.final_outcome == Outcome.REPRIMAND and case.stage == EthicsCase.Stage.CLOSED
    certification.refresh_from_db()
    assert certification.status == Certification.Status.ACTIVE
    assert public_records(certification) == []  # a reprimand is not published under the default policy


def test_e1_a_decision_is_not_final_while_the_appeal_window_is_open(staff, case, coach, panel):
    to_hearing(case, staff, coach)
    decide(case, staff, panel, ["revocation"] * 3)
    with pytest.raises(ValidationError, match="appeal window is open"):
        services.case_finalise(staff=staff, case=case, today=TODAY + datetime.timedelta(days=30))


def test_e1_confidential_nothing_is_published_of_an_open_case_or_an_interim_suspension(
    staff, case, coach, panel, certification
):
    assert public_records(certification) == []
    services.interim_suspend(staff=staff, case=case, reason="Risk to current clients")
    certification.refresh_from_db()
    assert certification.status == Certification.Status.SUSPENDED
    to_hearing(case, staff, coach)
    decide(case, staff, panel, ["revocation"] * 3)
    assert public_records(certification) == []


@pytest.mark.parametrize(
    ("policy", "outcome", "published"),
    [
        ("revocation_and_suspension", "suspension", ["Certification suspended"]),
        ("revocation_and_suspension", "reprimand", []),
        ("all_sanctions", "reprimand", ["Reprimand"]),
        ("all_sanctions", "dismissed", []),
        ("none", "revocation", []),
    ],
)
def test_e1_a_final_sanction_is_published_as_the_policy_says(
    settings, staff, case, coach, panel, certification, policy, outcome, published
):
    settings.ETHOS_PUBLISH_SANCTIONS = policy
    to_hearing(case, staff, coach)
    decide(case, staff, panel, [outcome] * 3)
    services.case_finalise(staff=staff, case=case, today=TODAY + datetime.timedelta(days=31))
    assert [record.title for record in public_records(certification)] == published


def test_an_interim_suspension_is_lifted_when_the_case_ends_without_a_suspension(
    staff, case, coach, certification
):
    services.interim_suspend(staff=staff, case=case, reason="Risk")
    services.case_respond(coach=coach, case=case, text="No.")
    services.case_advance(staff=staff, case=case, to="preliminary_review", today=TODAY)
    services.case_advance(staff=staff, case=case, to="closed", today=TODAY)
    certification.refresh_from_db()
    case.refresh_from_db()
    assert certification.status == Certification.Status.ACTIVE
    assert case.final_outcome == Outcome.DISMISSED


@pytest.mark.parametrize(
    ("to", "message"),
    [
        ("hearing", "cannot move to hearing. From intake it can go to: preliminary review"),
        ("closed", "cannot move to closed"),
    ],
)
def test_an_illegal_move_is_refused_with_a_clear_message_and_changes_nothing(staff, case, coach, to, message):
    services.case_respond(coach=coach, case=case, text="No.")
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError, match=message):
        services.case_advance(staff=staff, case=case, to=to, today=TODAY)
    case.refresh_from_db()
    assert case.stage == EthicsCase.Stage.INTAKE and AuditEvent.objects.count() == events


def test_a_decision_cannot_be_skipped_by_a_plain_move(staff, case, coach):
    to_hearing(case, staff, coach)
    with pytest.raises(ValidationError, match="through the panel's decision"):
        services.case_advance(staff=staff, case=case, to="decision", today=TODAY)


def test_the_case_waits_for_the_coachs_response_or_its_deadline(staff, case):
    with pytest.raises(ValidationError, match="has not responded yet"):
        services.case_advance(staff=staff, case=case, to="preliminary_review", today=TODAY)
    late = case.response_due + datetime.timedelta(days=1)
    services.case_advance(staff=staff, case=case, to="preliminary_review", today=late)
    case.refresh_from_db()
    assert case.stage == EthicsCase.Stage.PRELIMINARY_REVIEW
    assert case.stage_deadline == late + datetime.timedelta(days=30)


def test_e1_education_or_conditions_once_final_are_written_on_the_registry_entry(staff, case, coach, panel):
    to_hearing(case, staff, coach)
    decide(case, staff, panel, ["education"] * 3)
    services.case_finalise(staff=staff, case=case, today=TODAY + datetime.timedelta(days=31))
    certification = Certification.objects.get(pk=case.certification_id)
    assert f"Set by ethics case {case.number}" in certification.conditions
    assert certification.status == Certification.Status.ACTIVE
    actions = AuditEvent.objects.for_coach(association_account()).values_list("action", flat=True)
    assert Action.CERTIFICATION_CONDITIONS_CHANGED in actions

"""enforce(): a block stops the action with no state change, a require opens an item that only
the named record resolves, and both are in the audit chain."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from ethos.audit.models import AuditEvent
from ethos.standards import rules
from ethos.standards.engine import ActionStopped, Subject
from ethos.standards.facts import AtRisk, Facts, LanguageFlag
from ethos.standards.models import OpenItem, Tally
from ethos.standards.points import Point
from ethos.standards.selectors import open_items_for
from ethos.standards.services import (
    ITEM_ALREADY_RESOLVED,
    ITEM_NOT_YOURS,
    ITEM_WRONG_RECORD,
    OpenItemInvalid,
    action,
    enforce,
    open_item_resolve,
    open_items_resolve_for,
)
from tests.standards.conftest import enforce_and_keep

pytestmark = pytest.mark.django_db


def events(coach, action="standards.finding"):
    return list(AuditEvent.objects.filter(coach=coach, action=action).order_by("seq"))


def test_s9_block_stops_the_action_with_no_state_change_and_is_audited(coach, test_action):
    with pytest.raises(ActionStopped) as stopped:
        test_action(coach=coach, point=Point.INTAKE_SUBMIT, facts=Facts(client_age=16), new_name="Changed")
    coach.refresh_from_db()
    assert coach.name == "Alex Rivera"
    assert stopped.value.verdict.blocks[0].message == rules.S9_MINOR
    [event] = events(coach)
    assert event.clause_list == ["S9"]
    assert event.details["allowed"] is False
    assert event.details["findings"][0]["strength"] == "block"


def test_it_lets_a_clean_action_through_without_an_audit_event(coach, test_action):
    verdict = test_action(
        coach=coach, point=Point.INTAKE_SUBMIT, facts=Facts(client_age=40), new_name="Changed"
    )
    coach.refresh_from_db()
    assert verdict.clean and coach.name == "Changed"
    assert events(coach) == []


def test_p5_require_stops_the_action_and_opens_an_item_only_the_named_record_resolves(coach, test_action):
    subject = Subject(type="goal", id="goal-1")
    with pytest.raises(ActionStopped):
        test_action(
            coach=coach,
            point=Point.GOAL_ACTIVATE,
            facts=Facts(goal_client_confirmed=False),
            new_name="X",
            subject=subject,
        )
    coach.refresh_from_db()
    assert coach.name == "Alex Rivera"
    [item] = open_items_for(coach)
    assert (item.clause, item.subject_type, item.subject_id) == ("P5", "goal", "goal-1")
    assert item.record_type_list == ["goal_confirmation"]
    assert events(coach)[0].details["opened_items"] == [str(item.pk)]

    with pytest.raises(OpenItemInvalid) as refused:
        open_item_resolve(coach=coach, item=item, record_type="referral", record_id="r-1")
    assert str(refused.value) == ITEM_WRONG_RECORD.format(expected="goal_confirmation", given="referral")
    assert open_items_for(coach) == [item]

    resolved = open_item_resolve(coach=coach, item=item, record_type="goal_confirmation", record_id="c-9")
    assert resolved.resolved_record_id == "c-9"
    assert open_items_for(coach) == []
    [event] = events(coach, "standards.open_item_resolved")
    assert event.clause_list == ["P5"] and event.target_id == str(item.pk)


def test_c3_follow_up_require_lets_the_action_proceed_and_keeps_the_item_open(coach, test_action):
    verdict = test_action(
        coach=coach,
        point=Point.NOTE_SAVE,
        facts=Facts(abuse_disclosed=frozenset({AtRisk.MINOR}), mandatory_report_made=False),
        new_name="Saved",
    )
    coach.refresh_from_db()
    assert verdict.allowed and coach.name == "Saved"
    [item] = open_items_for(coach)
    assert item.clause == "C3" and item.follow_up
    assert events(coach)[0].details["allowed"] is True


def test_it_opens_one_item_per_requirement_however_often_it_is_asked(coach):
    subject = Subject(type="note", id="n-1")
    facts = Facts(language_findings=(LanguageFlag("C3"),))
    for _ in range(3):
        enforce_and_keep(coach=coach, point=Point.NOTE_SAVE, facts=facts, subject=subject)
    assert len(open_items_for(coach)) == 1
    assert len(events(coach)) == 3


def test_it_refuses_another_coachs_item_and_a_second_resolution(coach, other_coach):
    enforce_and_keep(
        coach=coach,
        point=Point.GOAL_ACTIVATE,
        facts=Facts(goal_client_confirmed=False),
        subject=Subject("goal", "g"),
    )
    [item] = open_items_for(coach)
    with pytest.raises(OpenItemInvalid, match=ITEM_NOT_YOURS):
        open_item_resolve(coach=other_coach, item=item, record_type="goal_confirmation", record_id="x")
    open_item_resolve(coach=coach, item=item, record_type="goal_confirmation", record_id="x")
    with pytest.raises(OpenItemInvalid, match=ITEM_ALREADY_RESOLVED):
        open_item_resolve(coach=coach, item=item, record_type="goal_confirmation", record_id="x")


def test_it_resolves_every_item_on_a_subject_that_a_record_answers(coach):
    subject = Subject(type="client", id="c-1")
    facts = Facts(release_explained=False, release_coaching_referrals=0)
    enforce_and_keep(coach=coach, point=Point.CLIENT_RELEASE, facts=facts, subject=subject)
    assert len(open_items_for(coach)) == 2
    resolved = open_items_resolve_for(
        coach=coach, subject=subject, record_type="coaching_referral", record_id="r"
    )
    assert [item.clause for item in resolved] == ["P11"]
    assert [item.record_type_list for item in open_items_for(coach)] == [["release_explanation"]]


def test_it_keeps_a_second_coachs_items_apart(coach, other_coach):
    enforce_and_keep(
        coach=coach,
        point=Point.GOAL_ACTIVATE,
        facts=Facts(goal_client_confirmed=False),
        subject=Subject("goal", "g"),
    )
    assert open_items_for(other_coach) == []


def test_it_tallies_every_check_of_every_clause_at_the_point(coach):
    subject = Subject(type="intake", id="i")
    enforce_and_keep(coach=coach, point=Point.INTAKE_SUBMIT, facts=Facts(client_age=30), subject=subject)
    enforce_and_keep(coach=coach, point=Point.INTAKE_SUBMIT, facts=Facts(client_age=12), subject=subject)
    s9 = Tally.objects.get(coach=coach, clause="S9", point="intake.submit")
    assert (s9.checked, s9.blocked) == (2, 1)
    assert Tally.objects.get(coach=coach, clause="S2", point="intake.submit").checked == 2


def test_it_stores_no_client_identity_in_open_items_or_audit_details(coach):
    enforce_and_keep(
        coach=coach,
        point=Point.SESSION_CLOSE,
        facts=Facts(client_safe_to_leave=False, suicide_risk=True),
        subject=Subject(type="session", id="s-1"),
    )
    item = OpenItem.objects.filter(coach=coach).first()
    stored = " ".join([item.message, item.resolution, str(events(coach)[0].details)])
    assert "s-1" not in stored.replace(item.subject_id, "")
    assert set(events(coach)[0].details) == {"point", "allowed", "findings", "opened_items"}


def test_it_refuses_a_stopping_enforce_outside_an_action(coach):
    with pytest.raises(ImproperlyConfigured):
        enforce(coach=coach, point=Point.INTAKE_SUBMIT, facts=Facts(client_age=12), subject=Subject("i", "1"))


def test_s9_a_stop_in_a_nested_action_rolls_back_every_write_and_keeps_one_finding(coach):
    with pytest.raises(ActionStopped) as stopped, action():
        coach.name = "Outer write"
        coach.save(update_fields=["name"])
        with action():
            enforce(
                coach=coach,
                point=Point.INTAKE_SUBMIT,
                facts=Facts(client_age=12),
                subject=Subject("i", "1"),
            )
    coach.refresh_from_db()
    assert coach.name == "Alex Rivera"
    assert stopped.value.recorded
    assert [event.clause_list for event in events(coach)] == [["S9"]]


def test_it_keeps_the_writes_of_an_action_that_was_not_stopped(coach):
    with action():
        verdict = enforce(
            coach=coach, point=Point.INTAKE_SUBMIT, facts=Facts(client_age=40), subject=Subject("i", "1")
        )
        coach.name = "Kept"
        coach.save(update_fields=["name"])
    coach.refresh_from_db()
    assert verdict.clean and coach.name == "Kept"


def test_it_refuses_to_resolve_with_a_record_type_the_catalog_does_not_know(coach):
    with pytest.raises(ValueError, match="not a record type"):
        open_items_resolve_for(
            coach=coach, subject=Subject("goal", "g"), record_type="goal_confirmaton", record_id="1"
        )


def test_record_types_are_named_once_in_the_enum_that_matches_the_catalog():
    import re
    from pathlib import Path

    from ethos.standards.catalog import catalog
    from ethos.standards.record_types import RecordType, check_record_types

    check_record_types()
    assert {t.value for t in RecordType} == set(catalog().record_types)
    src = Path(__file__).resolve().parents[2] / "src" / "ethos"
    literal = re.compile(
        r"""(?<![a-z_])record_type=["']|records=\(["']|records\[["']"""
        r"""|["'][a-z_]+["'] in [a-z_.]*record_type_list"""
    )
    offenders = [
        f"{path.relative_to(src)}:{number}"
        for path in src.rglob("*.py")
        if "migrations" not in path.parts
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if literal.search(line)
    ]
    assert offenders == []


def test_p11_a_stopped_intake_leaves_no_open_item_on_the_client_it_never_made(coach):
    from ethos.clients.models import Client

    unsaved = Client(coach=coach)
    with pytest.raises(ActionStopped), action():
        enforce(
            coach=coach,
            point=Point.INTAKE_SUBMIT,
            facts=Facts(practice_closed=True, concern_areas=frozenset({"grief"})),
            subject=Subject.of(unsaved),
        )
    assert not OpenItem.objects.filter(coach=coach).exists()
    assert [event.clause_list for event in events(coach)] == [["S5", "P11"]]

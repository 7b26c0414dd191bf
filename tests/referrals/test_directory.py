"""The directory's write paths, its selectors and the P10 guard."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.utils import timezone

from ethos.audit.models import AuditEvent
from ethos.referrals import selectors, services
from ethos.referrals.evidence import directory_evidence
from ethos.referrals.models import Resource, VettingRecord, latest_review
from ethos.referrals.selectors import (
    crisis_resources,
    get_resource_for_coach,
    resources_for,
    usable_resources,
    vetting_state,
)
from ethos.standards.catalog import Strength
from ethos.standards.engine import ActionStopped, Subject, Verdict
from ethos.standards.facts import Vetting
from ethos.standards.models import Tally
from ethos.standards.rules import P10_LAPSED, P10_OUT_OF_USE, P10_UNVETTED
from ethos.standards.services import action
from ethos.vault.context import VaultLocked
from ethos.vault.models import DataKey

from .conftest import make_resource, vet

pytestmark = pytest.mark.django_db
CANARY = "Canary-Otter-7319"
SUBJECT = Subject(type="referral", id="r-1")


def events(coach, action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(coach=coach, action=action).order_by("seq"))


def test_it_keeps_one_directory_key_per_coach(coach, vault):
    first = make_resource(coach=coach)
    second = make_resource(coach=coach, name="Second")
    record = vet(coach=coach, resource=first)
    assert first.data_key_id == second.data_key_id == record.data_key_id
    assert DataKey.objects.filter(coach=coach, purpose="directory").count() == 1


def test_it_needs_the_unlocked_vault_to_add_a_resource(coach):
    with pytest.raises(VaultLocked):
        make_resource(coach=coach)
    assert not Resource.objects.exists()


def test_c2_the_notes_and_what_was_learnt_are_not_plaintext_in_the_database(coach, vault):
    resource = make_resource(coach=coach, name="Plain-Name-2210", notes=f"Sent {CANARY} there")
    vet(coach=coach, resource=resource, learnt=f"{CANARY} said the wait is long")
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, notes FROM referrals_resource")
        [(name, notes)] = cursor.fetchall()
        cursor.execute("SELECT learnt FROM referrals_vettingrecord")
        [(learnt,)] = cursor.fetchall()
    assert name == "Plain-Name-2210"
    for blob in (bytes(notes), bytes(learnt)):
        assert CANARY.encode() not in blob
        assert CANARY.encode("utf-16-le") not in blob
    assert Resource.objects.get().notes == f"Sent {CANARY} there"


def test_it_audits_additions_and_changes_without_the_notes(coach, vault):
    resource = make_resource(coach=coach, notes=CANARY)
    services.resource_update(
        coach=coach,
        resource=resource,
        name=resource.name,
        kind=Resource.Kind.COACHING,
        phone="",
        email="",
        website="",
        address="",
        jurisdiction="",
        notes=f"{CANARY} again",
    )
    vet(coach=coach, resource=resource, learnt=CANARY)
    [added] = events(coach, "referrals.resource_added")
    [updated] = events(coach, "referrals.resource_updated")
    [vetted] = events(coach, "referrals.vetted")
    assert updated.details["changed"] == ["kind", "notes"]
    assert vetted.details["method"] == "spoke"
    assert {added.clauses, updated.clauses, vetted.clauses} == {"P10"}
    for event in (added, updated, vetted):
        assert event.target_id == str(resource.pk)
        assert CANARY not in str(event.details)


@pytest.mark.parametrize(
    "changes",
    [{"kind": "wizard"}, {"email": "not an email"}, {"website": "javascript:alert(1)"}, {"name": ""}],
)
def test_it_refuses_bad_resource_details_and_writes_nothing(coach, vault, changes):
    with pytest.raises(ValidationError):
        make_resource(coach=coach, **changes)
    assert not Resource.objects.exists()
    assert events(coach, "referrals.resource_added") == []


def test_p10_a_new_resource_is_never_vetted(coach, vault):
    resource = make_resource(coach=coach)
    assert vetting_state(resource) is Vetting.MISSING


def test_p10_a_vetting_is_current_for_twelve_months_by_default(coach, vault):
    resource = make_resource(coach=coach)
    record = vet(coach=coach, resource=resource, days_ago=10)
    assert record.review_by == latest_review(record.vetted_on)
    assert record.vetted_by == coach.name
    today = timezone.localdate()
    assert vetting_state(resource) is Vetting.CURRENT
    assert vetting_state(resource, on=record.review_by) is Vetting.CURRENT
    assert vetting_state(resource, on=record.review_by + datetime.timedelta(days=1)) is Vetting.LAPSED
    assert vetting_state(resource, on=today) is Vetting.CURRENT


def test_p10_a_vetting_past_its_review_date_has_lapsed_until_renewed(coach, vault):
    resource = make_resource(coach=coach)
    vet(coach=coach, resource=resource, days_ago=400)
    assert vetting_state(resource) is Vetting.LAPSED
    vet(coach=coach, resource=resource)
    assert vetting_state(resource) is Vetting.CURRENT


def test_p10_it_refuses_a_vetting_in_the_future_or_reviewed_before_it_happened(coach, vault):
    resource = make_resource(coach=coach)
    with pytest.raises(ValidationError):
        vet(coach=coach, resource=resource, days_ago=-1)
    with pytest.raises(ValidationError):
        vet(coach=coach, resource=resource, review_by=timezone.localdate() - datetime.timedelta(days=1))
    with pytest.raises(ValidationError):
        vet(coach=coach, resource=resource, method="guessed")
    with pytest.raises(ValidationError):
        vet(coach=coach, resource=resource, method="other")  # a vetting says how the coach checked
    assert not VettingRecord.objects.exists()


def check(*, coach, resource) -> Verdict:
    """Ask for a referral the way a workflow does, in an action; return the verdict either way."""
    try:
        with action():
            return services.referral_check(coach=coach, resource=resource, subject=SUBJECT)
    except ActionStopped as stopped:
        return stopped.verdict


def test_p10_a_referral_to_an_unvetted_resource_is_refused(coach, vault):
    resource = make_resource(coach=coach)
    verdict = check(coach=coach, resource=resource)
    assert not verdict.allowed
    assert verdict.blocked
    [finding] = verdict.findings
    assert (finding.clause, finding.strength, finding.message) == ("P10", Strength.BLOCK, P10_UNVETTED)
    [event] = events(coach, "standards.finding")
    assert (event.clauses, event.target_type, event.target_id) == ("P10", "referral", "r-1")


def test_p10_a_referral_to_a_resource_whose_vetting_lapsed_is_refused(coach, vault):
    resource = make_resource(coach=coach)
    vet(coach=coach, resource=resource, days_ago=366)
    verdict = check(coach=coach, resource=resource)
    assert verdict.blocked
    assert [finding.message for finding in verdict.findings] == [P10_LAPSED]


def test_p10_a_referral_to_a_currently_vetted_resource_is_allowed(coach, vault):
    resource = make_resource(coach=coach)
    vet(coach=coach, resource=resource, days_ago=364)
    verdict = check(coach=coach, resource=resource)
    assert verdict.allowed and verdict.clean
    assert events(coach, "standards.finding") == []
    assert Tally.objects.get(coach=coach, clause="P10").checked == 1


def test_p10_a_referral_to_a_resource_taken_out_of_use_is_refused(coach, vault):
    resource = make_resource(coach=coach)
    vet(coach=coach, resource=resource)
    services.resource_deactivate(coach=coach, resource=resource)
    resource = get_resource_for_coach(coach, resource.pk)
    verdict = check(coach=coach, resource=resource)
    assert verdict.blocked and [f.message for f in verdict.findings] == [P10_OUT_OF_USE]
    services.resource_reactivate(coach=coach, resource=resource)
    assert check(coach=coach, resource=resource).allowed


def test_p10_it_refuses_to_check_a_referral_to_another_coachs_resource(coach, other_coach, vault):
    resource = make_resource(coach=coach)
    vet(coach=coach, resource=resource)
    with pytest.raises(PermissionError):
        services.referral_check(coach=other_coach, resource=resource, subject=SUBJECT)


def test_it_refuses_to_change_another_coachs_resource(coach, other_coach, vault):
    resource = make_resource(coach=coach)
    with pytest.raises(PermissionError):
        services.resource_deactivate(coach=other_coach, resource=resource)
    with pytest.raises(PermissionError):
        vet(coach=other_coach, resource=resource)
    with pytest.raises(Http404):
        get_resource_for_coach(other_coach, resource.pk)
    with pytest.raises(Http404):
        get_resource_for_coach(coach, "not-a-uuid")
    assert Resource.objects.get().is_active


def test_it_refuses_to_deactivate_twice(coach, vault):
    resource = make_resource(coach=coach)
    services.resource_deactivate(coach=coach, resource=resource)
    with pytest.raises(ValidationError):
        services.resource_deactivate(coach=coach, resource=resource)
    assert len(events(coach, "referrals.resource_deactivated")) == 1


def test_p10_only_current_active_resources_are_usable(coach, other_coach, vault):
    current = make_resource(coach=coach, name="Current")
    vet(coach=coach, resource=current)
    lapsed = make_resource(coach=coach, name="Lapsed")
    vet(coach=coach, resource=lapsed, days_ago=500)
    make_resource(coach=coach, name="Never")
    retired = make_resource(coach=coach, name="Retired")
    vet(coach=coach, resource=retired)
    services.resource_deactivate(coach=coach, resource=retired)
    line = make_resource(coach=coach, name="Line", kind=Resource.Kind.CRISIS_LINE)
    vet(coach=coach, resource=line, days_ago=30)
    assert [r.name for r in usable_resources(coach)] == ["Current", "Line"]
    assert [r.name for r in usable_resources(coach, kinds=[Resource.Kind.THERAPIST])] == ["Current"]
    assert [r.name for r in crisis_resources(coach)] == ["Line"]
    assert usable_resources(other_coach) == []


def test_it_lists_resources_with_their_vetting_in_one_query(coach, vault, django_assert_num_queries):
    for number in range(5):
        resource = make_resource(coach=coach, name=f"Service {number}")
        vet(coach=coach, resource=resource, days_ago=100 * number)
        vet(coach=coach, resource=resource, days_ago=100 * number + 50)
    with django_assert_num_queries(1):
        listed = resources_for(coach)
        states = [vetting_state(resource) for resource in listed]
    assert states == [Vetting.CURRENT] * 4 + [Vetting.LAPSED]
    assert listed[0].vetted_until == latest_review(timezone.localdate())


def test_it_filters_resources_by_kind(coach, vault):
    make_resource(coach=coach, name="A", kind=Resource.Kind.LEGAL)
    make_resource(coach=coach, name="B", kind=Resource.Kind.COACHING)
    assert [r.name for r in resources_for(coach, kind=Resource.Kind.LEGAL)] == ["A"]
    assert [r.name for r in selectors.resources_for(coach)] == ["A", "B"]


def test_p10_evidence_counts_resources_vetted_due_and_never(coach, vault):
    assert directory_evidence(coach)[0].attention
    for name, days_ago in (("A", 0), ("B", 10), ("C", 400)):
        vet(coach=coach, resource=make_resource(coach=coach, name=name), days_ago=days_ago)
    make_resource(coach=coach, name="D")
    [line] = directory_evidence(coach)
    assert line.text == (
        "4 resources in your referral directory, 2 vetted and current, 1 due for review, 1 never vetted"
    )
    assert line.attention

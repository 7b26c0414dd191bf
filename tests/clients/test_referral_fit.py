"""The referral that resolves an open item must fit its clause (S1, S2, S5, S9, P11), through the
one table of kinds in the directory; and a referral counts only while its service is in use and
currently vetted (P10, P11)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ethos.audit.models import AuditEvent
from ethos.clients import endings, services
from ethos.clients.models import Client, Ending, Referral, SupervisionPlan
from ethos.practice import services as practice
from ethos.referrals import services as directory
from ethos.referrals.models import Resource
from ethos.standards.engine import ActionStopped
from ethos.standards.models import OpenItem
from ethos.standards.rules import P10_OUT_OF_USE, P11_REFERRAL
from ethos.vault.context import unlocked
from tests.conftest import open_vault

from .conftest import intake, vetted_resource

pytestmark = pytest.mark.django_db
K = Resource.Kind


def open_item(coach, client, clause: str) -> OpenItem:
    return OpenItem.objects.get(coach=coach, clause=clause, subject_id=str(client.pk))


def refer(coach, client, resource, **extra) -> Referral:
    return services.referral_make(coach=coach, client=client, resource=resource, reason="Support", **extra)


# -- S2, S1, S9: only a service of the fitting kind closes the item ---------------------------


def test_s2_a_legal_service_never_closes_a_crisis_item(coach, vault):
    person = intake(coach, name="Kit Reyes", suicidal_thoughts=True, intent_or_plan=True).client
    item = open_item(coach, person, "S2")
    assert item.record_type_list == ["crisis_referral"]
    refer(coach, person, vetted_resource(coach, name="Quay Law", kind=K.LEGAL))
    item.refresh_from_db()
    assert item.is_open  # the old way: any vetted referral closed it
    assert Referral.objects.filter(client=person).count() == 1  # the referral itself is recorded
    line = vetted_resource(coach, name="Night Line", kind=K.CRISIS_LINE)
    referral = refer(coach, person, line)
    item.refresh_from_db()
    assert (item.resolved_record_type, item.resolved_record_id) == ("crisis_referral", str(referral.pk))


@pytest.mark.parametrize("kind", [K.THERAPIST, K.MENTAL_HEALTH, K.PRESCRIBER])
def test_s2_a_mental_health_service_closes_a_crisis_item(coach, vault, kind):
    person = intake(coach, name="Kit Reyes", suicidal_thoughts=True, intent_or_plan=True).client
    refer(coach, person, vetted_resource(coach, name="Clinic", kind=kind))
    assert not open_item(coach, person, "S2").is_open


@pytest.mark.parametrize(
    ("kind", "closes"),
    [
        (K.ADDICTION, True),
        (K.MEDICAL, True),
        (K.SELF_HARM, True),
        (K.THERAPIST, False),
        (K.LEGAL, False),
        (K.COACHING, False),
        (K.OTHER, False),
    ],
)
def test_s1_only_an_addiction_medical_or_self_harm_service_closes_a_safety_item(coach, vault, kind, closes):
    person = intake(coach, name="Lee Moss", substance_uncontrolled=True).client
    refer(coach, person, vetted_resource(coach, name="Service", kind=kind))
    item = open_item(coach, person, "S1")
    assert item.is_open is not closes
    if closes:
        assert item.resolved_record_type == "safety_referral"


@pytest.mark.parametrize(("kind", "closes"), [(K.YOUTH, True), (K.COACHING, False), (K.THERAPIST, False)])
def test_s9_only_a_service_for_young_people_closes_the_referral_owed_to_a_minor(coach, vault, kind, closes):
    minor = intake(coach, name="Sam Young", age=16).client
    assert minor.status == Client.Status.DECLINED
    refer(coach, minor, vetted_resource(coach, name="Youth Space", kind=kind))
    item = open_item(coach, minor, "S9")
    assert item.is_open is not closes


# -- S5: a referral for each concern; supervision alongside, never instead ---------------------


@pytest.fixture
def outside(coach, vault):
    """A client who brought two concerns outside the coach's competence and one within it."""
    practice.competence_update(coach=coach, areas=["workplace-trauma"])
    return intake(coach, concerns=["workplace-trauma", "religious-trauma", "sexual-trauma"]).client


def test_s5_a_supervision_plan_is_recorded_and_linked_but_the_item_stays_open(coach, outside):
    item = open_item(coach, outside, "S5")
    plan = services.supervision_plan_record(
        coach=coach, client=outside, concern_area="Religious trauma", supervisor="Dr Lee", plan="Monthly"
    )
    item.refresh_from_db()
    assert item.is_open  # the old way: the plan closed S5
    assert SupervisionPlan.objects.filter(pk=plan.pk).exists()
    event = AuditEvent.objects.get(coach=coach, action="supervision.planned")
    assert event.details == {"alongside_open_items": [str(item.pk)]}


def test_s5_a_referral_not_made_for_a_concern_or_to_the_wrong_kind_does_not_close_it(coach, outside):
    therapist = vetted_resource(coach, name="Quay Therapy", kind=K.THERAPIST)
    refer(coach, outside, therapist)  # for no particular concern
    refer(
        coach, outside, vetted_resource(coach, name="Quay Law", kind=K.LEGAL), concern_area="religious-trauma"
    )
    assert open_item(coach, outside, "S5").is_open


def test_s5_each_concern_outside_competence_needs_its_own_referral(coach, outside):
    therapist = vetted_resource(coach, name="Quay Therapy", kind=K.THERAPIST)
    refer(coach, outside, therapist, concern_area="religious-trauma")
    assert open_item(coach, outside, "S5").is_open  # sexual trauma is not referred yet
    services.supervision_plan_record(
        coach=coach, client=outside, concern_area="Sexual trauma", supervisor="Dr Lee", plan="Monthly"
    )
    assert open_item(coach, outside, "S5").is_open
    referral = refer(coach, outside, therapist, concern_area="sexual-trauma")
    item = open_item(coach, outside, "S5")
    assert (item.resolved_record_type, item.resolved_record_id) == ("competence_referral", str(referral.pk))


def test_s5_the_supervision_page_says_supervision_goes_alongside_a_referral(coach_client, coach):
    with unlocked(open_vault(coach)):
        client = intake(coach).client
    page = coach_client.get(reverse("clients:supervision", args=[client.pk])).content.decode()
    assert "never replaces it (S5)" in page
    assert reverse("clients:refer", args=[client.pk]) in page


def test_s5_the_referral_page_asks_which_concern_the_referral_is_for(coach_client, coach):
    with unlocked(open_vault(coach)):
        practice.competence_update(coach=coach, areas=["workplace-trauma"])
        client = intake(coach, concerns=["religious-trauma"]).client
        therapist = vetted_resource(coach, name="Quay Therapy", kind=K.THERAPIST)
    url = reverse("clients:refer", args=[client.pk])
    page = coach_client.get(url, {"area": "religious-trauma"}).content.decode()
    assert "Religious trauma</a> (chosen)" in page
    assert 'name="concern_area" value="religious-trauma"' in page
    assert "Which referral answers which open item" in page
    response = coach_client.post(
        url, {"resource": str(therapist.pk), "reason": "Specialist", "concern_area": "religious-trauma"}
    )
    assert response.status_code == 302
    assert not open_item(coach, client, "S5").is_open


# -- P10 and P11: only a coaching provider in use and currently vetted counts -----------------


def test_p11_a_coaching_referral_to_a_provider_later_taken_out_of_use_no_longer_counts(coach, vault):
    robin = intake(coach).client
    harbour = vetted_resource(coach, name="Harbour Coaching", kind=K.COACHING)
    refer(coach, robin, harbour)
    assert len(endings.coaching_referrals_since_active(robin)) == 1
    directory.resource_deactivate(coach=coach, resource=harbour)
    assert endings.coaching_referrals_since_active(robin) == []
    assert [row.coaching_referrals for row in endings.closure_rows(coach)] == [0]
    with pytest.raises(ActionStopped) as refused:
        endings.client_release(
            coach=coach,
            client=robin,
            kind=Ending.Kind.END,
            initiated_by=Ending.InitiatedBy.COACH,
            explanation="I am retiring.",
            explained_on=robin.created_at.date(),
            explained_how="in_session",
        )
    assert [f.message for f in refused.value.verdict.requires] == [P11_REFERRAL]
    assert Client.objects.get(pk=robin.pk).status == Client.Status.ACTIVE


def test_p11_a_coaching_referral_whose_vetting_lapsed_no_longer_counts(coach, vault):
    robin = intake(coach).client
    harbour = vetted_resource(coach, name="Harbour Coaching", kind=K.COACHING, vetted_days_ago=10)
    refer(coach, robin, harbour)
    # The vetting's review date passes: nothing runs, the referral simply stops counting.
    harbour.vettings.update(review_by=harbour.vettings.get().vetted_on)
    assert endings.coaching_referrals_since_active(robin) == []


def test_p11_only_a_coaching_provider_closes_the_coaching_referral_item(coach, vault):
    robin = intake(coach).client
    with pytest.raises(ActionStopped):
        endings.client_release(
            coach=coach, client=robin, kind=Ending.Kind.END, initiated_by=Ending.InitiatedBy.COACH
        )
    item = OpenItem.objects.get(coach=coach, clause="P11", record_types="coaching_referral")
    refer(coach, robin, vetted_resource(coach, name="Quay Therapy", kind=K.THERAPIST))
    item.refresh_from_db()
    assert item.is_open
    refer(coach, robin, vetted_resource(coach, name="Harbour Coaching", kind=K.COACHING))
    item.refresh_from_db()
    assert item.resolved_record_type == "coaching_referral"


def test_p10_a_referral_to_a_service_taken_out_of_use_is_refused_with_the_reason(coach, vault):
    robin = intake(coach).client
    harbour = vetted_resource(coach, name="Harbour Coaching")
    directory.resource_deactivate(coach=coach, resource=harbour)
    with pytest.raises(ActionStopped) as refused:
        refer(coach, robin, harbour)
    assert [f.message for f in refused.value.verdict.blocks] == [P10_OUT_OF_USE]
    assert not Referral.objects.exists()

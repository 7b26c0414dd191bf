import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape

from ethos.audit.models import AuditEvent
from ethos.clients import services
from ethos.clients.forms import IntakeForm
from ethos.clients.models import Client, Intake, Referral
from ethos.practice import services as practice
from ethos.referrals import services as directory
from ethos.referrals.models import Resource
from ethos.standards import rules
from ethos.standards.engine import ActionStopped
from ethos.standards.facts import DECLINE_REASONS
from ethos.standards.forms import DeskForm
from ethos.standards.models import OpenItem
from ethos.vault.context import unlocked
from tests.conftest import open_vault

from .conftest import NO_RISK, intake, vetted_resource, years_ago

pytestmark = pytest.mark.django_db


def set_majority(coach, age):
    practice.profile_update(
        coach=coach,
        country="CA",
        region="British Columbia",
        age_of_majority=age,
        crisis_line="",
        emergency_number="",
    )


def clauses_found(coach) -> list[str]:
    return [
        c
        for clauses in AuditEvent.objects.filter(coach=coach, action="standards.finding").values_list(
            "clauses", flat=True
        )
        for c in clauses.split(",")
    ]


def test_s9_a_17_year_old_cannot_become_a_client(coach, vault):
    result = intake(coach, born=years_ago(18, days=-1))  # eighteen tomorrow
    assert result.client.status == Client.Status.DECLINED
    assert result.intake.decline_reason == "S9"
    assert not result.verdict.allowed
    assert "S9" in clauses_found(coach)
    assert OpenItem.objects.filter(coach=coach, clause="S9", resolved_at=None).exists()  # a referral is owed


def test_s9_an_18_year_old_can(coach, vault):
    result = intake(coach, born=years_ago(18))
    assert result.client.status == Client.Status.ACTIVE
    assert result.intake.outcome == Intake.Outcome.ACCEPTED


def test_s9_follows_the_jurisdictions_age_of_majority(coach, vault):
    set_majority(coach, 19)
    assert intake(coach, age=18).client.status == Client.Status.DECLINED
    assert intake(coach, name="Sam Lee", age=19).client.status == Client.Status.ACTIVE


def test_s2_a_positive_suicide_screen_shows_the_crisis_protocol_and_declines(coach_client, coach):
    with unlocked(open_vault(coach)):
        result = intake(coach, suicidal_thoughts=True, intent_or_plan=True)
    assert result.crisis and result.client.status == Client.Status.DECLINED
    assert result.intake.decline_reason == "S2"
    assert not Client.objects.filter(coach=coach, status=Client.Status.ACTIVE).exists()
    page = coach_client.get(reverse("clients:crisis", args=[result.client.pk]))
    assert "Crisis protocol (S2)" in page.content.decode()
    assert OpenItem.objects.filter(coach=coach, clause="S2", resolved_at=None).exists()


def test_s2_viewing_the_crisis_protocol_writes_nothing_and_recording_it_is_a_post(coach_client, coach):
    with unlocked(open_vault(coach)):
        result = intake(coach, suicidal_thoughts=True, intent_or_plan=True)
    url = reverse("clients:crisis", args=[result.client.pk])
    for _ in range(2):
        page = coach_client.get(url).content.decode()
    assert "I have gone through this with them" in page
    assert Intake.objects.get(pk=result.intake.pk).crisis_protocol_shown_at is None
    assert not AuditEvent.objects.filter(coach=coach, action="intake.crisis_protocol_shown").exists()

    shown = reverse("clients:crisis_shown", args=[result.client.pk])
    assert coach_client.get(shown).status_code == 405  # the old way: a GET that wrote
    response = coach_client.post(shown)
    assert response.status_code == 302 and response["Location"] == url
    assert Intake.objects.get(pk=result.intake.pk).crisis_protocol_shown_at is not None
    [event] = AuditEvent.objects.filter(coach=coach, action="intake.crisis_protocol_shown")
    assert event.clause_list == ["S2"] and event.target_id == str(result.client.pk)
    assert "You recorded going through this protocol" in coach_client.get(url).content.decode()


def test_s2_recording_the_crisis_protocol_is_refused_for_another_coach(coach, other_client):
    with unlocked(open_vault(coach)):
        result = intake(coach, suicidal_thoughts=True, intent_or_plan=True)
    assert other_client.post(reverse("clients:crisis_shown", args=[result.client.pk])).status_code == 404
    assert Intake.objects.get(pk=result.intake.pk).crisis_protocol_shown_at is None


def test_s2_the_intake_page_goes_straight_to_the_crisis_protocol(coach_client, coach):
    response = coach_client.post(
        reverse("clients:intake"), form_data(suicidal_thoughts="yes", intent_or_plan="yes")
    )
    client = Client.objects.get(coach=coach)
    assert response["Location"] == reverse("clients:crisis", args=[client.pk])


def test_s2_thoughts_without_intent_or_plan_do_not_decline_but_are_not_a_pass(coach, vault):
    result = intake(coach, suicidal_thoughts=True)
    assert result.client.status == Client.Status.ACTIVE
    # The old way let this through without a trace; now a safety check is owed (S2).
    [item] = OpenItem.objects.filter(coach=coach, clause="S2", resolved_at=None)
    assert item.record_type_list == ["safety_follow_up"] and item.follow_up
    assert item.message == rules.S2_PASSIVE and item.subject_id == str(result.client.pk)
    assert "S2" in clauses_found(coach)


def test_s2_no_thoughts_of_death_means_no_safety_check(coach, vault):
    intake(coach, **NO_RISK)
    assert not OpenItem.objects.filter(coach=coach, clause="S2").exists()


@pytest.mark.parametrize("answer", [{"substance_uncontrolled": True}, {"self_harm": True}])
def test_s1_active_addiction_or_self_harm_declines_with_a_referral_owed(coach, vault, answer):
    result = intake(coach, **answer)
    assert result.client.status == Client.Status.DECLINED and result.intake.decline_reason == "S1"
    item = OpenItem.objects.get(coach=coach, clause="S1", resolved_at=None)
    # Only a referral to a vetted addiction, medical or self-harm service resolves it.
    crisis = vetted_resource(coach, name="Riverside Addiction Service", kind=Resource.Kind.ADDICTION)
    services.referral_make(coach=coach, client=result.client, resource=crisis, reason="Specialist support")
    item.refresh_from_db()
    assert item.resolved_at is not None and item.resolved_record_type == "safety_referral"


def test_s1_no_risk_means_no_decline(coach, vault):
    assert intake(coach, **NO_RISK).client.status == Client.Status.ACTIVE


def test_s5_a_concern_outside_competence_needs_a_referral_and_supervision_does_not_replace_it(coach, vault):
    practice.competence_update(coach=coach, areas=["workplace-trauma"])
    result = intake(coach, concerns=["workplace-trauma", "religious-trauma"])
    assert result.client.status == Client.Status.ACTIVE  # coaching may start on what is within competence
    item = OpenItem.objects.get(coach=coach, clause="S5", resolved_at=None)
    assert item.record_type_list == ["competence_referral"]
    services.supervision_plan_record(
        coach=coach,
        client=result.client,
        concern_area="Religious trauma",
        supervisor="Dr Lee",
        plan="Monthly",
    )
    item.refresh_from_db()
    assert item.is_open  # the old way closed it here
    therapist = vetted_resource(coach, name="Quay Therapy", kind=Resource.Kind.THERAPIST)
    services.referral_make(
        coach=coach,
        client=result.client,
        resource=therapist,
        reason="Specialist",
        concern_area="religious-trauma",
    )
    item.refresh_from_db()
    assert item.resolved_record_type == "competence_referral"


def test_s5_a_concern_within_competence_raises_nothing(coach, vault):
    practice.competence_update(coach=coach, areas=["workplace-trauma"])
    intake(coach, concerns=["workplace-trauma"])
    assert not OpenItem.objects.filter(coach=coach, clause="S5").exists()


def test_s10_a_credential_widens_competence(coach, vault):
    practice.competence_update(coach=coach, areas=["workplace-trauma"])
    practice.credential_add(
        coach=coach,
        issuer="Institute of Grief Work",
        title="Grief specialist",
        awarded_on=datetime.date(2020, 5, 1),
        verified_on=datetime.date(2021, 1, 10),
        areas=["grief-and-loss"],
    )
    intake(coach, concerns=["grief-and-loss"])
    assert not OpenItem.objects.filter(coach=coach, clause="S5").exists()
    assert "S10" in clauses_found(coach)


def test_p3_a_decline_without_a_listed_reason_is_refused(coach, vault):
    with pytest.raises(ActionStopped) as stopped:
        intake(coach, decline_reason="I did not like their accent")
    assert stopped.value.verdict.clauses == ("P3",)
    assert not Client.objects.filter(coach=coach).exists()
    assert "P3" in clauses_found(coach)


def test_p3_a_decline_for_a_listed_reason_is_recorded_with_it(coach, vault):
    result = intake(coach, decline_reason="capacity")
    assert result.intake.decline_reason == "capacity" and result.client.status == Client.Status.DECLINED
    event = AuditEvent.objects.filter(coach=coach, action="intake.declined").get()
    assert event.details == {"decline_reason": "capacity"}
    # A declined person's record stays minimal.
    assert result.intake.wants is None


def test_p3_the_form_offers_only_listed_reasons(coach_client, coach):
    response = coach_client.post(reverse("clients:intake"), form_data(decline_reason="personal dislike"))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Client.objects.exists()


def test_p10_a_referral_to_an_unvetted_or_expired_resource_is_refused(coach, vault):
    client = intake(coach).client
    never = directory.resource_create(coach=coach, name="Unknown Clinic", kind=Resource.Kind.THERAPIST)
    lapsed = vetted_resource(coach, name="Old Clinic", vetted_days_ago=800)
    for resource in (never, lapsed):
        with pytest.raises(ActionStopped) as refused:
            services.referral_make(coach=coach, client=client, resource=resource, reason="therapy")
        assert [f.clause for f in refused.value.verdict.blocks] == ["P10"]
    assert not Referral.objects.exists()
    vetted = vetted_resource(coach, name="Good Clinic", kind=Resource.Kind.THERAPIST)
    assert services.referral_make(coach=coach, client=client, resource=vetted, reason="therapy")


def test_p10_the_referral_page_shows_the_refusal(coach_client, coach):
    with unlocked(open_vault(coach)):
        client = intake(coach).client
        never = directory.resource_create(coach=coach, name="Unknown Clinic", kind=Resource.Kind.THERAPIST)
    response = coach_client.post(
        reverse("clients:refer", args=[client.pk]), {"resource": str(never.pk), "reason": "therapy"}
    )
    assert response.status_code == 200
    assert "P10" in response.content.decode()
    assert not Referral.objects.exists()


def form_data(**overrides):
    data = {
        "name": "Robin Ash",
        "date_of_birth": years_ago(30).isoformat(),
        "email": "robin@example.org",
        "suicidal_thoughts": "no",
        "intent_or_plan": "no",
        "self_harm": "no",
        "substance_uncontrolled": "no",
        "current_treatment": "no",
        "wants": "To sleep again",
        "decline_reason": "",
    }
    return {**data, **overrides}


def test_it_records_an_intake_through_the_page(coach_client, coach):
    response = coach_client.post(reverse("clients:intake"), form_data(concern_areas=["grief-and-loss"]))
    client = Client.objects.get(coach=coach)
    assert response["Location"] == reverse("clients:detail", args=[client.pk])
    page = coach_client.get(response["Location"]).content.decode()
    assert "Robin Ash" in page and "To sleep again" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "This field is required."),
        ({"date_of_birth": "not a date"}, "Enter the date of birth as a date"),
        ({"date_of_birth": "2999-01-01"}, "cannot be in the future"),
        ({"email": "", "phone": ""}, "at least one way to reach"),
        ({"suicidal_thoughts": ""}, "This field is required."),
    ],
)
def test_bad_intake_input_gets_a_clear_message_and_changes_nothing(coach_client, changes, message):
    response = coach_client.post(reverse("clients:intake"), form_data(**changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Client.objects.exists()


@pytest.mark.parametrize("text", ["<script>alert('x')</script>", "Robert'); DROP TABLE clients_client;--"])
def test_hostile_text_is_stored_and_shown_escaped(coach_client, coach, text):
    coach_client.post(reverse("clients:intake"), form_data(name=text, wants=text))
    client = Client.objects.get(coach=coach)
    page = coach_client.get(reverse("clients:detail", args=[client.pk])).content.decode()
    assert "<script>alert" not in page
    with unlocked(open_vault(coach)):
        assert Client.objects.get(pk=client.pk).name == text
    assert text.replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#x27;") in page


def test_p11_a_closed_practice_takes_no_new_intakes(coach_client, coach):
    from ethos.practice.models import PracticeClosure

    PracticeClosure.objects.create(coach=coach)
    response = coach_client.post(reverse("clients:intake"), form_data())
    assert response.status_code == 200
    assert rules.P11_CLOSED in response.content.decode()
    [event] = AuditEvent.objects.filter(coach=coach, action="standards.finding")
    assert event.clause_list == ["P11"]
    assert not Client.objects.exists()


# -- S9: where the client lives --------------------------------------------------------------


def practise_in(coach, country, region="", age=18):
    practice.profile_update(
        coach=coach, country=country, region=region, age_of_majority=age, crisis_line="", emergency_number=""
    )


def lives_in(coach, age, country, region=""):
    data = services.IntakeData(
        name=f"Person aged {age} in {country}{region}",
        date_of_birth=years_ago(age),
        contact={"email": "person@example.org"},
        screening=services.Screening(**NO_RISK),
        residence_country=country,
        residence_region=region,
    )
    return services.intake_submit(coach=coach, data=data)


def test_s9_the_legal_age_where_the_client_lives_applies_when_it_is_higher(coach, vault):
    practise_in(coach, "GB")
    # The old way used the coach's 18 for a 19-year-old living in Mississippi (21).
    result = lives_in(coach, 19, "US", "Mississippi")
    assert result.client.status == Client.Status.DECLINED and result.intake.decline_reason == "S9"
    assert [f.clause for f in result.verdict.blocks] == ["S9"]
    assert Intake.objects.get(pk=result.intake.pk).residence == {
        "country": "US",
        "region": "Mississippi",
        "age_of_majority": 21,
    }
    assert lives_in(coach, 21, "US", "MS").client.status == Client.Status.ACTIVE
    assert lives_in(coach, 19, "FR").client.status == Client.Status.ACTIVE


def test_s9_the_practice_age_applies_when_it_is_the_higher_one(coach, vault):
    practise_in(coach, "CA", "British Columbia", age=20)
    assert lives_in(coach, 19, "GB").client.status == Client.Status.DECLINED
    assert lives_in(coach, 20, "GB").client.status == Client.Status.ACTIVE


def test_s9_without_a_region_the_highest_age_in_the_country_applies(coach, vault):
    practise_in(coach, "GB")
    assert lives_in(coach, 20, "US").client.status == Client.Status.DECLINED  # Mississippi's 21


def test_s9_an_unknown_country_or_region_is_refused_by_the_service(coach, vault):
    with pytest.raises(ValidationError) as error:
        lives_in(coach, 30, "XX")
    assert error.value.message_dict == {"residence_country": [services.RESIDENCE_UNKNOWN]}
    with pytest.raises(ValidationError) as error:
        lives_in(coach, 30, "US", "Atlantis")
    assert list(error.value.message_dict) == ["residence_region"]
    assert not Client.objects.exists()


def test_s9_the_intake_page_asks_where_the_client_lives(coach_client, coach):
    with unlocked(open_vault(coach)):
        practise_in(coach, "GB")
    page = coach_client.get(reverse("clients:intake")).content.decode()
    assert "Where they live, if not where you practise" in page
    assert "Where I practise (United Kingdom)" in page
    response = coach_client.post(
        reverse("clients:intake"),
        form_data(date_of_birth=years_ago(20).isoformat(), residence_country="US", residence_region="MS"),
    )
    client = Client.objects.get(coach=coach)
    assert response.status_code == 302 and client.status == Client.Status.DECLINED
    bad = coach_client.post(
        reverse("clients:intake"), form_data(residence_country="US", residence_region="Atlantis")
    )
    assert bad.status_code == 200 and escape("Ethos does not know “Atlantis”") in bad.content.decode()
    assert Client.objects.count() == 1


# -- P3: one list of decline reasons -----------------------------------------------------------


def test_p3_the_intake_form_and_the_ethics_desk_offer_the_same_decline_reasons():
    intake_reasons = IntakeForm(areas=[]).fields["decline_reason"].choices
    desk_reasons = DeskForm().fields["decline_reason"].choices
    listed = list(DECLINE_REASONS.items())
    assert intake_reasons[1:] == listed  # after "Accept as a client"
    # The desk adds only the question about a reason of one's own, which P3 refuses.
    assert [c for c in desk_reasons if c[0] not in ("", "unlisted")] == listed
    assert not Intake._meta.get_field("decline_reason").choices  # not frozen into a migration


def test_p3_every_listed_reason_is_accepted_at_intake_and_by_the_rule(coach, vault):
    # The old model list lacked S3, S7 and S8, which the desk and the P3 rule accepted.
    for number, reason in enumerate(DECLINE_REASONS):
        if reason in services.DECLINING_CLAUSES:
            continue
        result = intake(coach, name=f"Person {number}", decline_reason=reason)
        assert result.intake.decline_reason == reason and result.client.status == Client.Status.DECLINED
    assert "P3" not in clauses_found(coach)


def test_p3_the_client_page_names_the_reason_from_the_one_list(coach_client, coach):
    with unlocked(open_vault(coach)):
        client = intake(coach, decline_reason="S7").client
    page = coach_client.get(reverse("clients:detail", args=[client.pk])).content.decode()
    assert DECLINE_REASONS["S7"] in page

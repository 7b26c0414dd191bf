"""The practice profile's write paths and the selectors other apps read (S5, S10)."""

from __future__ import annotations

import datetime
import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.migrations.loader import MigrationLoader

from ethos.audit.models import AuditEvent
from ethos.practice import selectors, services
from ethos.practice.evidence import competence_evidence, credential_evidence
from ethos.practice.jurisdictions import COUNTRIES, COUNTRY_NAMES, legal_age_of_majority, suggestion_for
from ethos.practice.models import CompetenceArea, Credential, PracticeProfile
from ethos.practice.selectors import (
    COMPETENCE_AREAS,
    age_of_majority_for,
    area_label,
    competence_for,
    profile_for,
)
from ethos.practice.services import AGE_BELOW_LEGAL, COUNTRY_UNKNOWN, REGION_NEEDED

from .conftest import make_credential

pytestmark = pytest.mark.django_db


def events(coach, action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(coach=coach, action=action).order_by("seq"))


def test_it_creates_the_profile_lazily_with_defaults(coach):
    assert not PracticeProfile.objects.filter(coach=coach).exists()
    profile = profile_for(coach)
    assert (profile.age_of_majority, profile.country, profile.crisis_line) == (18, "", "")
    assert profile_for(coach).pk == profile.pk
    assert PracticeProfile.objects.filter(coach=coach).count() == 1


@pytest.mark.parametrize(
    ("country", "region", "age"),
    [
        ("GB", "", 18),
        ("US", "Alabama", 19),
        ("US", "ms", 21),
        ("US", "Oregon", 18),
        ("US", "Puerto Rico", 21),
        ("US", "", 21),  # the state unknown: never guess downwards
        ("CA", "British  Columbia", 19),
        ("CA", "B.C.", 19),
        ("CA", "Québec", 18),
        ("CA", "Ontario", 18),
        ("CA", "", 19),
        ("KR", "", 19),
        ("NZ", "", 20),
        ("TH", "", 20),
        ("", "", 18),
    ],
)
def test_s9_it_suggests_the_age_of_majority_for_a_jurisdiction(country, region, age):
    assert suggestion_for(country, region).age_of_majority == age


def test_it_suggests_a_crisis_line_and_emergency_number_where_it_knows_them():
    assert suggestion_for("US").emergency_number == "911"
    assert "988" in suggestion_for("US").crisis_line
    assert suggestion_for("ZW").crisis_line == ""


def test_it_updates_the_profile_and_audits_the_changed_fields(coach):
    profile = services.profile_update(
        coach=coach,
        country="ca",
        region=" British Columbia ",
        age_of_majority=19,
        crisis_line="9-8-8",
        emergency_number="911",
    )
    assert (profile.country, profile.region, profile.age_of_majority) == ("CA", "British Columbia", 19)
    assert profile.jurisdiction == "Canada, British Columbia"
    [event] = events(coach, "practice.profile_updated")
    assert set(event.details["changed"]) == {
        "country",
        "region",
        "age_of_majority",
        "crisis_line",
        "emergency_number",
    }


@pytest.mark.parametrize("age", [13, 26])
def test_s9_it_refuses_an_age_of_majority_out_of_range_and_changes_nothing(coach, age):
    with pytest.raises(ValidationError):
        services.profile_update(
            coach=coach, country="GB", region="", age_of_majority=age, crisis_line="", emergency_number=""
        )
    assert profile_for(coach).age_of_majority == 18
    assert events(coach, "practice.profile_updated") == []


def test_it_refuses_an_unknown_country(coach):
    with pytest.raises(ValidationError) as refused:
        services.profile_update(
            coach=coach, country="XX", region="", age_of_majority=18, crisis_line="", emergency_number=""
        )
    assert refused.value.messages == [COUNTRY_UNKNOWN]
    assert profile_for(coach).country == ""


def update(coach, *, country, region="", age):
    return services.profile_update(
        coach=coach, country=country, region=region, age_of_majority=age, crisis_line="", emergency_number=""
    )


@pytest.mark.parametrize(
    ("country", "region", "age", "legal"),
    [("US", "Mississippi", 18, 21), ("US", "ne", 18, 19), ("CA", "Yukon", 18, 19), ("NZ", "", 18, 20)],
)
def test_s9_the_age_of_majority_cannot_be_set_below_the_legal_age_there(coach, country, region, age, legal):
    with pytest.raises(ValidationError) as refused:
        update(coach, country=country, region=region, age=age)
    place = ", ".join(part for part in (COUNTRY_NAMES[country], region) if part)
    assert refused.value.message_dict == {
        "age_of_majority": [AGE_BELOW_LEGAL.format(place=place, legal=legal)]
    }
    assert profile_for(coach).age_of_majority == 18 and profile_for(coach).country == ""
    assert events(coach, "practice.profile_updated") == []
    assert update(coach, country=country, region=region, age=legal).age_of_majority == legal


def test_s9_a_practice_may_set_a_higher_age_than_the_law(coach):
    assert update(coach, country="GB", age=21).age_of_majority == 21


def test_s9_it_needs_the_region_where_the_age_differs_within_the_country(coach):
    with pytest.raises(ValidationError) as refused:
        update(coach, country="US", age=21)
    assert refused.value.messages == [REGION_NEEDED.format(country="United States")]


def test_s9_the_legal_age_helper_reads_any_jurisdiction_for_the_intake():
    # Another app (the intake) asks this for the client's own jurisdiction.
    assert legal_age_of_majority("us", "Alabama") == 19
    assert legal_age_of_majority("GB") == 18
    assert legal_age_of_majority("") == 18
    assert all(legal_age_of_majority(code) >= 18 for code, _ in COUNTRIES)


def test_s9_an_older_profile_below_the_legal_age_is_never_used_below_it(coach):
    update(coach, country="CA", region="British Columbia", age=19)
    PracticeProfile.objects.filter(coach=coach).update(age_of_majority=18)  # saved before the check
    assert age_of_majority_for(coach) == 19
    migration = importlib.import_module(
        "ethos.practice.migrations.0003_age_of_majority_never_below_the_legal_age"
    )
    migration.raise_to_the_legal_age(apps, None)
    assert profile_for(coach).age_of_majority == 19


def test_it_validates_countries_in_code_and_freezes_no_list_into_a_migration():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    state = loader.project_state(("practice", "0003_age_of_majority_never_below_the_legal_age"))
    assert not state.models["practice", "practiceprofile"].fields["country"].choices
    assert not PracticeProfile._meta.get_field("country").choices


def test_it_keeps_a_maintained_list_of_competence_areas():
    slugs = [slug for slug, _ in COMPETENCE_AREAS]
    assert len(slugs) == len(set(slugs)) >= 10
    assert {"childhood-trauma", "grief-and-loss", "religious-trauma"} <= set(slugs)
    assert area_label("grief-and-loss") == "Grief and loss"
    assert area_label("adoption-and-fostering") == "Adoption and fostering"


def test_s5_it_records_ticked_areas_and_areas_of_the_coachs_own(coach):
    services.competence_update(
        coach=coach, areas=["childhood-trauma", "grief-and-loss"], new_area="Adoption and fostering"
    )
    competence = competence_for(coach)
    assert competence.areas == {"childhood-trauma", "grief-and-loss", "adoption-and-fostering"}
    assert competence.label("adoption-and-fostering") == "Adoption and fostering"
    [event] = events(coach, "practice.competence_updated")
    assert event.clauses == "S5"
    assert event.details["added"] == ["adoption-and-fostering", "childhood-trauma", "grief-and-loss"]

    services.competence_update(coach=coach, areas=["grief-and-loss"])
    assert competence_for(coach).areas == {"grief-and-loss"}
    assert not CompetenceArea.objects.filter(slug="adoption-and-fostering").exists()


def test_s5_naming_a_maintained_area_ticks_it_instead_of_copying_it(coach):
    services.competence_update(coach=coach, areas=[], new_area="  grief AND loss ")
    [area] = CompetenceArea.objects.filter(profile__coach=coach)
    assert (area.slug, area.custom_label, area.is_custom) == ("grief-and-loss", "", False)


@pytest.mark.parametrize(("areas", "new_area"), [(["made-up-area"], ""), ([], "!!! ???")])
def test_s5_it_refuses_an_area_it_cannot_read_and_changes_nothing(coach, areas, new_area):
    services.competence_update(coach=coach, areas=["grief-and-loss"])
    with pytest.raises(ValidationError):
        services.competence_update(coach=coach, areas=areas, new_area=new_area)
    assert competence_for(coach).areas == {"grief-and-loss"}


def test_s5_one_coachs_own_area_is_not_anothers(coach, other_coach):
    services.competence_update(coach=coach, areas=[], new_area="Adoption and fostering")
    with pytest.raises(ValidationError):
        services.competence_update(coach=other_coach, areas=["adoption-and-fostering"])


def test_s10_a_verified_credential_widens_competence(coach):
    services.competence_update(coach=coach, areas=["childhood-trauma"])
    before = competence_for(coach)
    assert "grief-and-loss" not in before.all_areas
    credential = make_credential(coach=coach, areas=["grief-and-loss"])
    after = competence_for(coach)
    assert after.areas == {"childhood-trauma"}
    assert after.credential_areas == {"grief-and-loss"}
    assert after.all_areas == {"childhood-trauma", "grief-and-loss"}
    assert after.credential_for("grief-and-loss") == credential
    assert after.credential_for("childhood-trauma") is None
    assert after.widened == [("Grief and loss", credential)]


def test_s10_an_unverified_credential_does_not_widen_competence_until_it_is_verified(coach):
    credential = make_credential(coach=coach, areas=["medical-trauma"], verified_on=None)
    assert "medical-trauma" not in competence_for(coach).all_areas
    services.credential_update(
        coach=coach,
        credential=credential,
        issuer=credential.issuer,
        title=credential.title,
        awarded_on=credential.awarded_on,
        verified_on=datetime.date(2022, 1, 5),
        areas=credential.areas,
    )
    assert "medical-trauma" in competence_for(coach).all_areas
    [event] = events(coach, "practice.credential_updated")
    assert event.details == {"changed": ["verified_on"], "verified": True, "areas": ["medical-trauma"]}


def test_s10_it_cites_the_most_recently_verified_credential(coach):
    make_credential(coach=coach, title="Older", areas=["grief-and-loss"])
    newer = services.credential_add(
        coach=coach,
        issuer="Board",
        title="Newer",
        awarded_on=datetime.date(2023, 1, 1),
        verified_on=datetime.date(2023, 2, 1),
        areas=["grief-and-loss"],
    )
    assert competence_for(coach).credential_for("grief-and-loss") == newer


def test_s10_a_credential_may_add_an_area_of_the_coachs_own_and_keep_it(coach):
    services.competence_update(coach=coach, areas=[], new_area="Adoption and fostering")
    credential = make_credential(coach=coach, areas=["adoption-and-fostering"])
    services.competence_update(coach=coach, areas=[])
    assert "adoption-and-fostering" in competence_for(coach).credential_areas
    services.credential_update(
        coach=coach,
        credential=credential,
        issuer="Renamed issuer",
        title=credential.title,
        awarded_on=credential.awarded_on,
        verified_on=credential.verified_on,
        areas=credential.areas,
    )


def test_s10_it_refuses_a_credential_verified_before_it_was_awarded(coach):
    with pytest.raises(ValidationError):
        services.credential_add(
            coach=coach,
            issuer="Board",
            title="Odd",
            awarded_on=datetime.date(2023, 1, 1),
            verified_on=datetime.date(2022, 1, 1),
        )
    assert not Credential.objects.exists()


def test_s10_it_refuses_an_unknown_area_on_a_credential(coach):
    with pytest.raises(ValidationError):
        make_credential(coach=coach, areas=["not-an-area"])
    assert not Credential.objects.exists()


def test_it_audits_credentials_without_their_titles(coach):
    credential = make_credential(coach=coach, title="Canary-Title-4411")
    services.credential_remove(coach=coach, credential=credential)
    assert not Credential.objects.exists()
    added, removed = events(coach, "practice.credential_added") + events(coach, "practice.credential_removed")
    assert added.target_id == removed.target_id == str(credential.pk)
    assert added.clauses == removed.clauses == "S10"
    assert "Canary-Title-4411" not in str(added.details) + str(removed.details)


def test_it_refuses_to_change_another_coachs_credential(coach, other_coach):
    credential = make_credential(coach=coach)
    with pytest.raises(PermissionError):
        services.credential_remove(coach=other_coach, credential=credential)
    with pytest.raises(PermissionError):
        services.credential_update(
            coach=other_coach,
            credential=credential,
            issuer="x",
            title="x",
            awarded_on=credential.awarded_on,
            verified_on=None,
            areas=(),
        )
    assert Credential.objects.get().title == credential.title


def test_it_reads_competence_in_two_queries(coach, django_assert_num_queries):
    services.competence_update(coach=coach, areas=["grief-and-loss"], new_area="Adoption")
    for number in range(5):
        make_credential(coach=coach, title=f"Credential {number}")
    with django_assert_num_queries(2):
        competence = competence_for(coach)
        assert competence.all_areas == {"grief-and-loss", "adoption"}


def test_s5_evidence_counts_the_competence_areas(coach):
    [line] = competence_evidence(coach)
    assert line.attention
    services.competence_update(coach=coach, areas=["grief-and-loss", "childhood-trauma"])
    [line] = competence_evidence(coach)
    assert (line.text, line.attention) == ("2 competence areas on your profile", False)


def test_s10_evidence_counts_credentials_and_verified_ones(coach):
    make_credential(coach=coach)
    make_credential(coach=coach, verified_on=None)
    [line] = credential_evidence(coach)
    assert line.text == "2 credentials beyond certification, 1 verified"


def test_it_keeps_one_coachs_competence_from_another(coach, other_coach):
    services.competence_update(coach=coach, areas=["grief-and-loss"])
    make_credential(coach=coach, areas=["medical-trauma"])
    assert competence_for(other_coach).all_areas == frozenset()
    assert selectors.credentials_for(other_coach) == []


def test_the_country_and_currency_lists_are_rendered_once_per_choice_and_stay_right(coach_client, coach):
    from django.urls import reverse

    from ethos import web

    page = coach_client.get(reverse("practice:profile")).content.decode()
    kept = len(web._RENDERED)
    again = coach_client.get(reverse("practice:profile")).content.decode()
    assert again.count("<option") == page.count("<option") > 80 and len(web._RENDERED) == kept
    services.profile_update(
        coach=coach,
        country="US",
        region="Mississippi",
        age_of_majority=21,
        crisis_line="",
        emergency_number="",
    )
    chosen = coach_client.get(reverse("practice:profile")).content.decode()
    assert '<option value="US" selected>' in chosen and '<option value="US" selected>' not in page
    assert chosen.count('<option value="US"') == 1  # no list kept for another select leaked in

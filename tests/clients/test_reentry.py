"""S1, S2, S9: a person declined at intake cannot come back in with new answers unexplained."""

import unicodedata

import pytest
from django.urls import reverse
from django.utils.html import escape
from hypothesis import given
from hypothesis import strategies as st

from ethos.audit.models import AuditEvent
from ethos.clients import services
from ethos.clients.models import Client, Intake
from ethos.practice import services as practice
from ethos.standards import rules
from ethos.standards.engine import ActionStopped
from ethos.standards.models import OpenItem
from ethos.vault.context import unlocked
from tests.conftest import open_vault

from .conftest import intake, years_ago
from .test_intake import form_data

pytestmark = pytest.mark.django_db

BORN = years_ago(34)
EXPLANATION = "She stopped drinking a year ago and has a sponsor; I spoke with her GP with her consent."


def stopped_by(excinfo) -> list[tuple[str, str]]:
    return [(f.clause, f.message) for f in excinfo.value.verdict.blocks]


def findings(coach, clause: str) -> int:
    return sum(
        clause in e.clause_list for e in AuditEvent.objects.filter(coach=coach, action="standards.finding")
    )


def test_s1_a_declined_person_is_not_taken_on_with_new_answers_unexplained(coach, vault):
    earlier = intake(coach, name="Zoë  Smith", born=BORN, substance_uncontrolled=True).intake
    assert earlier.decline_reason == "S1"

    # The old way: the same person, new answers, accepted. Now it stops and names S1.
    with pytest.raises(ActionStopped) as refused:
        intake(coach, name="zoë smith", born=BORN)
    assert stopped_by(refused) == [("S1", rules.REENTRY_DECLINED.format(clause="S1"))]
    assert Client.objects.filter(coach=coach).count() == 1  # nothing saved
    assert findings(coach, "S1") == 2  # the decline, then the refused re-entry

    result = intake(coach, name="ZOË SMITH", born=BORN, reentry_explanation=f"  {EXPLANATION} ")
    assert result.client.status == Client.Status.ACTIVE
    saved = Intake.objects.select_related("data_key").get(pk=result.intake.pk)
    assert saved.reentry_of_id == earlier.pk and saved.reentry_explanation == EXPLANATION
    event = AuditEvent.objects.get(coach=coach, action="intake.reentered")
    assert event.clause_list == ["S1"] and event.details == {"earlier_intake": str(earlier.pk)}
    assert EXPLANATION not in str(event.details)


def test_s2_a_crisis_decline_is_shown_with_its_clause_when_the_person_comes_back(coach, vault):
    intake(coach, name="Robin Ash", born=BORN, suicidal_thoughts=True, intent_or_plan=True)
    with pytest.raises(ActionStopped) as refused:
        intake(coach, name="Robin Ash", born=BORN)
    assert stopped_by(refused) == [("S2", rules.REENTRY_DECLINED.format(clause="S2"))]
    earlier = services.earlier_decline_of(coach=coach, name="robin  ash", date_of_birth=BORN)
    assert earlier.decline_reason == "S2"
    assert "under S2 (Needs crisis care (S2))" in services.reentry_message(earlier)


def test_s2_the_same_answers_again_decline_again_without_waiting_for_an_explanation(coach, vault):
    intake(coach, name="Robin Ash", born=BORN, suicidal_thoughts=True, intent_or_plan=True)
    again = intake(coach, name="Robin Ash", born=BORN, suicidal_thoughts=True, intent_or_plan=True)
    # A person in crisis goes straight to the crisis protocol, not to a form to fill in.
    assert again.crisis and again.intake.decline_reason == "S2" and again.intake.reentry_of is None


def test_s9_a_minor_declined_under_a_higher_age_cannot_be_re_entered_unexplained(coach, vault):
    practice.profile_update(
        coach=coach, country="GB", region="", age_of_majority=20, crisis_line="", emergency_number=""
    )
    assert intake(coach, name="Kim Lowe", age=19).intake.decline_reason == "S9"
    practice.profile_update(
        coach=coach, country="GB", region="", age_of_majority=18, crisis_line="", emergency_number=""
    )
    with pytest.raises(ActionStopped) as refused:
        intake(coach, name="Kim Lowe", age=19)
    assert [f.clause for f in refused.value.verdict.blocks] == ["S9"]
    explained = intake(coach, name="Kim Lowe", age=19, reentry_explanation="My practice age is 18 again.")
    assert explained.client.status == Client.Status.ACTIVE


def test_s1_a_decline_for_capacity_is_not_a_safety_decline(coach, vault):
    intake(coach, name="Full Up", born=BORN, decline_reason="capacity")
    assert intake(coach, name="Full Up", born=BORN).client.status == Client.Status.ACTIVE


def test_s2_once_taken_on_after_an_explained_re_entry_the_person_is_not_asked_again(coach, vault):
    intake(coach, name="Robin Ash", born=BORN, suicidal_thoughts=True, intent_or_plan=True)
    intake(coach, name="Robin Ash", born=BORN, reentry_explanation=EXPLANATION)
    assert intake(coach, name="Robin Ash", born=BORN).client.status == Client.Status.ACTIVE


def test_s2_another_coachs_decline_does_not_match(coach, other_coach, vault):
    with unlocked(open_vault(other_coach)):
        intake(other_coach, name="Robin Ash", born=BORN, suicidal_thoughts=True, intent_or_plan=True)
        theirs = Intake.objects.get(coach=other_coach).identity_index
    result = intake(coach, name="Robin Ash", born=BORN)
    assert result.client.status == Client.Status.ACTIVE
    # The key is the coach's own: the same person gives another index in another practice.
    assert result.intake.identity_index != theirs


def test_s1_a_decline_recorded_before_the_index_existed_is_found_too(coach, vault):
    earlier = intake(coach, name="Robin Ash", born=BORN, self_harm=True).intake
    Intake.objects.filter(pk=earlier.pk).update(identity_index="")
    with pytest.raises(ActionStopped):
        intake(coach, name="Robin Ash", born=BORN)
    assert Intake.objects.get(pk=earlier.pk).identity_index  # indexed on the way, and kept


def test_s2_the_index_is_a_keyed_hash_never_the_name_or_birth_date(coach, vault):
    intake_ = intake(coach, name="Robin Ash", born=BORN).intake
    index = Intake.objects.get(pk=intake_.pk).identity_index
    assert len(index) == 64 and int(index, 16) >= 0
    assert "robin" not in index.lower() and BORN.isoformat() not in index
    assert index == services.identity_index(name=" robin   ASH ", date_of_birth=BORN)
    assert index != services.identity_index(name="Robin Ash", date_of_birth=years_ago(35))


WORD = st.text(st.characters(blacklist_categories=("Z", "C")), min_size=1, max_size=8)


@given(words=st.lists(WORD, min_size=1, max_size=4))
def test_it_normalises_spacing_and_unicode_forms_of_a_name(words):
    name = " ".join(words)
    spaced = "  " + "   ".join(unicodedata.normalize("NFD", word) for word in words) + " "
    assert services.identity_text(name=spaced, date_of_birth=BORN) == services.identity_text(
        name=name, date_of_birth=BORN
    )


def test_it_matches_composed_and_decomposed_accents_and_case():
    composed, decomposed = "Zo\u00eb  Smith", "zoe\u0308 smith"
    assert services.identity_text(name=composed, date_of_birth=BORN) == services.identity_text(
        name=decomposed, date_of_birth=BORN
    )
    assert services.identity_text(name="Zoë Smith", date_of_birth=BORN).startswith("zoë smith|")


# -- pages ------------------------------------------------------------------------------------


def test_s2_the_intake_page_shows_the_earlier_decline_and_asks_why_the_answers_changed(coach_client, coach):
    with unlocked(open_vault(coach)):
        intake(coach, name="Robin Ash", born=BORN, suicidal_thoughts=True, intent_or_plan=True)
    data = form_data(name="robin ash", date_of_birth=BORN.isoformat())
    response = coach_client.post(reverse("clients:intake"), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert escape(rules.REENTRY_DECLINED.format(clause="S2")) in page
    assert "declined at an earlier intake" in page and "<strong>S2</strong>" in page
    assert "Write why the answers are different now." in page  # the field says what is missing
    assert Client.objects.filter(coach=coach).count() == 1

    response = coach_client.post(reverse("clients:intake"), {**data, "reentry_explanation": EXPLANATION})
    client = Client.objects.get(coach=coach, status=Client.Status.ACTIVE)
    assert response["Location"] == reverse("clients:detail", args=[client.pk])
    detail = coach_client.get(response["Location"]).content.decode()
    assert escape(EXPLANATION) in detail and "<strong>S2</strong>" in detail


def test_s1_s2_s9_re_entries_are_counted_in_the_compliance_report(coach_client, coach):
    with unlocked(open_vault(coach)):
        intake(coach, name="Robin Ash", born=BORN, self_harm=True)
        intake(coach, name="Robin Ash", born=BORN, reentry_explanation=EXPLANATION)
    page = coach_client.get(reverse("standards:compliance")).content.decode()
    assert "1 new intake of a person declined earlier under S1" in page
    assert "0 new intakes of a person declined earlier under S2" in page


def test_s9_a_new_date_of_birth_under_the_same_name_still_answers_the_age_decline(coach, vault):
    intake(coach, name="Kit Young", age=15)
    with pytest.raises(ActionStopped) as stopped:
        intake(coach, name="kit  young", age=19)
    assert [clause for clause, _ in stopped_by(stopped)] == ["S9"]
    assert not Client.objects.filter(coach=coach, status=Client.Status.ACTIVE).exists()
    result = intake(
        coach, name="Kit Young", age=19, reentry_explanation="The first date of birth was mistyped."
    )
    assert result.client.status == Client.Status.ACTIVE and result.intake.reentry_of is not None


def test_s2_declining_the_same_person_again_needs_no_explanation_and_is_no_re_entry(coach, vault):
    intake(coach, name="Robin Ash", born=BORN, suicidal_thoughts=True, intent_or_plan=True)
    result = intake(coach, name="Robin Ash", born=BORN, decline_reason="capacity")
    assert result.client.status == Client.Status.DECLINED
    assert result.intake.reentry_of is None
    assert not AuditEvent.objects.filter(coach=coach, action="intake.reentered").exists()


def test_s2_a_minor_with_passive_thoughts_is_referred_on_not_followed_up(coach, vault):
    result = intake(coach, age=15, suicidal_thoughts=True)
    items = OpenItem.objects.filter(coach=coach, resolved_at=None)
    assert result.client.status == Client.Status.DECLINED
    assert sorted(items.values_list("clause", "record_types")) == [("S9", "youth_referral")]

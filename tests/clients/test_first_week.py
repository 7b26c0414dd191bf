"""Intake explains itself, goals read as they should, and a paused client can come back (issue 11)."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from ethos.audit.models import AuditEvent
from ethos.clients import endings, goals
from ethos.clients.forms import GoalProgressForm
from ethos.clients.models import Client, Ending, Goal
from ethos.practice import services as practice
from ethos.standards.models import OpenItem
from ethos.standards.rules import S1_AT_RISK, S9_REFERRAL
from ethos.vault.context import unlocked
from tests.conftest import open_vault

from .conftest import client_confirms, intake, vetted_resource
from .test_intake import form_data

pytestmark = pytest.mark.django_db

WORDS = "Sleep through the night without checking the locks"


# -- item 5: intake explains itself ---------------------------------------------------------


def test_s9_the_decline_page_names_the_clause_why_and_the_referral_owed(coach_client, coach):
    response = coach_client.post(reverse("clients:intake"), form_data(date_of_birth="2015-01-01"))
    client = Client.objects.get(coach=coach)
    assert client.status == Client.Status.DECLINED
    assert response["Location"] == reverse("clients:intake_declined", args=[client.pk])
    page = coach_client.get(response["Location"]).content.decode()
    assert "declined this intake under S9" in page and "Adults only" in page
    assert "the age of majority that applies is 18" in page
    assert S9_REFERRAL in page
    assert reverse("clients:refer", args=[client.pk]) in page
    item = OpenItem.objects.get(coach=coach, clause="S9", resolved_at__isnull=True)
    assert reverse("standards:open_item", args=[item.pk]) in page


def test_s1_the_decline_page_says_why(coach_client, coach):
    response = coach_client.post(reverse("clients:intake"), form_data(substance_uncontrolled="yes"))
    page = coach_client.get(response["Location"]).content.decode()
    assert "under S1" in page and S1_AT_RISK.replace("'", "&#x27;") in page
    assert "addiction, medical or self-harm service" in page


def test_s2_the_crisis_page_names_the_clause_and_the_referral_owed(coach_client, coach):
    response = coach_client.post(
        reverse("clients:intake"), form_data(suicidal_thoughts="yes", intent_or_plan="yes")
    )
    client = Client.objects.get(coach=coach)
    assert response["Location"] == reverse("clients:crisis", args=[client.pk])
    page = coach_client.get(response["Location"]).content.decode()
    assert "declined this intake under <strong>S2" in page
    assert "referral to a crisis line or mental-health service" in page
    assert reverse("clients:refer", args=[client.pk]) in page


def test_s9_the_decline_page_shows_concerns_by_name(coach_client, coach):
    response = coach_client.post(
        reverse("clients:intake"), form_data(date_of_birth="2015-01-01", concern_areas=["grief-and-loss"])
    )
    page = coach_client.get(response["Location"]).content.decode()
    assert "Grief and loss" in page and "grief-and-loss" not in page


def test_s1_a_decline_the_coach_chose_goes_to_the_client_page_not_the_codes(coach_client, coach):
    response = coach_client.post(reverse("clients:intake"), form_data(decline_reason="S1"))
    client = Client.objects.get(coach=coach)
    assert client.status == Client.Status.DECLINED
    assert response["Location"] == reverse("clients:detail", args=[client.pk])
    page = coach_client.get(reverse("clients:intake_declined", args=[client.pk]))
    assert page["Location"] == reverse("clients:detail", args=[client.pk])


def test_the_decline_page_of_an_accepted_client_goes_to_their_page(coach_client, coach):
    coach_client.post(reverse("clients:intake"), form_data())
    client = Client.objects.get(coach=coach)
    response = coach_client.get(reverse("clients:intake_declined", args=[client.pk]))
    assert response["Location"] == reverse("clients:detail", args=[client.pk])


def test_the_decline_page_is_a_404_for_another_coach(coach_client, coach, other_client):
    coach_client.post(reverse("clients:intake"), form_data(date_of_birth="2015-01-01"))
    client = Client.objects.get(coach=coach)
    assert other_client.get(reverse("clients:intake_declined", args=[client.pk])).status_code == 404


def test_an_error_summary_links_to_each_field_and_is_focusable(coach_client):
    response = coach_client.post(reverse("clients:intake"), form_data(name="", date_of_birth="not a date"))
    page = response.content.decode()
    start = page.index('class="error-summary')
    summary = page[start : page.index("</div>", start)]
    assert 'tabindex="-1"' in summary and 'role="alert"' in summary
    assert 'href="#id_name"' in summary and 'href="#id_date_of_birth"' in summary
    assert 'id="id_name"' in page and 'id="id_date_of_birth"' in page


def test_every_aria_describedby_points_at_an_element_that_exists(coach_client):
    response = coach_client.post(
        reverse("clients:intake"), form_data(name="", suicidal_thoughts="", date_of_birth="x")
    )
    page = response.content.decode()
    ids = set(re.findall(r'\sid="([^"]+)"', page))
    described = [i for value in re.findall(r'aria-describedby="([^"]+)"', page) for i in value.split()]
    assert "id_name_error" in described and "id_suicidal_thoughts_error" in described
    assert set(described) <= ids


def test_optional_fields_say_so_and_required_ones_do_not(coach_client):
    page = coach_client.get(reverse("clients:intake")).content.decode()
    assert re.search(r'<label for="id_phone">Phone <span class="field__optional">\(optional\)</span>', page)
    assert re.search(r'<label for="id_name">Full name\s*</label>', page)
    assert page.count("(optional)") >= 5
    assert "(optional) <span" not in page  # a label that says it already is not told twice


# -- item 6: goals and progress -------------------------------------------------------------


@pytest.fixture
def robin(coach):
    with unlocked(open_vault(coach)):
        return intake(coach, name="Robin Ash").client


def confirmed_goal(coach, client, *scores):
    with unlocked(open_vault(coach)):
        goal = goals.goal_create(coach=coach, client=client, words=WORDS)
        client_confirms(coach, goal)
        for score in scores:
            goals.goal_progress_add(coach=coach, goal=goal, recorded_on=timezone.localdate(), score=score)
    return goal


def test_the_progress_day_is_prefilled_as_an_iso_date(coach_client, coach, robin):
    goal = confirmed_goal(coach, robin)
    page = coach_client.get(reverse("clients:goal_progress", args=[robin.pk, goal.pk])).content.decode()
    today = timezone.localdate().isoformat()
    assert re.search(rf'<input type="date" name="recorded_on" value="{today}"', page)
    with unlocked(open_vault(coach)):
        assert 'value="' + today in str(GoalProgressForm(goal=goal)["recorded_on"])


def test_p5_make_it_active_is_not_offered_for_an_unconfirmed_goal(coach_client, coach, robin):
    with unlocked(open_vault(coach)):
        goal = goals.goal_create(coach=coach, client=robin, words=WORDS)
    page = coach_client.get(reverse("clients:goal_detail", args=[robin.pk, goal.pk])).content.decode()
    assert escape(goals.CONFIRMED_IN_PORTAL_ONLY) in page
    assert "Make it active" not in page


def test_the_goal_page_shows_its_progress_chart(coach_client, coach, robin):
    goal = confirmed_goal(coach, robin, 3, 5)
    page = coach_client.get(reverse("clients:goal_detail", args=[robin.pk, goal.pk])).content.decode()
    assert '<svg class="chart"' in page


def status_of(client) -> str:
    return Client.objects.values_list("status", flat=True).get(pk=client.pk)


def pause(coach, client, harbour):
    with unlocked(open_vault(coach)):
        return endings.client_release(
            coach=coach,
            client=client,
            kind=Ending.Kind.PAUSE,
            initiated_by=Ending.InitiatedBy.COACH,
            explanation="A break for my health.",
            explained_on=timezone.localdate(),
            explained_how="in_session",
            referral_resources=[harbour],
        )


@pytest.fixture
def harbour(coach):
    with unlocked(open_vault(coach)):
        return vetted_resource(coach)


def test_a_paused_client_can_be_resumed_from_their_page(coach_client, coach, robin, harbour):
    pause(coach, robin, harbour)
    page = coach_client.get(reverse("clients:detail", args=[robin.pk])).content.decode()
    assert reverse("clients:resume", args=[robin.pk]) in page
    response = coach_client.post(reverse("clients:resume", args=[robin.pk]))
    assert response["Location"] == reverse("clients:detail", args=[robin.pk])
    assert status_of(robin) == Client.Status.ACTIVE
    assert AuditEvent.objects.filter(coach=coach, action="client.resumed", target_id=str(robin.pk)).exists()
    page = coach_client.get(reverse("clients:detail", args=[robin.pk])).content.decode()
    assert reverse("clients:resume", args=[robin.pk]) not in page


def test_s5_is_checked_again_when_a_paused_client_returns(coach, harbour):
    practice.competence_update(coach=coach, areas=["grief-and-loss"])
    with unlocked(open_vault(coach)):
        client = intake(coach, concerns=["grief-and-loss"]).client
    assert not OpenItem.objects.filter(coach=coach, clause="S5").exists()
    pause(coach, client, harbour)
    practice.competence_update(coach=coach, areas=[])
    with unlocked(open_vault(coach)):
        endings.client_resume(coach=coach, client=client)
    assert status_of(client) == Client.Status.ACTIVE
    item = OpenItem.objects.get(coach=coach, clause="S5", subject_id=str(client.pk))
    assert item.resolved_at is None and item.point == "client.activate"


def test_only_a_paused_client_can_be_resumed(coach, robin):
    with unlocked(open_vault(coach)), pytest.raises(ValidationError) as refused:
        endings.client_resume(coach=coach, client=robin)
    assert endings.CANNOT_RESUME in refused.value.messages


def test_resuming_another_coachs_client_is_a_404(coach, other_client, robin, harbour):
    pause(coach, robin, harbour)
    assert other_client.post(reverse("clients:resume", args=[robin.pk])).status_code == 404
    assert status_of(robin) == Client.Status.PAUSED


def test_an_ended_clients_goals_are_read_only(coach_client, coach, robin, harbour):
    goal = confirmed_goal(coach, robin, 4)
    with unlocked(open_vault(coach)):
        endings.client_release(
            coach=coach,
            client=robin,
            kind=Ending.Kind.END,
            initiated_by=Ending.InitiatedBy.COACH,
            explanation="We reached what we set out to do.",
            explained_on=timezone.localdate(),
            explained_how="in_session",
            referral_resources=[harbour],
        )
        with pytest.raises(ValidationError) as refused:
            goals.goal_progress_add(coach=coach, goal=goal, recorded_on=timezone.localdate(), score=6)
        assert goals.GOALS_READ_ONLY in refused.value.messages
        with pytest.raises(ValidationError):
            goals.goal_set_status(coach=coach, goal=goal, status=Goal.Status.REACHED)
    page = coach_client.get(reverse("clients:goal_detail", args=[robin.pk, goal.pk])).content.decode()
    assert "read-only" in page and "Record progress" not in page and "Change its status" not in page
    response = coach_client.post(
        reverse("clients:goal_progress", args=[robin.pk, goal.pk]),
        {"recorded_on": timezone.localdate().isoformat(), "score": "6"},
    )
    assert response["Location"] == reverse("clients:goal_detail", args=[robin.pk, goal.pk])
    assert response.status_code == 302
    assert coach_client.get(reverse("clients:goal_new", args=[robin.pk])).status_code == 302
    assert goal.progress.count() == 1


def test_p11_an_ended_clients_contact_details_are_read_only(coach, coach_client, vault):
    from ethos.clients import services

    robin = intake(coach).client
    endings.client_release(
        coach=coach,
        client=robin,
        kind="end",
        initiated_by="client",
        client_reason="Ready to go on alone",
        referral_resources=[vetted_resource(coach)],
        referral_declined=True,
    )
    robin.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        services.client_contact_update(
            coach=coach,
            client=robin,
            contact={"email": "x@example.org"},
            preferred_name="",
            pronouns="",
            emergency_contact=None,
        )
    assert error.value.messages == [services.CONTACT_READ_ONLY]
    page = coach_client.get(reverse("clients:detail", args=[robin.pk])).content.decode()
    assert reverse("clients:contact", args=[robin.pk]) not in page
    posted = coach_client.post(reverse("clients:contact", args=[robin.pk]), {"email": "y@example.org"})
    assert posted.status_code == 200 and escape(services.CONTACT_READ_ONLY) in posted.content.decode()

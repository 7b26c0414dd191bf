"""Open items name their subject for its coach only and lead to the form that resolves them (S9)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from ethos.clients.models import Client
from ethos.referrals.models import Resource
from ethos.standards.models import OpenItem
from ethos.standards.record_types import RecordType
from ethos.vault.context import unlocked
from tests.clients.conftest import client_confirms, intake, vetted_resource
from tests.conftest import open_vault

pytestmark = pytest.mark.django_db


def declined_minor(coach, name="Young Person"):
    with unlocked(open_vault(coach)):
        result = intake(coach, name=name, age=16)
    assert result.client.status == Client.Status.DECLINED
    item = OpenItem.objects.get(coach=coach, subject_id=str(result.client.pk))
    assert item.clause == "S9" and RecordType.YOUTH_REFERRAL in item.record_type_list
    return result.client, item


def test_s9_the_open_item_names_the_client_and_links_to_the_referral_form(coach, coach_client):
    with unlocked(open_vault(coach)):
        vetted_resource(coach, name="Aardvark Legal", kind=Resource.Kind.LEGAL)
        youth = vetted_resource(coach, name="Youth Harbour", kind=Resource.Kind.YOUTH)
    client, item = declined_minor(coach)
    page = coach_client.get(reverse("standards:open_item", args=[item.pk])).content.decode()
    assert "Young Person" in page and reverse("clients:detail", args=[client.pk]) in page
    refer = f"{reverse('clients:refer', args=[client.pk])}?item={item.pk}&amp;record=youth_referral"
    assert refer in page
    assert "not in this version" not in page

    form = coach_client.get(refer.replace("&amp;", "&")).context["form"]
    assert form["resource"].value() == str(youth.pk)  # the service for young people, not the first by name


def test_s9_recording_the_referral_from_the_item_comes_back_to_it_resolved(coach, coach_client):
    with unlocked(open_vault(coach)):
        youth = vetted_resource(coach, name="Youth Harbour", kind=Resource.Kind.YOUTH)
    client, item = declined_minor(coach)
    url = f"{reverse('clients:refer', args=[client.pk])}?item={item.pk}&record=youth_referral"
    response = coach_client.post(url, {"resource": str(youth.pk), "reason": "A service for under-18s"})
    assert response.status_code == 302
    assert response["Location"] == reverse("standards:open_item", args=[item.pk])
    item.refresh_from_db()
    assert not item.is_open and item.resolved_record_type == RecordType.YOUTH_REFERRAL
    page = coach_client.get(response["Location"]).content.decode()
    assert "Resolved" in page and "a referral to a service for young people you have vetted" in page


def test_it_ignores_an_item_of_another_coach_and_goes_back_to_the_client(coach, other_coach, coach_client):
    with unlocked(open_vault(coach)):
        youth = vetted_resource(coach, name="Youth Harbour", kind=Resource.Kind.YOUTH)
    client, _ = declined_minor(coach)
    _, theirs = declined_minor(other_coach, name="Their Person")
    url = f"{reverse('clients:refer', args=[client.pk])}?item={theirs.pk}"
    response = coach_client.post(url, {"resource": str(youth.pk), "reason": "A service for under-18s"})
    assert response["Location"] == reverse("clients:detail", args=[client.pk])
    response = coach_client.post(f"{url[: url.index('?')]}?item=not-a-uuid", {"resource": "x", "reason": "x"})
    assert response.status_code == 200  # an unknown resource is a form error, the odd item harmless


def test_s9_a_second_coach_gets_404_for_the_item_and_sees_no_name(coach, other_client):
    _, item = declined_minor(coach)
    response = other_client.get(reverse("standards:open_item", args=[item.pk]))
    assert response.status_code == 404 and "Young Person" not in response.content.decode()
    dashboard = other_client.get(reverse("home")).content.decode()
    assert "Young Person" not in dashboard and "Nothing is waiting for a record." in dashboard


def test_it_keeps_no_name_in_the_stored_item(coach):
    _, item = declined_minor(coach)
    stored = " ".join(str(value) for value in OpenItem.objects.filter(pk=item.pk).values().get().values())
    assert "Young Person" not in stored


@pytest.mark.parametrize("count", [1, 12])
def test_the_dashboard_names_every_item_in_bounded_queries(
    coach, coach_client, count, django_assert_max_num_queries
):
    for number in range(count):
        declined_minor(coach, name=f"Young Person {number}")
    # The same for 1 or 12 items; two of them are this year's continuing education (P13) and
    # the reports-owed banner every coach page reads (C3), one the open ethics cases about the
    # coach (E1).
    with django_assert_max_num_queries(19):
        page = coach_client.get(reverse("home")).content.decode()
    assert all(f"Young Person {number}" in page for number in range(count))


def test_the_declined_owed_filter_lists_the_person(coach, coach_client):
    declined_minor(coach)
    with unlocked(open_vault(coach)):
        intake(coach, name="Capacity Decline", decline_reason="capacity")
    page = coach_client.get(reverse("clients:list"), {"status": "owed"}).content.decode()
    assert "Young Person" in page and "Referral owed" in page and "Capacity Decline" not in page
    assert "Declined, referral owed" in page


def test_the_item_page_of_a_goal_links_to_the_goal_which_says_how_the_client_confirms(coach, coach_client):
    from ethos.clients import goals
    from ethos.standards.engine import ActionStopped

    with unlocked(open_vault(coach)):
        client = intake(coach, name="Robin Ash").client
        goal = goals.goal_create(coach=coach, client=client, words="Sleep through the night")
        with pytest.raises(ActionStopped):
            goals.goal_activate(coach=coach, goal=goal)
    item = OpenItem.objects.get(coach=coach, subject_type="goal")
    page = coach_client.get(reverse("standards:open_item", args=[item.pk])).content.decode()
    assert "A goal of Robin Ash" in page
    goal_url = f"{reverse('clients:goal_detail', args=[client.pk, goal.pk])}?item={item.pk}"
    assert goal_url in page
    assert escape(goals.CONFIRMED_IN_PORTAL_ONLY) in coach_client.get(goal_url).content.decode()


def test_s2_the_item_leads_to_the_safety_check_then_its_follow_up_and_back(coach, coach_client):
    from django.utils import timezone

    from ethos.clients.models import SafetyCheck

    with unlocked(open_vault(coach)):
        client = intake(coach, name="Sam Reed", suicidal_thoughts=True).client
    item = OpenItem.objects.get(coach=coach, clause="S2", resolved_at__isnull=True)
    item_url = reverse("standards:open_item", args=[item.pk])
    check_url = f"{reverse('clients:safety_check', args=[client.pk])}?item={item.pk}"
    assert check_url in coach_client.get(item_url).content.decode()
    today = timezone.localdate()
    response = coach_client.post(
        check_url,
        {
            "checked_on": today.isoformat(),
            "summary": "Asked about the thoughts; she had not thought of acting.",
            "safety_plan": "Her sister is staying this week.",
            "follow_up_on": today.isoformat(),
        },
    )
    assert response["Location"] == item_url  # the item waits for the follow-up, and says where
    record = SafetyCheck.objects.get()
    follow_up_url = f"{reverse('clients:safety_follow_up', args=[client.pk, record.pk])}?item={item.pk}"
    assert follow_up_url in coach_client.get(item_url).content.decode()
    response = coach_client.post(
        follow_up_url, {"followed_up_on": today.isoformat(), "note": "She is sleeping better."}
    )
    assert response["Location"] == item_url
    item.refresh_from_db()
    assert not item.is_open


def test_p5_the_clients_own_confirmation_resolves_the_goals_open_item(coach, vault):
    from ethos.clients import goals
    from ethos.clients.models import Goal
    from ethos.standards.engine import ActionStopped
    from tests.clients.conftest import intake as take

    robin = take(coach).client
    goal = goals.goal_create(coach=coach, client=robin, words="Sleep through the night")
    with pytest.raises(ActionStopped):
        goals.goal_activate(coach=coach, goal=goal)
    [item] = OpenItem.objects.filter(coach=coach, clause="P5", resolved_at=None)
    client_confirms(coach, goal)  # in their portal: the one way a goal is confirmed
    assert Goal.objects.get(pk=goal.pk).status == Goal.Status.ACTIVE
    item.refresh_from_db()
    assert not item.is_open

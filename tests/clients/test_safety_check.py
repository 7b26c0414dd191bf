"""S2 at intake: thoughts of death without intent or plan need a safety check and a follow-up."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from ethos.audit.models import AuditEvent
from ethos.clients import services
from ethos.clients.models import SafetyCheck
from ethos.standards import rules
from ethos.standards.models import OpenItem
from ethos.vault.context import unlocked
from tests.conftest import open_vault

from .conftest import intake

pytestmark = pytest.mark.django_db

SUMMARY = "Asked about the thoughts, how often, and whether she had thought of acting: she had not."
PLAN = "Her sister is staying this week; she has the crisis line number saved."
FOLLOW_UP = "Sleeping better; the thoughts come less often. We agreed she calls her sister if they return."


def today() -> datetime.date:
    return timezone.localdate()


def days(n: int) -> datetime.date:
    return today() + datetime.timedelta(days=n)


@pytest.fixture
def sam(coach):
    with unlocked(open_vault(coach)):
        return intake(coach, name="Sam Reed", suicidal_thoughts=True).client


def open_safety_items(coach):
    return OpenItem.objects.for_coach(coach).open().filter(clause="S2", record_types="safety_follow_up")


def check(coach, client, **changes):
    data = {
        "checked_on": today(),
        "summary": SUMMARY,
        "safety_plan": PLAN,
        "follow_up_on": days(7),
        **changes,
    }
    return services.safety_check_record(coach=coach, client=client, **data)


def test_s2_the_safety_check_item_stays_open_until_a_check_and_follow_up_are_recorded(coach, sam):
    [item] = open_safety_items(coach)
    assert item.message == rules.S2_PASSIVE
    with unlocked(open_vault(coach)):
        record = check(coach, sam)
    item.refresh_from_db()
    assert item.is_open  # the check alone does not close it: the follow-up has to happen
    with unlocked(open_vault(coach)):
        saved = SafetyCheck.objects.select_related("data_key").get(pk=record.pk)
        assert saved.summary == SUMMARY and saved.safety_plan == PLAN and saved.follow_up_on == days(7)
    event = AuditEvent.objects.get(coach=coach, action="intake.safety_check_recorded")
    assert event.clause_list == ["S2"] and SUMMARY not in str(event.details)

    with unlocked(open_vault(coach)):
        services.safety_follow_up_record(coach=coach, check=saved, followed_up_on=today(), note=FOLLOW_UP)
    item.refresh_from_db()
    assert item.resolved_record_type == "safety_follow_up" and item.resolved_record_id == str(record.pk)
    event = AuditEvent.objects.get(coach=coach, action="intake.safety_followed_up")
    assert event.clause_list == ["S2"] and FOLLOW_UP not in str(event.details)


def test_s2_a_backdated_check_or_follow_up_is_refused(coach, sam):
    with unlocked(open_vault(coach)), pytest.raises(ValidationError) as error:
        check(coach, sam, checked_on=datetime.date(1, 1, 1), follow_up_on=datetime.date(1, 1, 5))
    assert error.value.messages == [services.SAFETY_CHECK_BEFORE_INTAKE]
    with unlocked(open_vault(coach)):
        record = check(coach, sam)
        for day, message in (
            (days(-1), services.FOLLOWED_UP_BEFORE_CHECK),
            (days(1), services.FOLLOW_UP_IN_FUTURE),
        ):
            with pytest.raises(ValidationError) as error:
                services.safety_follow_up_record(
                    coach=coach, check=record, followed_up_on=day, note=FOLLOW_UP
                )
            assert error.value.messages == [message]
        services.safety_follow_up_record(coach=coach, check=record, followed_up_on=today(), note=FOLLOW_UP)
        with pytest.raises(ValidationError) as error:
            services.safety_follow_up_record(coach=coach, check=record, followed_up_on=today(), note="again")
        assert error.value.messages == [services.ALREADY_FOLLOWED_UP]
    assert open_safety_items(coach).count() == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"checked_on": days(1)}, services.SAFETY_CHECK_IN_FUTURE),
        ({"follow_up_on": days(-1)}, services.FOLLOW_UP_BEFORE_CHECK),
        ({"follow_up_on": days(15)}, services.FOLLOW_UP_TOO_FAR.format(days=14)),
        ({"summary": "   "}, services.SAFETY_CHECK_TEXT_NEEDED),
    ],
)
def test_s2_a_safety_check_without_a_near_follow_up_is_refused(coach, sam, changes, message):
    with unlocked(open_vault(coach)), pytest.raises(ValidationError) as error:
        check(coach, sam, **changes)
    assert error.value.messages == [message]
    assert not SafetyCheck.objects.exists() and open_safety_items(coach).count() == 1


def test_s2_another_coach_cannot_record_a_check_for_my_client(coach, other_coach, sam):
    with unlocked(open_vault(other_coach)), pytest.raises(PermissionError):
        check(other_coach, sam)


# -- pages ------------------------------------------------------------------------------------


def test_s2_the_open_item_links_to_the_people_waiting_and_the_form_records_it(coach, coach_client, sam):
    [item] = open_safety_items(coach)
    item_page = coach_client.get(reverse("standards:open_item", args=[item.pk])).content.decode()
    # The item opens the safety check form for this person and comes back to the item.
    assert f"{reverse('clients:safety_check', args=[sam.pk])}?item={item.pk}" in item_page
    waiting = coach_client.get(reverse("clients:safety_checks")).content.decode()
    url = reverse("clients:safety_check", args=[sam.pk])
    assert url in waiting and "Sam Reed" in waiting
    assert url in coach_client.get(reverse("clients:detail", args=[sam.pk])).content.decode()

    response = coach_client.post(
        url,
        {
            "checked_on": today().isoformat(),
            "summary": SUMMARY,
            "safety_plan": PLAN,
            "follow_up_on": days(5).isoformat(),
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("clients:detail", args=[sam.pk])
    assert open_safety_items(coach).count() == 1  # waiting for the follow-up
    detail = coach_client.get(response["Location"]).content.decode()
    assert "Safety checks (S2)" in detail and escape(PLAN) in detail
    record = SafetyCheck.objects.get()
    follow_up_url = reverse("clients:safety_follow_up", args=[sam.pk, record.pk])
    assert follow_up_url in detail

    junk = coach_client.post(follow_up_url, {"followed_up_on": "not a day", "note": "<script>x</script>"})
    assert junk.status_code == 200 and open_safety_items(coach).count() == 1
    done = coach_client.post(follow_up_url, {"followed_up_on": today().isoformat(), "note": FOLLOW_UP})
    assert done.status_code == 302 and not open_safety_items(coach).exists()
    detail = coach_client.get(done["Location"]).content.decode()
    assert escape(FOLLOW_UP) in detail and follow_up_url not in detail
    assert "Nobody is waiting" in coach_client.get(reverse("clients:safety_checks")).content.decode()


def test_s2_another_coach_gets_404_on_the_follow_up_page(coach, sam, other_client):
    with unlocked(open_vault(coach)):
        record = check(coach, sam)
    url = reverse("clients:safety_follow_up", args=[sam.pk, record.pk])
    assert other_client.get(url).status_code == 404
    assert other_client.post(url, {"followed_up_on": today().isoformat(), "note": "x"}).status_code == 404
    assert SafetyCheck.objects.get().followed_up_on is None


def test_s2_the_form_says_what_is_wrong_and_saves_nothing(coach_client, sam):
    response = coach_client.post(
        reverse("clients:safety_check", args=[sam.pk]),
        {"checked_on": today().isoformat(), "summary": SUMMARY, "safety_plan": PLAN, "follow_up_on": "soon"},
    )
    assert response.status_code == 200 and "Enter the day as a date" in response.content.decode()
    response = coach_client.post(
        reverse("clients:safety_check", args=[sam.pk]),
        {
            "checked_on": today().isoformat(),
            "summary": SUMMARY,
            "safety_plan": PLAN,
            "follow_up_on": days(30).isoformat(),
        },
    )
    assert escape(services.FOLLOW_UP_TOO_FAR.format(days=14)) in response.content.decode()
    assert not SafetyCheck.objects.exists()


def test_s2_the_safety_check_pages_are_a_404_for_another_coach(coach, sam, other_client):
    url = reverse("clients:safety_check", args=[sam.pk])
    assert other_client.get(url).status_code == 404
    assert other_client.post(url, {"summary": "x"}).status_code == 404
    assert "Sam Reed" not in other_client.get(reverse("clients:safety_checks")).content.decode()
    assert not SafetyCheck.objects.exists()


def test_s2_the_safety_check_pages_need_sign_in(sam):
    for url in (reverse("clients:safety_check", args=[sam.pk]), reverse("clients:safety_checks")):
        response = Browser().get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:sign_in"))


def test_s2_safety_checks_are_counted_in_the_compliance_report(coach, coach_client, sam):
    with unlocked(open_vault(coach)):
        check(coach, sam)
    page = coach_client.get(reverse("standards:compliance")).content.decode()
    assert "1 safety check recorded after thoughts of death without intent or a plan." in page

"""Issue 16, parts 5 and 6: sealed messages (not for emergencies) and the client's right to end
coaching at any time (P12), which starts the coach's ending workflow (P11)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from ethos.clients import endings
from ethos.clients.models import Client, Ending
from ethos.portal import services
from ethos.portal.models import Reply, Share
from ethos.vault.context import unlocked
from tests.clients.conftest import vetted_resource
from tests.conftest import open_vault

from .conftest import CRISIS_LINE, EMERGENCY, active_with_account, join, sign_in

pytestmark = pytest.mark.django_db


def test_messages_go_both_ways_sealed_and_the_page_says_first_it_is_not_for_emergencies(
    coach, coach_client, crisis_numbers
):
    _, account = active_with_account(coach)
    browser = sign_in(account)
    page = browser.get(reverse("portal:messages")).content.decode()
    main = page[page.index('<main id="main"') :]
    assert main.index("not for emergencies") < main.index("<form")
    assert main.index(EMERGENCY) < main.index("<form") and CRISIS_LINE in main
    assert browser.post(reverse("portal:messages"), {"text": "Can we move Thursday?"}).status_code == 302
    assert Reply.objects.get().handled_at is None

    thread = coach_client.get(reverse("portal_coach:messages", args=[account.pk]))
    assert "Can we move Thursday?" in thread.content.decode()
    assert Reply.objects.get().handled_at is not None  # read
    coach_client.post(reverse("portal_coach:messages", args=[account.pk]), {"text": "Yes, Friday at ten."})
    assert Share.objects.get(kind=Share.Kind.MESSAGE)
    both = browser.get(reverse("portal:messages")).content.decode()
    assert both.index("Can we move Thursday?") < both.index(
        "Yes, Friday at ten."
    )  # oldest first, both readable


def test_an_empty_or_too_long_message_is_refused_with_400(coach):
    _, account = active_with_account(coach)
    browser = sign_in(account)
    assert browser.post(reverse("portal:messages"), {"text": "  "}).status_code == 400
    assert browser.post(reverse("portal:messages"), {"text": "x" * 5001}).status_code == 400
    assert Reply.objects.count() == 0


def test_p12_a_client_ends_coaching_at_any_time_and_it_starts_the_coachs_ending(coach, coach_client):
    client, account = active_with_account(coach)
    browser = sign_in(account)
    assert "Stop coaching" in browser.get(reverse("portal:home")).content.decode()
    assert browser.post(reverse("portal:end"), {"reason": "Moving away"}).status_code == 400  # not ticked
    response = browser.post(reverse("portal:end"), {"reason": "Moving away", "sure": "on"})
    assert response.status_code == 302
    reply = Reply.objects.get(kind=Reply.Kind.ENDING)
    assert browser.post(reverse("portal:end"), {"sure": "on"}).status_code == 400  # told once is enough

    inbox = coach_client.get(reverse("portal_coach:home")).content.decode()
    assert reverse("portal_coach:reply", args=[reply.pk]) in inbox
    page = coach_client.get(reverse("portal_coach:reply", args=[reply.pk])).content.decode()
    assert "Moving away" in page and "P12" in page and reverse("clients:end", args=[client.pk]) in page

    with unlocked(open_vault(coach)):
        harbour = vetted_resource(coach)
        endings.client_release(
            coach=coach,
            client=client,
            kind=Ending.Kind.END,
            initiated_by=Ending.InitiatedBy.CLIENT,
            client_reason="Moving away",
            explanation="Thank you for the work we did.",
            explained_on=timezone.localdate() - datetime.timedelta(days=1),
            explained_how="letter",
            referral_resources=[harbour],
            referral_reason="Near your new home",
        )
    assert Client.objects.get(pk=client.pk).status == Client.Status.ENDED
    assert Reply.objects.get(pk=reply.pk).handled_at is not None  # answered by the ending


def test_p12_a_person_who_is_not_a_client_yet_has_nothing_to_end(coach):
    browser = sign_in(join(coach, email="new@example.org"))
    assert "Stop coaching" not in browser.get(reverse("portal:home")).content.decode()
    response = browser.post(reverse("portal:end"), {"sure": "on"})
    assert response.status_code == 400 and services.ENDING_NOT_ACTIVE in response.content.decode()

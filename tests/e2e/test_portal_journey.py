"""A client's first steps in their portal, in a browser on a phone, with the coach on the other side.

Invite -> the client chooses a passphrase -> answers the intake in their own words -> the coach
opens and records it -> the coach shares a goal -> the client rewords and confirms it -> the goal is
active, in the client's words as they confirmed them. Each page is checked with axe at 390 px.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from ethos.clients.models import Client, Goal
from ethos.portal import services as portal
from ethos.portal.models import ClientAccount, Reply, Share
from ethos.vault.context import unlocked
from tests.conftest import make_coach, open_vault

from .test_accessibility import problems, sign_in, sign_out

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("flushable_db")]
CLIENT_EMAIL = "jo.lane@example.org"
CLIENT_PASSPHRASE = "lantern orchard copper seventy tides"


def test_p5_invite_intake_goal_shared_reworded_and_confirmed_by_the_client(live_server, browser, tmp_path):
    coach = make_coach(name="Alex Rivera")
    context = browser.new_context(viewport={"width": 390, "height": 900})
    page = context.new_page()
    found = []
    try:
        # The coach invites someone who has not started coaching yet.
        sign_in(page, live_server, coach.email)
        page.goto(live_server.url + reverse("portal_coach:home"))
        page.get_by_label("Their email address").fill(CLIENT_EMAIL)
        page.get_by_role("button", name="Send the invitation").click()
        expect(page.get_by_text("The invitation is on its way")).to_be_visible()
        found += problems(page, "portal (coach), invitation sent")
        sign_out(page)
        [invitation] = mail.outbox
        assert "Jo" not in invitation.subject and CLIENT_EMAIL not in invitation.subject
        link = re.search(r"\S*/portal/join/\S+/", invitation.body).group(0)

        # The client follows the link and chooses their own passphrase.
        page.goto(live_server.url + link[link.index("/portal/join/") :])
        page.get_by_label("Choose a passphrase").fill(CLIENT_PASSPHRASE)
        page.get_by_label("Type it again").fill(CLIENT_PASSPHRASE)
        page.get_by_role("button", name="Save my passphrase").click()
        page.wait_for_url(live_server.url + reverse("portal:home"))
        found += problems(page, "portal: home, first visit")

        # The intake, in their own words.
        page.get_by_role("link", name="Start the questions").click()
        page.get_by_label("Your name").fill("Jo Lane")
        page.get_by_label("Your date of birth").fill("1990-04-27")
        page.get_by_label("What would you like to get from coaching?").fill(
            "To sleep and to trust myself again"
        )
        for question in portal.SCREENING_FIELDS:
            page.locator(f"input[name={question}][value=no]").check()
        page.get_by_role("button", name="Send my answers to my coach").click()
        page.wait_for_load_state()
        found += problems(page, "portal: intake sent")
        sign_out(page)

        # The coach opens the answers and records the intake: the usual rules run on them.
        sign_in(page, live_server, coach.email)
        page.goto(live_server.url + reverse("portal_coach:home"))
        page.get_by_role("link", name="Intake answers").click()
        expect(page.get_by_text("To sleep and to trust myself again")).to_be_visible()
        found += problems(page, "portal: the client's own intake")
        page.get_by_role("button", name="Record this intake").click()
        page.wait_for_url(re.compile(r".*/clients/[0-9a-f-]+/$"))
        client = Client.objects.get(coach=coach)
        assert client.status == Client.Status.ACTIVE

        # The coach writes a goal from what Jo said and shares it in the portal.
        page.goto(live_server.url + reverse("clients:goal_new", args=[client.pk]))
        page.get_by_label("The goal, in the client's own words").fill("Sleep better")
        page.get_by_role("button", name="Record the goal").click()
        page.wait_for_load_state()
        goal = Goal.objects.get(client=client)
        page.goto(live_server.url + reverse("clients:detail", args=[client.pk]))
        page.get_by_role("button", name=re.compile("Share in the portal")).click()
        page.wait_for_load_state()
        assert Share.objects.filter(kind=Share.Kind.GOAL).exists(), page.title()
        found += problems(page, "the goal, shared in the portal")
        sign_out(page)
        assert Goal.objects.get(pk=goal.pk).status == Goal.Status.AWAITING

        # Jo rewords it and confirms it: only this makes it active (P5).
        sign_in(page, live_server, CLIENT_EMAIL, CLIENT_PASSPHRASE, lands_on=reverse("portal:home"))
        page.get_by_role("link", name=re.compile("Read and confirm")).click()
        expect(page.locator("blockquote", has_text="Sleep better")).to_be_visible()
        found += problems(page, "portal: a goal to confirm")
        page.get_by_label("Your goal, in your own words").fill("Sleep through most nights, without pills")
        page.get_by_role("button", name="Yes, this is my goal").click()
        page.wait_for_url(live_server.url + reverse("portal:home"))
        found += problems(page, "portal: home, goal confirmed")
        page.screenshot(path=str(tmp_path / "portal-goal-confirmed.png"), full_page=True)
        sign_out(page)

        # The coach sees what Jo changed and takes up Jo's words.
        sign_in(page, live_server, coach.email)
        page.goto(live_server.url + reverse("portal_coach:home"))
        page.get_by_role("link", name="A goal confirmed").click()
        expect(page.get_by_text("Sleep through most nights, without pills")).to_be_visible()
        found += problems(page, "portal: a goal reworded")
        page.get_by_role("button", name="Use the client's words").click()
        page.wait_for_load_state()
    finally:
        context.close()
    account = ClientAccount.objects.get(user__email=CLIENT_EMAIL)
    assert account.client_id == client.pk
    assert Reply.objects.filter(account=account, kind=Reply.Kind.GOAL).exists()
    with unlocked(open_vault(coach)):
        confirmed = Goal.objects.get(pk=goal.pk)
        assert confirmed.status == Goal.Status.ACTIVE
        assert confirmed.confirmed_how == Goal.Confirmation.PORTAL
        assert confirmed.words == "Sleep through most nights, without pills"
    assert not found, "\n".join(found)

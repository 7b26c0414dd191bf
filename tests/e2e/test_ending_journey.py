"""Ending with a letter, in a browser (P11): the coach ends coaching with a vetted referral, downloads
the letter as a PDF and shares it in the portal, where the client downloads the same letter."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from ethos.clients.models import Client, Ending, Referral
from ethos.portal.coach_views import LETTER_SHARED
from ethos.portal.models import Share
from ethos.vault.context import unlocked
from tests.clients.conftest import vetted_resource
from tests.conftest import make_coach, open_vault
from tests.portal.conftest import CLIENT_PASSPHRASE, active_with_account

from .test_accessibility import problems, sign_in, sign_out

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("flushable_db")]
EXPLANATION = "I am moving abroad in the spring and cannot continue our work."


def test_p11_coaching_ends_with_a_referral_and_the_letter_is_downloaded_and_shared(live_server, browser):
    coach = make_coach(name="Alex Rivera")
    robin, account = active_with_account(coach, name="Robin Ash", email="robin@example.org")
    with unlocked(open_vault(coach)):
        harbour = vetted_resource(coach, name="Harbour Coaching")
    context = browser.new_context(viewport={"width": 390, "height": 900}, accept_downloads=True)
    page = context.new_page()
    found = []
    try:
        sign_in(page, live_server, coach.email)
        page.goto(live_server.url + reverse("clients:detail", args=[robin.pk]))
        page.get_by_role("link", name="End or pause coaching").click()
        page.get_by_label("I am ending or pausing it").check()
        page.get_by_label("End coaching").check()
        page.get_by_label("the explanation you gave the client").fill(EXPLANATION)
        page.get_by_label("the day you explained it").fill(timezone.localdate().isoformat())
        page.get_by_label("how you explained it").select_option("in_session")
        page.get_by_label("Harbour Coaching").check()
        page.get_by_label("Why these referrals").fill("A coach I trust, near Robin's work.")
        found += problems(page, "ending form, filled")
        page.get_by_role("button", name="Record the ending").click()
        expect(page.get_by_text("Coaching with Robin Ash has ended")).to_be_visible()
        expect(page.locator(".endings")).to_contain_text(EXPLANATION)

        # The letter, as the coach prints it.
        with page.expect_download() as download:
            page.get_by_role("link", name="Download the letter to the client (PDF)").click()
        letter = download.value
        assert re.fullmatch(r"ending-letter-\d{4}-\d{2}-\d{2}\.pdf", letter.suggested_filename)
        assert "Robin" not in letter.suggested_filename
        assert Path(letter.path()).read_bytes().startswith(b"%PDF")

        # Robin has a portal account: the same letter goes there.
        page.get_by_role("button", name=re.compile("Share the letter about the end coaching")).click()
        expect(page.get_by_text(LETTER_SHARED)).to_be_visible()
        found += problems(page, "client page, ended, letter shared")
        sign_out(page)

        # Robin signs in and downloads it from their records.
        page.get_by_label("Email").fill("robin@example.org")
        page.get_by_label("Passphrase").fill(CLIENT_PASSPHRASE)
        page.get_by_label("Passphrase").press("Enter")
        page.wait_for_url(live_server.url + reverse("portal:home"))
        page.goto(live_server.url + reverse("portal:records"))
        expect(page.locator("main")).to_contain_text("A letter from your coach")
        found += problems(page, "portal: records with the letter")
        with page.expect_download() as download:
            page.get_by_role("link", name=re.compile("Download A letter from your coach")).click()
        assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    finally:
        context.close()
    with unlocked(open_vault(coach)):
        robin.refresh_from_db()
        assert robin.status == Client.Status.ENDED
        ending = Ending.objects.get(client=robin)
        assert ending.kind == Ending.Kind.END and ending.explanation == EXPLANATION
        # The coach's own ending refers the client on: a referral to the vetted provider is made (P10).
        referral = Referral.objects.get(client=robin)
        assert referral.resource == harbour and referral.reason == "A coach I trust, near Robin's work."
    share = Share.objects.get(account=account, kind=Share.Kind.LETTER)
    assert share.subject_id == ending.pk
    assert not found, "\n".join(found)

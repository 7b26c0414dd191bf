"""A disclosure in a browser (C1): asked for with no consent on file, it is stopped with the clause
named and what to do; the client signs a consent in their portal, the coach records it, and the same
request goes through: the bundle is downloaded, the disclosure is in the accounting, and the client
sees it among their records.

The coach works at a desk, the client on a phone, each in their own browser context.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from ethos.audit.actions import Action
from ethos.audit.models import AuditEvent
from ethos.portal.coach_views import ACCOUNTING_SHARED, CONSENT_ASKED, SIGNATURE_RECORDED
from ethos.portal.models import Reply, Share
from ethos.safeguarding.models import Consent, Disclosure
from ethos.safeguarding.views import DISCLOSED
from ethos.standards.models import OpenItem, Tally
from ethos.standards.rules import C1_NO_BASIS, C1_NO_BASIS_RESOLUTION
from ethos.vault.context import unlocked
from tests.conftest import PASSPHRASE, make_coach, open_vault
from tests.portal.conftest import CLIENT_PASSPHRASE, active_with_account
from tests.test_pdf import pdf_text

from .test_accessibility import problems, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("flushable_db")]

CLIENT_EMAIL = "robin@example.org"
RECIPIENT = "Dr Lee, GP"
PURPOSE = "So Robin's doctor can coordinate care"
RECORDS = ("Dates of sessions held", "Goals, in the client's words")


def ask_to_share(page, *, consent: str | None) -> None:
    """Fill the one disclosure form (`disclosure.request`): on no basis, or on the consent named."""
    page.get_by_role("heading", name="Share Robin Ash's records").wait_for()
    if consent is None:
        page.get_by_label("No consent or order on file").check()
    else:
        page.get_by_label("The client's written consent").check()
        page.get_by_label("Which consent").select_option(label=consent)
    page.get_by_label("Who receives the records").fill(RECIPIENT)
    for label in RECORDS:
        page.get_by_label(label).check()
    page.get_by_label("What for").fill(PURPOSE)
    page.get_by_label("Your passphrase, to confirm it is you").fill(PASSPHRASE)
    page.get_by_role("button", name="Share the records").click()
    page.wait_for_load_state()


def events(coach, action: Action):
    return AuditEvent.objects.filter(coach=coach, action=action).order_by("seq")


def test_c1_disclosure_without_consent_is_stopped_and_with_the_clients_signed_consent_goes_out(
    live_server, browser
):
    coach = make_coach(name="Alex Rivera")
    robin, account = active_with_account(coach, name="Robin Ash", email=CLIENT_EMAIL)
    today = timezone.localdate()
    until = today + datetime.timedelta(days=90)
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    phone = browser.new_context(viewport={"width": 390, "height": 900})
    page, client_page = desk.new_page(), phone.new_page()
    found = []
    try:
        # The coach is asked for Robin's records by Robin's doctor, and has no consent on file.
        sign_in(page, live_server, coach.email)
        page.goto(live_server.url + reverse("clients:detail", args=[robin.pk]))
        expect(page.locator("main")).to_contain_text("No consent on file")
        page.get_by_role("link", name="Share records", exact=True).click()
        page.wait_for_url("**/disclosures/new/")
        found += problems(page, "share records: the form")
        ask_to_share(page, consent=None)

        # Stopped: the clause named, why, and what resolves it; nothing left the practice.
        verdict = page.locator(".verdict")
        expect(verdict).to_contain_text("Ethos will not do this")
        expect(verdict.locator(".finding__clause")).to_contain_text("C1")
        expect(verdict).to_contain_text("Nothing leaves without a basis")
        expect(verdict).to_contain_text(C1_NO_BASIS)
        expect(verdict).to_contain_text(C1_NO_BASIS_RESOLUTION)
        expect(page.get_by_text(DISCLOSED)).to_have_count(0)
        found += problems(page, "share records: stopped by C1")
        assert not Disclosure.objects.exists()
        assert not events(coach, Action.SAFEGUARDING_DISCLOSED).exists()
        [finding] = events(coach, Action.STANDARDS_FINDING)
        assert finding.clauses == "C1" and finding.target_type == "disclosure"
        assert finding.details["point"] == "disclosure.request" and finding.details["allowed"] is False
        tally = Tally.objects.get(coach=coach, clause="C1", point="disclosure.request")
        assert (tally.checked, tally.blocked) == (1, 1)
        # A request that never came to exist leaves nothing open to resolve.
        assert not OpenItem.objects.filter(coach=coach, clause="C1").exists()

        # The stopped page leads on: the coach asks Robin, in the portal, for a written consent.
        ways = page.get_by_role("region", name="Put a basis on file, then ask again")
        expect(ways.get_by_role("link", name="Record Robin Ash's signed consent")).to_be_visible()
        expect(ways.get_by_role("link", name="record the subpoena or court order")).to_be_visible()
        ways.get_by_role("link", name="Robin Ash's page").click()
        page.wait_for_url(re.compile(r".*/clients/[0-9a-f-]+/#portal-heading$"))
        page.get_by_role("link", name="Ask for a consent to share").click()
        page.get_by_label("Who would receive the records").fill(RECIPIENT)
        page.get_by_label("What for").fill(PURPOSE)
        for label in RECORDS:
            page.get_by_label(label).check()
        page.get_by_label("From", exact=True).fill(today.isoformat())
        page.get_by_label("Until", exact=True).fill(until.isoformat())
        found += problems(page, "ask for a consent in the portal")
        page.get_by_role("button", name="Share it with the client").click()
        expect(page.get_by_text(CONSENT_ASKED)).to_be_visible()
        assert not Consent.objects.exists()  # asked is not given (C1)

        # Robin reads the exact text on their phone and signs it with their name.
        sign_in(client_page, live_server, CLIENT_EMAIL, CLIENT_PASSPHRASE, lands_on=reverse("portal:home"))
        client_page.get_by_role("link", name=re.compile("Read and decide")).click()
        text = client_page.locator(".prewrap")
        expect(text).to_contain_text(f"with: {RECIPIENT}")
        expect(text).to_contain_text(f"for this reason: {PURPOSE}")
        for label in RECORDS:
            expect(text).to_contain_text(label)
        found += problems(client_page, "portal: a consent to sign")
        client_page.get_by_label("I have read all of this, and I agree to it.").check()
        client_page.get_by_label("Type your name to sign").fill("Robin Ash")
        client_page.get_by_role("button", name="Sign with my name").click()
        client_page.wait_for_url(live_server.url + reverse("portal:home"))
        expect(client_page.locator("main")).to_contain_text("Done on")

        # The coach opens the signature and records the consent from it.
        page.goto(live_server.url + reverse("portal_coach:home"))
        page.get_by_role("link", name=Reply.Kind.SIGNATURE.label).click()
        expect(page.locator("main")).to_contain_text("with the typed name Robin Ash")
        expect(page.locator("main")).to_contain_text(f"with: {RECIPIENT}")
        found += problems(page, "portal: the client's signature")
        page.get_by_role("button", name="Record the consent").click()
        expect(page.get_by_text(SIGNATURE_RECORDED)).to_be_visible()
        page.goto(live_server.url + reverse("clients:detail", args=[robin.pk]))
        expect(page.locator("main")).to_contain_text(f"To {RECIPIENT}")
        expect(page.locator("main")).to_contain_text("in force")

        # The same request again, now on Robin's consent: it goes out.
        page.get_by_role("link", name="Share records", exact=True).click()
        ask_to_share(page, consent=f"To {RECIPIENT}, {today:%d %b %Y} to {until:%d %b %Y}")
        expect(page.get_by_text(DISCLOSED)).to_be_visible()
        page.get_by_role("heading", name="Disclosure of Robin Ash's records").wait_for()
        facts = page.locator(".facts")
        expect(facts).to_contain_text(RECIPIENT)
        expect(facts).to_contain_text(PURPOSE)
        expect(facts).to_contain_text(Disclosure.Basis.CONSENT.label)
        for label in RECORDS:
            expect(facts).to_contain_text(label)
        found += problems(page, "the disclosure as it left")

        # What leaves is the bundle: stamped with the recipient, the basis and the log's checkpoint.
        with page.expect_download() as download:
            page.get_by_role("link", name="Download the bundle (PDF)").click()
        assert re.fullmatch(r"disclosure-\d{4}-\d{2}-\d{2}\.pdf", download.value.suggested_filename)
        assert "Robin" not in download.value.suggested_filename
        bundle = pdf_text(Path(download.value.path()).read_bytes())
        made = Disclosure.objects.get()
        assert RECIPIENT in bundle and made.checkpoint in bundle

        # It is one line of Robin's accounting of disclosures.
        page.get_by_role("link", name="Back to the accounting of disclosures").click()
        entries = page.locator("ol.accounting > li")
        expect(entries).to_have_count(1)
        expect(entries).to_contain_text(f"to {RECIPIENT}")
        expect(entries).to_contain_text(PURPOSE)
        expect(entries).to_contain_text(Disclosure.Basis.CONSENT.label)
        expect(entries).to_contain_text("; ".join(RECORDS))
        found += problems(page, "accounting of disclosures")

        # The coach shares the accounting with Robin, who sees it among their records.
        page.goto(live_server.url + reverse("clients:detail", args=[robin.pk]))
        expect(page.locator("main")).to_contain_text("1 disclosure in the last six years")
        page.get_by_role("button", name="Share their accounting of disclosures").click()
        expect(page.get_by_text(ACCOUNTING_SHARED)).to_be_visible()

        client_page.get_by_role("link", name="Your records").click()
        client_page.wait_for_url(live_server.url + reverse("portal:records"))
        rows = client_page.get_by_role("region", name="Every time your records were shared").locator(
            "tbody tr"
        )
        expect(rows).to_have_count(1)
        expect(rows).to_contain_text(today.isoformat())
        expect(rows).to_contain_text(RECIPIENT)
        expect(rows).to_contain_text(", ".join(RECORDS))
        expect(rows).to_contain_text(PURPOSE)
        expect(rows).to_contain_text(Disclosure.Basis.CONSENT.label)
        found += problems(client_page, "portal: records, with the disclosure")
    finally:
        desk.close()
        phone.close()

    # Stored: the consent Robin signed, the one disclosure made on it, and the trail in order.
    with unlocked(open_vault(coach)):
        consent = Consent.objects.get(client=robin)
        assert consent.how_given == Consent.HowGiven.PORTAL and consent.signed_name == "Robin Ash"
        assert consent.recipient == RECIPIENT and consent.in_force(today)
        assert set(consent.record_kinds) == {"attendance", "goals"}
        made = Disclosure.objects.get(client=robin)
        assert made.basis == Disclosure.Basis.CONSENT and made.consent_id == consent.pk
        assert made.recipient == RECIPIENT and made.purpose == PURPOSE
        assert made.record_kinds == ["attendance", "goals"]
    assert Share.objects.filter(account=account, kind=Share.Kind.ACCOUNTING).count() == 1
    assert Reply.objects.get(account=account, kind=Reply.Kind.SIGNATURE).handled_at is not None
    tally = Tally.objects.get(coach=coach, clause="C1", point="disclosure.request")
    assert (tally.checked, tally.blocked) == (2, 1)
    trail = [
        Action.STANDARDS_FINDING,
        Action.PORTAL_SHARED,  # the consent to sign
        Action.PORTAL_SIGNED,
        Action.SAFEGUARDING_CONSENT_RECORDED,
        Action.SAFEGUARDING_DISCLOSED,
        Action.SAFEGUARDING_COPY_DOWNLOADED,
        Action.SAFEGUARDING_ACCOUNTING_PRINTED,
        Action.PORTAL_SHARED,  # the accounting
    ]
    logged = list(
        AuditEvent.objects.filter(coach=coach, action__in=set(trail))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert logged == trail
    [disclosed] = events(coach, Action.SAFEGUARDING_DISCLOSED)
    assert disclosed.details == {"disclosure": str(made.pk), "basis": "consent", "kinds": 2}
    assert disclosed.target_id == str(robin.pk) and disclosed.clauses == "C1"
    assert not found, "\n".join(found)

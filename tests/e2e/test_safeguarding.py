"""In a browser: a note with a C3 sentence -> the report task on the dashboard -> the report recorded ->
the task closed and the report in the client's accounting of disclosures."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from ethos.safeguarding.models import Disclosure, ReportTask
from ethos.vault.context import unlocked
from tests.coaching.conftest import active_client, schedule, start
from tests.conftest import PASSPHRASE, make_coach, open_vault
from tests.safeguarding.conftest import C3_SENTENCE

from .test_accessibility import problems, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("flushable_db")]


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_c3_a_disclosure_in_a_note_becomes_a_report_that_closes_and_is_accounted_for(
    live_server, browser, width
):
    coach = make_coach(name="Alex Rivera")
    with unlocked(open_vault(coach)):
        client = active_client(coach, name="Robin Ash")
        session = start(coach, schedule(coach, client))
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    found = []
    try:
        sign_in(page, live_server, coach.email)
        page.goto(live_server.url + reverse("coaching:note_edit", args=[session.pk]))
        page.get_by_label("What we worked on").fill(C3_SENTENCE)
        page.get_by_label("Next steps we agreed").focus()  # leaving the field saves it
        expect(page.locator("#note-status")).to_contain_text("Saved at")
        expect(page.locator("main")).to_contain_text("abuse")

        # The flag is on the dashboard; it leads to the report, prefilled with the client and the note.
        page.goto(live_server.url + reverse("home"))
        page.locator(".open-items").get_by_role("link", name="C3").first.click()
        page.wait_for_url("**/open-items/**")
        page.get_by_role("link", name="A report to the local protective agency").click()
        page.get_by_role("heading", name="A disclosure of abuse was made").wait_for()
        expect(page.locator("main")).to_contain_text("Robin Ash")
        found += problems(page, "report task: open form")
        page.get_by_label("A child").check()
        page.get_by_label("Who they are and what was disclosed").fill("Her little sister, hit every night.")
        page.get_by_role("button", name="Open the report task").click()
        page.get_by_role("heading", name="Mandatory report about Robin Ash").wait_for()

        # The task is on the dashboard, and on every page, until the report is recorded.
        page.goto(live_server.url + reverse("home"))
        banner = page.locator(".reports-due")
        expect(banner).to_contain_text("A mandatory report is owed")
        found += problems(page, "dashboard with a report owed")
        banner.get_by_role("link", name="Open the report").click()
        page.get_by_label("The agency you reported to").fill("Children's Services")
        page.get_by_label("By phone").check()
        page.get_by_label("The agency's reference number").fill("CS-2026-0412")
        page.get_by_label("What you told the client about the report").fill("I told her I had to report it.")
        page.get_by_label("Your passphrase, to confirm it is you").fill(PASSPHRASE)
        found += problems(page, "report task with the report form")
        page.get_by_role("button", name="Record the report").click()
        expect(page.locator("main")).to_contain_text("This task is closed")
        expect(page.locator(".reports-due")).to_have_count(0)

        page.get_by_role("link", name="See it in the client's accounting of disclosures").click()
        expect(page.locator("main")).to_contain_text("to Children's Services")
        expect(page.locator("main")).to_contain_text("A mandatory report of abuse (C3)")
        found += problems(page, "accounting of disclosures")
        assert not ReportTask.objects.filter(closed_at__isnull=True).exists()
        assert Disclosure.objects.get().basis == Disclosure.Basis.MANDATORY_REPORT
    finally:
        context.close()
    assert found == []

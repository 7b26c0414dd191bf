"""The association's side of the code, in a browser: a complaint ends in revocation, and it shows (E1).

A member of the public complains with no account -> a case officer screens it and opens a case ->
preliminary review -> investigation -> hearing -> a panel of three staff votes for revocation ->
the decision becomes final when the appeal window has closed -> the public verification page
says revoked -> the coach signs in and their next intake is stopped with E1 named.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from ethos.audit.actions import Action
from ethos.audit.models import AuditEvent
from ethos.certification.cases.models import Complaint, EthicsCase, Outcome, PanelSeat
from ethos.certification.cases.views import OPENED
from ethos.certification.log import association_account
from ethos.certification.models import Certification
from ethos.certification.services import certification_register, credential_issue
from ethos.clients.models import Client
from tests.certification.conftest import make_staff
from tests.clients.conftest import years_ago
from tests.conftest import make_coach

from .test_accessibility import sign_in, sign_out

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("flushable_db")]

SCREENING = [
    "suicidal_thoughts",
    "intent_or_plan",
    "self_harm",
    "substance_uncontrolled",
    "current_treatment",
]
COMPLAINANT = "Jordan Blake"
ALLEGATION = "My coach lent me money, charged me interest and threatened to tell my family if I stopped."


def staff_named(name: str):
    staff = make_staff(email=f"{name.split()[0].lower()}@association.test")
    staff.name = name
    staff.save(update_fields=["name"])  # a test account's display name, not an audited record
    return staff


def test_e1_a_public_complaint_ends_in_revocation_the_public_sees_it_and_the_coach_takes_no_one_new(
    live_server, browser, tmp_path
):
    # Set-up the journey is not about: the coach, their certificate, four members of staff.
    coach = make_coach(name="Alex Rivera")
    officer = staff_named("Morgan Reyes")
    panel = [staff_named(name) for name in ("Priya Shah", "Tom Okafor", "Lena Berg")]
    today = timezone.localdate()
    certification = certification_register(
        staff=officer,
        number="TRC-004217",
        public_name="Alex Rivera",
        issued_on=today - datetime.timedelta(days=400),
        renews_on=today + datetime.timedelta(days=330),
        coach=coach,
    )
    credential_issue(staff=officer, certification=certification)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        # 1. A member of the public, with no account, finds the form from the sign-in page.
        page.goto(live_server.url + reverse("accounts:sign_in"))
        page.get_by_role("link", name="Make a complaint about a certified coach").click()
        page.get_by_label("Your name").fill(COMPLAINANT)
        page.get_by_label("Your email address").fill("jordan@example.net")
        page.get_by_label("Which coach is it about?").fill("Alex Rivera, TRC-004217")
        page.get_by_label("When did it happen?").fill((today - datetime.timedelta(days=20)).isoformat())
        page.get_by_label("What happened?").fill(ALLEGATION)
        page.get_by_label(re.compile(r"\(P9\)")).check()
        page.get_by_role("button", name="Send my complaint").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Thank you. We have your complaint.")
        [complaint] = Complaint.objects.all()
        expect(page.locator("strong", has_text=complaint.number)).to_be_visible()
        assert complaint.state == Complaint.State.RECEIVED
        # Sealed for staff: nothing of what they wrote is stored in the clear.
        stored = " ".join(str(value) for value in Complaint.objects.values().get().values())
        assert COMPLAINANT not in stored and "interest" not in stored
        assert [m.to for m in mail.outbox] == [["jordan@example.net"]]

        # 2. Screening: the case officer finds it on their home page and opens a case.
        sign_in(page, live_server, officer.email)
        page.get_by_role("link", name=f"Complaint {complaint.number}").click()
        expect(page.get_by_text(ALLEGATION)).to_be_visible()
        page.get_by_label("The coach in the registry").select_option(label="TRC-004217: Alex Rivera (active)")
        expect(page.get_by_label(re.compile(r"\(P9\)"))).to_be_checked()  # as the complainant cited
        page.get_by_label("The allegations, as the coach will read them").fill(
            "It is alleged that you lent a client money, charged interest and threatened them."
        )
        page.get_by_role("button", name="Open the case and notify the coach").click()
        case = EthicsCase.objects.get(complaint=complaint)
        expect(page.get_by_text(OPENED.format(number=case.number))).to_be_visible()
        expect(page.get_by_role("heading", name="Stage: Intake")).to_be_visible()
        assert mail.outbox[-1].to == [coach.email] and "P9" in mail.outbox[-1].body
        # The coach's 30 days to respond pass without a response (the clock is not the journey).
        EthicsCase.objects.filter(pk=case.pk).update(response_due=today - datetime.timedelta(days=1))

        # 3. Preliminary review, then investigation, then the hearing.
        for stage in ("Preliminary review", "Investigation", "Hearing"):
            page.get_by_role("button", name=f"Move to {stage.lower()}").click()
            expect(page.get_by_role("heading", name=f"Stage: {stage}")).to_be_visible()

        # 4. The hearing panel: three members of staff, none linked to a party.
        for member in panel:
            page.get_by_label(member.name).check()
        page.get_by_role("button", name="Seat them on the panel").click()
        for member in panel:
            expect(page.get_by_text(f"{member.name}: not voted yet")).to_be_visible()
        sign_out(page)

        # Each panel member signs in, finds the case under Cases, and records a vote.
        for member in panel:
            sign_in(page, live_server, member.email)
            page.get_by_role("navigation", name="Main").get_by_role("link", name="Cases").click()
            page.get_by_role("link", name=case.number).click()
            page.get_by_label("Revocation").check()
            page.get_by_role("button", name="Record my vote").click()
            expect(page.get_by_text(f"{member.name}: voted revocation")).to_be_visible()
            sign_out(page)

        # 5. The case officer decides from the votes: revocation, with the appeal window open.
        sign_in(page, live_server, officer.email)
        page.goto(live_server.url + reverse("cases:detail", args=[case.pk]))
        page.get_by_role("button", name="Decide from the votes").click()
        expect(page.get_by_role("heading", name="Stage: Decision")).to_be_visible()
        expect(page.get_by_text("Panel's decision: Revocation")).to_be_visible()
        case.refresh_from_db()
        assert case.outcome == Outcome.REVOCATION
        certification.refresh_from_db()
        assert certification.status == Certification.Status.ACTIVE  # not final yet: nothing changes
        # Finalising inside the window is refused with the date it closes.
        page.get_by_role("button", name="Make the decision final").click()
        expect(page.get_by_role("alert")).to_contain_text("The appeal window is open until")

        # 6. Thirty-one days on, nobody has appealed: the decision becomes final.
        decided = today - datetime.timedelta(days=31)
        EthicsCase.objects.filter(pk=case.pk).update(decided_on=decided, stage_deadline=decided)
        page.goto(live_server.url + reverse("cases:detail", args=[case.pk]))
        page.get_by_role("button", name="Make the decision final").click()
        expect(page.get_by_role("heading", name="Stage: Closed")).to_be_visible()
        expect(page.get_by_text("Final outcome: Revocation")).to_be_visible()
        case.refresh_from_db()
        certification.refresh_from_db()
        assert (case.stage, case.final_outcome) == (EthicsCase.Stage.CLOSED, Outcome.REVOCATION)
        assert certification.status == Certification.Status.REVOKED
        votes = PanelSeat.objects.filter(case=case, panel=PanelSeat.Panel.HEARING)
        assert sorted(votes.values_list("vote", flat=True)) == [Outcome.REVOCATION] * 3
        logged = set(AuditEvent.objects.filter(coach=association_account()).values_list("action", flat=True))
        for action in (
            Action.CASE_PANEL_APPOINTED,
            Action.CASE_VOTE_RECORDED,
            Action.CASE_DECIDED,
            Action.CASE_FINALISED,
        ):
            assert action in logged
        sign_out(page)

        # 7. Anyone checking the certificate is told it is revoked.
        page.get_by_role("link", name="Check a coach's certification").click()
        page.get_by_label("Certificate number or certificate").fill("TRC-004217")
        page.get_by_role("button", name="Check").click()
        answer = page.locator("#answer")
        expect(answer.get_by_role("heading", level=2)).to_have_text("This certification has been revoked.")
        expect(answer.locator("[data-standing]")).to_have_attribute("data-standing", "revoked")
        expect(answer).to_contain_text("Alex Rivera")
        expect(answer).not_to_contain_text(COMPLAINANT)

        # 8. The coach signs in; their next intake is stopped, and the page names E1.
        sign_in(page, live_server, coach.email)
        page.goto(live_server.url + reverse("clients:intake"))
        page.get_by_label("Full name").fill("Sam Reed")
        page.get_by_label("Date of birth").fill(years_ago(31).isoformat())
        page.get_by_label("Email").fill("sam@example.org")
        for question in SCREENING:
            page.locator(f"input[name={question}][value=no]").check()
        page.get_by_role("button", name="Record the intake").click()
        verdict = page.locator(".verdict")
        expect(verdict).to_contain_text("E1")
        expect(verdict).to_contain_text("The association has revoked your certification")
        assert not Client.objects.filter(coach=coach).exists()
        page.screenshot(path=str(tmp_path / "e1-intake-stopped.png"), full_page=True)
        assert (tmp_path / "e1-intake-stopped.png").stat().st_size > 0
    finally:
        context.close()


FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const ring = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
  // The ring comes only from :focus-visible (or, for a date's calendar button, :focus-within).
  return {id: el.id || el.tagName.toLowerCase(), visible: ring,
          text: el.textContent.trim().slice(0, 40)};
}"""


def test_the_public_complaint_form_is_reached_field_by_field_with_the_keyboard(live_server, page):
    from ethos.certification.cases.forms import ComplaintForm

    page.goto(live_server.url + reverse("cases:complaint_form"))
    order, unseen = [], []
    for _ in range(80):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if not focused["visible"]:
            unseen.append(focused)
        if not order or order[-1] != focused["id"]:  # a date input takes one Tab per part
            order.append(focused["id"])
        if focused["id"] == "button" and focused["text"] == "Send my complaint":
            break
    fields = ["id_name", "id_email", "id_phone", "id_coach_named", "id_events_on", "id_account"]
    clauses = [f"id_clauses_{n}" for n in range(len(ComplaintForm().fields["clauses"].choices))]
    reached = [i for i in order if i in fields or i in clauses]
    assert reached == fields + clauses, order
    assert order[-1] == "button", "the submit button is reached after the last field"
    assert "id_website" not in order  # the honeypot is never met by a person with a keyboard
    assert not unseen, f"focus not visible on: {unseen}"
    # Space ticks a clause and Enter on the button sends the form: the errors are then announced.
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Space")
    expect(page.locator(f"#{clauses[-1]}")).to_be_checked()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.locator(f"#{clauses[-1]}")).to_be_checked()
    assert not Complaint.objects.exists()

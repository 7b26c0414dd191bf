"""A coach's sessions in a browser: the checks before and after a session, the note, and what it owes.

Each journey asserts what the coach sees and what was stored, and keeps a screenshot of its last page.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ethos.coaching.models import BoundaryReview, CloseCheck, FollowUp, SafetyPlan, Session, SessionNote
from ethos.vault.context import unlocked
from tests.coaching.conftest import active_client, schedule, start
from tests.conftest import make_coach, open_vault

from .test_accessibility import problems, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("flushable_db")]


def choose(page, label: str) -> None:
    page.get_by_label(label, exact=True).check()


def start_checks(page, *, presentation: str) -> None:
    page.locator("fieldset", has_text="fit to practise").get_by_label("Yes").check()
    choose(page, presentation)
    page.get_by_role("button", name="Start the session").click()


def test_s3_under_the_influence_moves_the_session_and_the_follow_up_waits_on_the_next(
    live_server, browser, tmp_path
):
    coach = make_coach(name="Alex Rivera")
    with unlocked(open_vault(coach)):
        robin = active_client(coach, name="Robin Ash")
        session = schedule(coach, robin)
    context = browser.new_context(viewport={"width": 390, "height": 900})
    page = context.new_page()
    found = []
    try:
        sign_in(page, live_server, coach.email)
        page.goto(f"{live_server.url}/sessions/{session.pk}/")
        start_checks(page, presentation="Seems affected by alcohol or drugs")
        expect(page.get_by_text("this session cannot start")).to_be_visible()
        found += problems(page, "start stopped (S3)")

        page.goto(f"{live_server.url}/sessions/{session.pk}/move/")
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        page.get_by_label("Day").fill(tomorrow.isoformat())
        page.get_by_label("Starts at").fill("10:00")
        page.get_by_label("I did").check()
        page.get_by_label("Reason").fill("Moved kindly to a clearer day.")
        page.get_by_role("button", name="Move the session").click()
        expect(page.get_by_role("heading", name="On this session's agenda")).to_be_visible()
        found += problems(page, "the next session, with its follow-up")
        page.screenshot(path=str(tmp_path / "s3-next-session.png"), full_page=True)
    finally:
        context.close()
    with unlocked(open_vault(coach)):
        moved = Session.objects.get(rescheduled_from=session)
        assert moved.local_start.date() == tomorrow and moved.local_start.hour == 10
        session.refresh_from_db()
        assert session.no_fee
        assert FollowUp.objects.get(client=robin).is_open
    assert not found, "\n".join(found)


def test_c2_p6_note_autosave_sign_addendum_and_an_unsafe_close(live_server, browser, tmp_path):
    coach = make_coach(name="Alex Rivera")
    with unlocked(open_vault(coach)):
        robin = active_client(coach, name="Robin Ash")
        session = schedule(coach, robin)
    context = browser.new_context(viewport={"width": 390, "height": 900})
    page = context.new_page()
    found = []
    try:
        sign_in(page, live_server, coach.email)
        page.goto(f"{live_server.url}/sessions/{session.pk}/")
        start_checks(page, presentation="Present and able to take part")
        expect(page.get_by_role("heading", name="Closing the session")).to_be_visible()

        # Unsafe to leave: the session stays open, the grounding guide shows, the plan closes it.
        choose(page, "Significantly activated and not safe to leave")
        for question in ("feel safe enough", "offered choices", "as equals"):
            page.locator("fieldset", has_text=question).get_by_label("Yes").check()
        page.get_by_role("button", name="Close the session").click()
        expect(page.get_by_role("heading", name="until they are safe to leave")).to_be_visible()
        found += problems(page, "unsafe close kept open (P6)")
        page.get_by_label("Feel the feet on the floor", exact=False).check()
        page.get_by_label("What you did, in a few words").fill("Grounding together; her sister collects her.")
        choose(page, "The client is now safe to leave")
        page.get_by_role("button", name="Record it and close the session").click()
        expect(page.locator(".badge--closed").first).to_be_visible()

        # The note: autosave, the checker's boundary finding, its review, signing, an addendum.
        page.get_by_role("link", name="Write the note").click()
        page.get_by_label("The client's focus, in their own words").fill("Feeling safe at night.")
        page.get_by_label("What we worked on").fill(
            "A wind-down routine. I gave her my personal number so she can text me at the weekend."
        )
        page.get_by_label("The client's reflections and choices").focus()
        expect(page.locator("#note-status")).to_contain_text("Saved at")
        expect(page.get_by_text("P7", exact=True)).to_be_visible()
        found += problems(page, "note with a finding")
        # Leaving the field saves again (htmx swaps the findings): let that answer land before the
        # link is followed, or a busy machine clicks a link that is being replaced.
        page.wait_for_load_state("networkidle")
        page.get_by_role("link", name="Answer these on the note page").click()
        expect(page).to_have_url(re.compile(r"/note/#findings-heading$"))
        page.get_by_label("What happened, and what you did").fill("I took the number back and restated it.")
        choose(page, "I restated the boundary with the client")
        page.get_by_role("button", name="Record the boundary review").click()
        expect(page.get_by_text("Boundary review recorded.")).to_be_visible()
        page.get_by_role("button", name="Sign the note").click()
        expect(page.get_by_text("Signed", exact=True)).to_be_visible()
        page.get_by_label("Why you are adding to the signed note").fill("Remembered after signing")
        page.get_by_label("The addendum").fill("She asked for the next session in the morning.")
        page.get_by_role("button", name="Add a dated addendum").click()
        expect(page.get_by_text("Remembered after signing")).to_be_visible()
        found += problems(page, "signed note with an addendum")
        page.screenshot(path=str(tmp_path / "note-signed.png"), full_page=True)
    finally:
        context.close()
    with unlocked(open_vault(coach)):
        session.refresh_from_db()
        assert session.status == Session.Status.CLOSED
        assert CloseCheck.objects.get(session=session).leaving == CloseCheck.Leaving.UNSAFE
        assert SafetyPlan.objects.get(session=session).outcome == SafetyPlan.Outcome.SAFE
        note = SessionNote.objects.get(session=session)
        assert note.is_signed and note.addenda.count() == 1
        assert BoundaryReview.objects.get(note=note).clause == "P7"
    assert not found, "\n".join(found)


def test_a_second_coach_in_a_second_context_sees_none_of_it(live_server, browser):
    coach = make_coach(name="Alex Rivera")
    other = make_coach(name="Bo Other")
    with unlocked(open_vault(coach)):
        session = start(coach, schedule(coach, active_client(coach, name="Robin Ash")))
    context = browser.new_context()
    page = context.new_page()
    try:
        sign_in(page, live_server, other.email)
        for path in ("", "note/edit/", "note/"):
            response = page.goto(f"{live_server.url}/sessions/{session.pk}/{path}")
            assert response.status == 404, path
            expect(page.get_by_text("Robin Ash")).to_have_count(0)
    finally:
        context.close()

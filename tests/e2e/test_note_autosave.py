"""Two tabs on one note: the second tab's stale autosave is refused and its text is not lost (C2)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ethos.coaching.models import SessionNote
from ethos.vault.context import unlocked
from tests.coaching.conftest import active_client, schedule, start
from tests.conftest import make_coach, open_vault

from .test_accessibility import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("flushable_db")]

FIRST = "She wants to sleep through the night by spring"
SECOND = "Written in the other tab and never to be lost"


def test_c2_a_stale_autosave_from_a_second_tab_is_refused_and_its_text_kept(live_server, browser):
    coach = make_coach(name="Alex Rivera")
    with unlocked(open_vault(coach)):
        session = start(coach, schedule(coach, active_client(coach, name="Robin Ash")))
    context = browser.new_context()
    try:
        first = context.new_page()
        sign_in(first, live_server, coach.email)
        address = f"{live_server.url}/sessions/{session.pk}/note/edit/"
        first.goto(address)
        second = context.new_page()  # the same coach, a second tab, opened before any save
        second.goto(address)

        first.get_by_label("The client's focus, in their own words").fill(FIRST)
        first.get_by_label("What we worked on").focus()  # leaving the field saves it
        expect(first.locator("#note-status")).to_contain_text("Saved at")

        second.get_by_label("The client's focus, in their own words").fill(SECOND)
        second.get_by_label("What we worked on").focus()
        stale = second.locator("#note-stale")
        expect(stale).to_contain_text("another tab")
        expect(stale).to_contain_text(SECOND)  # the refused text is shown back, not lost
        # The stale save wrote nothing over the first tab's note.
        with unlocked(open_vault(coach)):
            note = SessionNote.objects.get(session=session)
            assert note.version == 1
            assert note.sections["focus"] == FIRST
    finally:
        context.close()

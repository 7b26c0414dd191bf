"""Keyboard only, on a phone's width: intake, a session note and the client's goal confirmation are
done with Tab, Enter and Space (and the arrow keys inside a radio group, the one way into its
other options), every stop shows where the focus is, and no page
of these or the other journeys scrolls sideways at 390 px (issue 18, item 2)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from ethos.clients.models import Client, Goal, Intake
from ethos.coaching.models import SessionNote
from ethos.vault.context import unlocked
from tests.coaching.conftest import active_client, schedule, start
from tests.conftest import PASSPHRASE, make_coach, open_vault
from tests.portal.conftest import CLIENT_PASSPHRASE, active_with_account, shared_goal

from .test_accessibility import practice_with_clients, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("flushable_db")]

PHONE = {"width": 390, "height": 844}
# What the focused element is, and whether a ring shows: an outline or a box shadow.
FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const label = el.labels && el.labels.length ? el.labels[0].innerText.trim() : "";
  return {
    tag: el.tagName.toLowerCase(), id: el.id, name: el.name || "", value: el.value || "",
    text: (el.innerText || "").trim().slice(0, 80), label: label, checked: !!el.checked,
    ring: (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0)
      || (style.boxShadow && style.boxShadow !== "none"),
  };
}"""
WIDTH = "[document.scrollingElement.scrollWidth, window.innerWidth]"


class Keys:
    """Move through a page with Tab and Shift+Tab only, noting every stop without a visible ring."""

    def __init__(self, page):
        self.page = page
        self.found: list[str] = []

    def _stop(self) -> dict:
        focused = self.page.evaluate(FOCUSED)
        if focused["tag"] != "body" and not focused["ring"]:
            self.found.append(f"{self.page.url}: no focus ring on {focused}")
        return focused

    def tab_to(self, matches, *, limit: int = 80) -> dict:
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            focused = self._stop()
            if matches(focused):
                return focused
        raise AssertionError(f"Tab never reached the element on {self.page.url}")

    def field(self, label: str, text: str) -> None:
        self.tab_to(lambda f: f["label"].startswith(label))
        self.page.keyboard.type(text)

    def press(self, name: str) -> None:
        """Tab to a button or link by its words and press Enter."""
        self.tab_to(lambda f: f["tag"] in ("a", "button") and f["text"].startswith(name))
        self.page.keyboard.press("Enter")

    def choose(self, name: str, value: str) -> None:
        """Tab to a radio group, then choose in it as every browser expects: Space on the first
        option, the arrow keys to the others (a group is one Tab stop, so Tab and Shift+Tab alone
        can never reach its second option)."""
        focused = self.tab_to(lambda f: f["name"] == name)
        for _ in range(10):
            if focused["value"] == value:
                break
            self.page.keyboard.press("ArrowDown")
            focused = self._stop()
        assert focused["name"] == name and focused["value"] == value, focused
        self.page.keyboard.press("Space")
        assert self.page.evaluate(FOCUSED)["checked"]

    def fits(self) -> None:
        self.page.wait_for_load_state("load")
        scroll_width, screen = self.page.evaluate(WIDTH)
        if scroll_width > screen:
            self.found.append(f"{self.page.url}: {scroll_width}px wide on a {screen}px screen")

    def sign_in(self, live_server, email: str, passphrase: str) -> None:
        self.page.goto(live_server.url + "/sign-in/")
        self.fits()
        self.field("Email", email)
        self.field("Passphrase", passphrase)
        self.page.keyboard.press("Enter")
        self.page.wait_for_load_state("load")


def test_intake_and_a_session_note_with_the_keyboard_alone(live_server, browser):
    coach = make_coach(name="Alex Rivera")
    with unlocked(open_vault(coach)):
        session = start(coach, schedule(coach, active_client(coach, name="Robin Ash")))
    context = browser.new_context(viewport=PHONE, locale="en-US")
    page = context.new_page()
    keys = Keys(page)
    try:
        keys.sign_in(live_server, coach.email, PASSPHRASE)
        page.wait_for_url(live_server.url + "/")
        keys.fits()

        # The intake: text, a date typed into its segments, five yes/no answers, then Enter.
        page.goto(live_server.url + reverse("clients:intake"))
        keys.fits()
        keys.field("Full name", "Kim Harper")
        keys.field("Date of birth", "04271990")
        keys.field("Email", "kim@example.org")
        for question in ("suicidal_thoughts", "intent_or_plan", "self_harm", "substance_uncontrolled"):
            keys.choose(question, "no")
        keys.choose("current_treatment", "yes")
        keys.press("Record the intake")
        page.wait_for_url(re.compile(r".*/clients/[0-9a-f-]{36}/$"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Kim Harper")
        keys.fits()

        # The note: typed, saved as the focus leaves the field, then signed from its own page.
        page.goto(live_server.url + reverse("coaching:note_edit", args=[session.pk]))
        keys.fits()
        keys.field("The client's focus, in their own words", "Feeling steadier in the mornings.")
        keys.field("What we worked on", "A breathing exercise for the walk to work.")
        page.keyboard.press("Tab")
        # Each field is saved as the focus leaves it, the second as the note's version 2. Wait for
        # that one: the first save's "Saved at" is already shown while the second is on its way,
        # and a note page loaded before it lands signs version 1, which the server rightly refuses.
        expect(page.locator("#note-autosave input[name=version]")).to_have_value("2")
        expect(page.locator("#note-status")).to_contain_text("Saved at")
        page.reload()
        keys.press("The note, its versions and signing")
        page.wait_for_url("**/note/")
        keys.fits()
        keys.press("Sign the note")
        expect(page.get_by_text("Signed", exact=True)).to_be_visible()
        keys.fits()
    finally:
        context.close()
    with unlocked(open_vault(coach)):
        [kim] = [c for c in Client.objects.filter(coach=coach) if c.display_name == "Kim Harper"]
        assert kim.status == Client.Status.ACTIVE
        assert kim.intake.outcome == Intake.Outcome.ACCEPTED
        assert kim.intake.screening["current_treatment"] is True
        assert kim.intake.screening["suicidal_thoughts"] is False
        note = SessionNote.objects.get(session=session)
        assert note.is_signed and "breathing exercise" in note.sections["worked_on"]
    assert not keys.found, "\n".join(keys.found)


def test_p5_the_client_confirms_a_goal_with_the_keyboard_alone(live_server, browser):
    coach = make_coach(name="Alex Rivera")
    robin, account = active_with_account(coach, name="Robin Ash", email="robin@example.org")
    goal, _ = shared_goal(coach, robin, words="Sleep better")
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    keys = Keys(page)
    try:
        keys.sign_in(live_server, "robin@example.org", CLIENT_PASSPHRASE)
        page.wait_for_url(live_server.url + reverse("portal:home"))
        keys.fits()
        keys.press("Read and confirm")
        page.wait_for_url("**/portal/goals/**")
        keys.fits()
        keys.tab_to(lambda f: f["label"].startswith("Your goal, in your own words"))
        page.keyboard.press("Control+A")
        page.keyboard.type("Sleep through most nights")
        keys.press("Yes, this is my goal")
        page.wait_for_url(live_server.url + reverse("portal:home"))
        keys.fits()
    finally:
        context.close()
    with unlocked(open_vault(coach)):
        goal.refresh_from_db()
        assert goal.status == Goal.Status.ACTIVE and goal.confirmed_how == Goal.Confirmation.PORTAL
    assert account.user.email == "robin@example.org"
    assert not keys.found, "\n".join(keys.found)


def test_every_journey_page_fits_a_390_pixel_screen(live_server, browser):
    coach, pages = practice_with_clients()
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    keys = Keys(page)
    try:
        sign_in(page, live_server, coach.email)
        for url in pages.values():
            page.goto(live_server.url + url)
            keys.fits()
    finally:
        context.close()
    assert not keys.found, "\n".join(keys.found)

"""The pages issue 11 items 4, 5, 6, 11 and 12 touch pass axe at 1280 and 390 px, and behave in a browser."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from ethos.clients import endings
from ethos.clients.models import Client, Ending, Goal
from ethos.referrals.models import Resource
from ethos.vault.context import unlocked
from tests.clients.conftest import intake
from tests.conftest import open_vault

from .test_accessibility import WIDTHS, practice_with_clients, problems, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("flushable_db")]


def more_pages(coach) -> dict[str, str]:
    """A declined minor, a goal with its chart, a paused client: the pages of items 5 and 6."""
    with unlocked(open_vault(coach)):
        minor = intake(coach, name="Kit Young", age=15, concerns=["grief-and-loss"]).client
        sam = Client.objects.filter(coach=coach, status=Client.Status.ACTIVE).first()
        goal = Goal.objects.filter(client=sam, status=Goal.Status.ACTIVE).first()
        paused = intake(coach, name="Lee Paused").client
        harbour = Resource.objects.get(coach=coach, name="Harbour Coaching")
        endings.client_release(
            coach=coach,
            client=paused,
            kind=Ending.Kind.PAUSE,
            initiated_by=Ending.InitiatedBy.COACH,
            explanation="A break for my health.",
            explained_on=timezone.localdate(),
            explained_how="in_session",
            referral_resources=[harbour],
        )
    return {
        "intake declined (S9)": reverse("clients:intake_declined", args=[minor.pk]),
        "goal with its chart": reverse("clients:goal_detail", args=[sam.pk, goal.pk]),
        "progress form": reverse("clients:goal_progress", args=[sam.pk, goal.pk]),
        "paused client": reverse("clients:detail", args=[paused.pk]),
    }


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_the_first_week_pages_pass_axe_and_fit_the_screen(live_server, browser, width):
    coach, _ = practice_with_clients()
    pages = more_pages(coach)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    found = []
    try:
        sign_in(page, live_server, coach.email)
        for name, url in pages.items():
            page.goto(live_server.url + url)
            found += problems(page, name)
        # An intake with errors: the summary takes focus and links to each field.
        page.goto(live_server.url + reverse("clients:intake"))
        page.get_by_role("button", name="Record the intake").click()
        page.locator(".error-summary").wait_for()
        assert page.evaluate("document.activeElement.classList.contains('error-summary')")
        found += problems(page, "intake form with errors")
        # The ethics desk: after asking, focus is on the answer (htmx swaps it in).
        page.goto(live_server.url + reverse("standards:ask"))
        page.get_by_label("The client's age in years").fill("15")
        page.get_by_role("button", name="What does the code say?").click()
        page.locator("#desk-answer-title").wait_for()
        # expect() polls without eval, which the page's CSP forbids (wait_for_function would need it).
        expect(page.locator("#desk-answer-title")).to_be_focused()
        found += problems(page, "ethics desk with an answer")
        # The practice profile: choosing a place fills its age and numbers at once.
        page.goto(live_server.url + reverse("practice:profile"))
        page.get_by_label("Country you practise in").select_option("US")
        page.get_by_label("State, province or region").fill("Mississippi")
        page.get_by_label("State, province or region").press("Tab")
        expect(page.locator("#id_age_of_majority")).to_have_value("21")
        assert page.locator("#id_emergency_number").input_value() == "911"
        found += problems(page, "practice profile after choosing a place")
    finally:
        context.close()
    assert not found, f"{len(found)} accessibility problems at {width}px:\n" + "\n".join(found)

import pytest

from ethos.clients.models import Client, Intake
from tests.conftest import PASSPHRASE, make_coach

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("flushable_db")]


def sign_in(page, live_server, coach):
    page.goto(live_server.url + "/sign-in/")
    page.get_by_label("Email").fill(coach.email)
    page.get_by_label("Passphrase").fill(PASSPHRASE)
    page.get_by_label("Passphrase").press("Enter")
    page.wait_for_url(live_server.url + "/")


def answer_screening(page, **answers):
    for question in (
        "suicidal_thoughts",
        "intent_or_plan",
        "self_harm",
        "substance_uncontrolled",
        "current_treatment",
    ):
        page.locator(f"input[name={question}][value={answers.get(question, 'no')}]").check()


def test_s2_a_positive_screen_in_the_browser_leads_to_the_crisis_protocol(live_server, page):
    coach = make_coach()
    sign_in(page, live_server, coach)
    page.get_by_role("link", name="Clients").click()
    page.get_by_role("link", name="Start an intake").click()
    page.get_by_label("Full name").fill("Jamie Doe")
    page.get_by_label("Date of birth").fill("1991-06-02")
    page.get_by_label("Email").fill("jamie@example.org")
    answer_screening(page, suicidal_thoughts="yes", intent_or_plan="yes")
    page.get_by_role("button", name="Record the intake").click()

    page.wait_for_url("**/crisis/")
    assert "Crisis protocol (S2)" in page.get_by_role("alert").inner_text()
    intake = Intake.objects.get()
    # Reading the protocol records nothing; the coach says when they have gone through it.
    assert intake.decline_reason == "S2" and intake.crisis_protocol_shown_at is None
    assert Client.objects.get().status == Client.Status.DECLINED
    page.get_by_role("button", name="I have gone through this with them").click()
    page.get_by_role("status").first.wait_for()
    assert Intake.objects.values_list("crisis_protocol_shown_at", flat=True).get() is not None


def test_an_accepted_intake_shows_the_new_client(live_server, page):
    coach = make_coach()
    sign_in(page, live_server, coach)
    page.goto(live_server.url + "/clients/intake/")
    page.get_by_label("Full name").fill("Robin Ash")
    page.get_by_label("Date of birth").fill("1990-04-27")
    page.get_by_label("Phone (optional)", exact=True).fill("0100 200 300")
    page.get_by_role("group", name="The concerns they bring").get_by_label("Grief and loss").check()
    answer_screening(page)
    page.get_by_role("button", name="Record the intake").click()
    page.wait_for_url("**/clients/*/")
    assert page.get_by_role("heading", level=1).inner_text() == "Robin Ash"
    assert "is now your client" in page.get_by_role("status").first.inner_text()

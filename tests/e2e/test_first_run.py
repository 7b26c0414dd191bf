import pytest

from ethos.accounts.models import User
from tests.conftest import PASSPHRASE

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("flushable_db")]


def test_a_coach_sets_up_ethos_signs_out_and_signs_in_with_the_keyboard(live_server, page):
    page.goto(live_server.url + "/")
    assert page.title() == "Set up Ethos · Ethos"

    # Every input has a label a screen reader can use.
    page.get_by_label("Your name").fill("Alex Rivera")
    page.get_by_label("Email").fill("alex@example.org")
    page.get_by_label("Passphrase", exact=True).fill(PASSPHRASE)
    page.get_by_label("Passphrase, again").fill(PASSPHRASE)
    page.get_by_label("Passphrase, again").press("Enter")

    # The recovery kit is shown once; the coach types two groups back to confirm it.
    page.wait_for_url("**/recovery-kit/")
    groups = page.locator(".recovery-key__groups code").all_inner_texts()
    assert len(groups) == 14
    page.get_by_label("Group 2 of your recovery key").fill(groups[1])
    page.get_by_label("Group 13 of your recovery key").fill(groups[12].lower())
    page.get_by_role("button", name="Confirm my recovery kit").click()

    page.wait_for_url(live_server.url + "/")
    assert page.get_by_role("heading", level=1).inner_text() == "Welcome, Alex Rivera"
    coach = User.objects.get(email="alex@example.org")
    assert coach.account_key.recovery_confirmed_at is not None

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in/")
    page.get_by_label("Email").fill("alex@example.org")
    page.get_by_label("Passphrase").fill("the wrong passphrase")
    page.keyboard.press("Enter")
    assert "do not match an account" in page.get_by_role("alert").inner_text()

    page.get_by_label("Passphrase").fill(PASSPHRASE)
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url + "/")
    assert page.get_by_role("heading", level=1).inner_text() == "Welcome, Alex Rivera"


def test_the_page_shell_loads_its_own_assets_under_the_csp(live_server, page):
    blocked = []
    page.on("console", lambda message: blocked.append(message.text) if message.type == "error" else None)
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(live_server.url + "/")
    page.wait_for_load_state("networkidle")
    assert blocked == []
    assert requests and all(url.startswith(live_server.url) or url.startswith("data:") for url in requests)
    assert page.evaluate("typeof window.htmx") == "object"
    # The skip link is the first thing the keyboard reaches, and it shows a focus ring.
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to main content"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"

"""An idle page clears itself: the client's record leaves the screen without waiting for a click."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from ethos.vault.context import unlocked
from tests.clients.conftest import intake
from tests.conftest import PASSPHRASE, make_coach, open_vault

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("flushable_db")]

# Six seconds: long enough to sign in and open the record, short enough for a test.
IDLE_MINUTES = 0.1


def sign_in(page, live_server, coach):
    page.goto(live_server.url + "/sign-in/")
    page.get_by_label("Email").fill(coach.email)
    page.get_by_label("Passphrase").fill(PASSPHRASE)
    page.get_by_label("Passphrase").press("Enter")
    page.wait_for_url(live_server.url + "/")


def test_an_idle_record_page_is_cleared_and_offers_the_way_back(live_server, page, settings):
    settings.ETHOS_IDLE_MINUTES = IDLE_MINUTES
    coach = make_coach()
    with unlocked(open_vault(coach)):
        client = intake(coach, name="Robin Ashcombe").client
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    sign_in(page, live_server, coach)
    record = reverse("clients:detail", args=[client.pk])
    page.goto(live_server.url + record)
    assert "Robin Ashcombe" in page.content()
    assert page.locator("script[src$='ethos/idle.js']").get_attribute("data-idle-seconds") == "6"

    page.locator("#idle-lock").wait_for(state="attached", timeout=15_000)
    html = page.content()
    assert "Robin Ashcombe" not in html  # gone from the DOM, not hidden
    assert "Robin" not in page.title()
    assert "Locked after 1 minute without activity" in page.locator("main").inner_text()
    assert errors == []  # nothing refused by the CSP

    # The way back asks for the passphrase and returns to the record.
    way_back = page.get_by_role("link", name="Sign in to continue")
    assert way_back.get_attribute("href") == record
    way_back.click()
    # expect() polls the page's address; it does not depend on catching the navigation event.
    expect(page).to_have_url(re.compile(r"/sign-in/\?next="), timeout=60_000)
    assert f"next={record}" in page.url
    page.get_by_label("Email").fill(coach.email)
    page.get_by_label("Passphrase").fill(PASSPHRASE)
    page.get_by_label("Passphrase").press("Enter")
    expect(page).to_have_url(live_server.url + record, timeout=60_000)
    assert "Robin Ashcombe" in page.content()


def test_input_keeps_the_page(live_server, page, settings):
    settings.ETHOS_IDLE_MINUTES = IDLE_MINUTES
    coach = make_coach()
    with unlocked(open_vault(coach)):
        client = intake(coach, name="Robin Ashcombe").client
    sign_in(page, live_server, coach)
    page.goto(live_server.url + reverse("clients:detail", args=[client.pk]))
    for _ in range(5):  # 7.5 seconds of a coach reading and scrolling, past the idle time
        page.wait_for_timeout(1_500)
        page.keyboard.press("Shift")
    assert page.locator("#idle-lock").count() == 0
    assert "Robin Ashcombe" in page.content()

"""The Activity page fits the screen at 1280 and at 390 pixels, with every disclosure open."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ethos.audit.actions import Action
from ethos.audit.services import audit_append
from ethos.vault.context import unlocked
from tests.clients.conftest import intake
from tests.conftest import PASSPHRASE, make_coach, open_vault

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("flushable_db")]

WIDTH = """() => {
  document.querySelectorAll('details').forEach((d) => { d.open = true; });
  return [document.documentElement.clientWidth, document.documentElement.scrollWidth];
}"""


@pytest.mark.parametrize("width", [1280, 390])
def test_the_activity_page_is_no_wider_than_the_screen(live_server, browser, width):
    coach = make_coach(name="Alex Rivera")
    with unlocked(open_vault(coach)):
        robin = intake(coach, name="Robin Ash").client
    audit_append(
        coach=coach,
        action=Action.CLIENT_VIEWED,
        target_type="client",
        target_id=str(robin.pk),
        clauses=["C1", "C2", "P11"],
        details={"ending": str(robin.pk), "opened_items": [str(robin.pk)] * 4, "note": "x" * 200},
    )
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(live_server.url + "/sign-in/")
    page.get_by_label("Email").fill(coach.email)
    page.get_by_label("Passphrase").fill(PASSPHRASE)
    page.get_by_label("Passphrase").press("Enter")
    page.wait_for_url(live_server.url + "/")

    page.goto(live_server.url + reverse("audit:activity"))
    client_width, scroll_width = page.evaluate(WIDTH)

    assert scroll_width <= client_width
    assert "You viewed a client's record." in page.locator("main").inner_text()
    context.close()

"""In a browser: the directory is in the menu, and an S9 item is followed to its form and closed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ethos.referrals.models import Resource
from ethos.standards.models import OpenItem
from ethos.vault.context import unlocked
from tests.clients.conftest import intake, vetted_resource
from tests.conftest import make_coach, open_vault
from tests.e2e.test_accessibility import problems, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("flushable_db")]


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_s9_the_open_item_leads_to_the_referral_and_back(live_server, browser, width):
    coach = make_coach(name="Alex Rivera")
    with unlocked(open_vault(coach)):
        vetted_resource(coach, name="Youth Harbour", kind=Resource.Kind.YOUTH)
        intake(coach, name="Young Person", age=16)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    found = []
    try:
        sign_in(page, live_server, coach.email)
        found += problems(page, "dashboard with the set-up path")
        main_menu = page.get_by_role("navigation", name="Main")
        assert main_menu.get_by_role("link", name="Directory").is_visible()

        page.get_by_role("link", name="S9 Young Person:").click()
        page.wait_for_url("**/open-items/**")
        found += problems(page, "open item")
        page.get_by_role("link", name="A referral to a service for young people you have vetted").click()
        page.get_by_role("heading", name="Refer Young Person").wait_for()
        assert page.get_by_label("Refer to").input_value() != ""  # the service for young people
        page.get_by_label("Why, in a sentence").fill("A service for under-18s near them")
        page.get_by_role("button", name="Record the referral").click()
        page.wait_for_url("**/open-items/**")
        assert "Resolved" in page.locator("main").inner_text()
        assert not OpenItem.objects.filter(coach=coach, resolved_at__isnull=True).exists()

        main_menu.get_by_role("link", name="Directory").click()
        page.wait_for_url(live_server.url + reverse("referrals:list"))
    finally:
        context.close()
    assert found == []

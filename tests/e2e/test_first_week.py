"""A coach's first week in a browser, from an empty database, at a phone's width (issue 11).

The coach sets up Ethos, confirms the recovery kit, sets up the practice, finds the directory in the
menu, adds and vets a service for young people, takes the intake of a 15-year-old (declined under
S9), follows the open item to the referral form and closes it, then forgets the passphrase and
recovers with the kit. Only `page.goto` opens the first page: every other page is reached by the
links and buttons a coach sees. Every page visited passes axe and fits 390 px.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ethos.accounts.models import User
from ethos.clients.models import Client, Intake, Referral
from ethos.practice.models import CompetenceArea, PracticeProfile
from ethos.referrals.models import Resource, VettingRecord
from ethos.standards.models import OpenItem
from tests.clients.conftest import years_ago

from .test_accessibility import problems

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("flushable_db")]

PHONE = {"width": 390, "height": 844}
NAME = "Alex Rivera"
EMAIL = "alex@example.org"
FIRST_PASSPHRASE = "violet lantern drifts over quiet harbour"
NEW_PASSPHRASE = "copper kettle hums beside the northern window"
SERVICE = "Harbour Youth Counselling"
PRACTICE = "Harbour Light Coaching"
MINOR = "Kit Young"
SCREENING = (
    "In the last month, have you had thoughts of ending your life?",
    "Have you thought about how you would do it, or do you intend to act on those thoughts?",
    "In the last month, have you hurt yourself on purpose in a way that needed care?",
    "Is there drinking or drug use in your life right now that you feel you cannot control?",
    "Are you seeing a therapist, psychiatrist or doctor for your mental health now?",
)


class Journey:
    """The page a coach is on, with the checks every visited page must pass."""

    def __init__(self, page):
        self.page = page
        self.found: list[str] = []
        self.visited: list[str] = []

    def check(self, name: str) -> None:
        """axe, focus rings, idrefs and sideways scrolling, on the page as it stands."""
        page = self.page
        page.wait_for_load_state("load")
        self.visited.append(f"{name}: {page.url}")
        self.found += problems(page, name)
        widths = page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth, document.body.scrollWidth]"
        )
        if max(widths[0], widths[2]) > widths[1]:
            self.found.append(f"{name} ({page.url}): scrolls sideways, {widths[0]}px wide at {widths[1]}px")

    def heading(self) -> str:
        return self.page.get_by_role("heading", level=1).inner_text()

    def status(self) -> str:
        return self.page.locator("main .messages[role=status]").inner_text()

    def menu(self, name: str) -> None:
        """Follow a section of the main menu, and wait for its page."""
        link = self.page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True)
        href = link.get_attribute("href")
        link.click()
        self.page.wait_for_url(re.compile("^" + re.escape(urljoin(self.page.url, href)) + r"(\?.*)?$"))


def test_a_coachs_first_week_from_an_empty_database(live_server, browser, tmp_path):
    assert not User.objects.exists()
    context = browser.new_context(viewport=PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    coach_sees = Journey(page)
    try:
        # 1. First run: the account, then the recovery kit, typed back from the page.
        page.goto(live_server.url + "/")
        assert coach_sees.heading() == "Set up Ethos"
        coach_sees.check("first run")
        # A form with errors first: the page still passes axe and every describedby resolves.
        page.get_by_role("button", name="Create my account").click()
        page.locator(".error-summary, .errorlist, [role=alert]").first.wait_for()
        coach_sees.check("first run with errors")
        page.get_by_label("Your name").fill(NAME)
        page.get_by_label("Email").fill(EMAIL)
        page.get_by_label("Passphrase", exact=True).fill(FIRST_PASSPHRASE)
        page.get_by_label("Passphrase, again").fill(FIRST_PASSPHRASE)
        page.get_by_role("button", name="Create my account").click()
        page.wait_for_url("**/recovery-kit/")
        assert coach_sees.heading() == "Your recovery kit"
        coach_sees.check("recovery kit")
        groups = page.get_by_label("Your recovery key").get_by_role("listitem").all_inner_texts()
        groups = [group.strip() for group in groups]
        assert len(groups) == 14 and all(groups)
        recovery_key = "-".join(groups)
        asked = page.get_by_role("textbox", name=re.compile(r"^Group \d+ of your recovery key$"))
        assert asked.count() == 2
        for index in range(asked.count()):
            field = asked.nth(index)
            label = page.locator(f"label[for='{field.get_attribute('id')}']").inner_text()
            position = int(re.search(r"Group (\d+)", label).group(1))
            field.fill(groups[position - 1])
        page.get_by_role("button", name="Confirm my recovery kit").click()
        page.wait_for_url(live_server.url + "/")
        assert coach_sees.heading() == f"Welcome, {NAME}"
        coach = User.objects.get(email=EMAIL)
        assert coach.account_key.recovery_confirmed_at is not None
        setup = page.get_by_role("region", name="Set up your practice")
        for step in (
            "Describe your practice",
            "Set your jurisdiction and crisis numbers",
            "Add the services you have vetted",
            "Take your first intake",
        ):
            assert setup.get_by_role("link", name=step).is_visible()
        assert "(done)" not in setup.inner_text()
        coach_sees.check("empty dashboard with the set-up path")

        # 2. The practice profile, through the Practice menu: competence areas, then jurisdiction.
        coach_sees.menu("Practice")
        assert coach_sees.heading() == "Your practice"
        coach_sees.check("practice")
        page.get_by_role("link", name="Change your competence areas").click()
        assert coach_sees.heading() == "Your competence areas"
        coach_sees.check("competence areas")
        page.get_by_label("Grief and loss").check()
        page.get_by_label("Childhood trauma").check()
        page.get_by_role("button", name="Save").click()
        page.get_by_text("Your competence areas are saved.").wait_for()
        coach_sees.check("competence areas saved")
        assert set(CompetenceArea.objects.filter(profile__coach=coach).values_list("slug", flat=True)) >= {
            "grief-and-loss",
            "childhood-trauma",
        }

        coach_sees.menu("Practice")
        page.get_by_role("link", name="Change your jurisdiction").click()
        assert coach_sees.heading() == "Your jurisdiction"
        coach_sees.check("jurisdiction")
        # How the practice appears on letters: its name and phone.
        page.get_by_role("textbox", name=re.compile(r"^Practice name")).fill(PRACTICE)
        page.get_by_role("textbox", name=re.compile(r"^Practice phone")).fill("0161 496 0000")
        page.get_by_label("Country you practise in").select_option(label="United Kingdom")
        # Choosing the place fills the numbers at once (htmx), before saving.
        # (expect() polls without eval, which the page's CSP forbids; wait_for_function would not.)
        expect(page.get_by_label("Emergency number")).to_have_value("999")
        expect(page.get_by_label("Crisis line")).to_have_value("Samaritans: 116 123")
        expect(page.get_by_label("Age of majority")).to_have_value("18")
        coach_sees.check("jurisdiction filled in")
        page.get_by_role("button", name="Save").click()
        page.get_by_text("Your practice profile is saved.").wait_for()
        assert coach_sees.heading() == "Your practice"
        assert "Samaritans: 116 123" in page.locator("main").inner_text()
        coach_sees.check("practice with its profile")
        profile = PracticeProfile.objects.get(coach=coach)
        assert (profile.country, profile.age_of_majority, profile.emergency_number) == ("GB", 18, "999")
        assert (profile.crisis_line, profile.practice_name) == ("Samaritans: 116 123", PRACTICE)

        # 3. The directory, from the menu alone: a service for young people, and its vetting.
        coach_sees.menu("Directory")
        assert coach_sees.heading() == "Referral directory"
        coach_sees.check("empty directory")
        page.get_by_role("link", name="Add a service").click()
        assert coach_sees.heading() == "Add a service"
        coach_sees.check("add a service")
        page.get_by_label("Name", exact=True).fill(SERVICE)
        page.get_by_label("Kind of service", exact=True).select_option(label="Service for young people")
        page.get_by_label("Phone (optional)").fill("0300 123 4567")
        page.get_by_label("Where it serves (optional)").fill("United Kingdom")
        page.get_by_role("button", name="Add the service").click()
        page.get_by_role("heading", level=1, name=SERVICE).wait_for()
        assert "Vet it before you refer anyone to it" in coach_sees.status()
        coach_sees.check("a service, not vetted yet")
        page.get_by_role("link", name="Record your vetting").click()
        assert coach_sees.heading() == f"Vet “{SERVICE}”"
        coach_sees.check("vetting form")
        # Submitted empty first: the errors pass axe too.
        page.get_by_role("button", name="Record the vetting").click()
        page.locator(".error-summary").wait_for()
        coach_sees.check("vetting form with errors")
        page.get_by_label("Date you vetted it").fill(timezone.localdate().isoformat())
        page.get_by_label("Called or spoke with them").check()
        page.get_by_label("I checked this service myself").check()
        page.get_by_label("What you learnt (optional)").fill(
            "They see 13 to 17 year olds within a fortnight."
        )
        page.get_by_role("button", name="Record the vetting").click()
        page.get_by_text("Your vetting is recorded.").wait_for()
        assert coach_sees.heading() == SERVICE
        assert "You have not recorded vetting" not in page.locator("main").inner_text()
        coach_sees.check("a vetted service")
        resource = Resource.objects.get(coach=coach)
        assert resource.kind == Resource.Kind.YOUTH
        assert VettingRecord.objects.filter(resource=resource).count() == 1
        assert Resource.objects.for_coach(coach).currently_vetted().filter(pk=resource.pk).exists()

        # Back on the dashboard, three of the four set-up steps are ticked.
        coach_sees.menu("Dashboard")
        setup = page.get_by_role("region", name="Set up your practice")
        ticked = [step for step in setup.get_by_role("listitem").all_inner_texts() if "(done)" in step]
        assert len(ticked) == 3 and not any("Take your first intake" in step for step in ticked)
        coach_sees.check("dashboard, three steps ticked")

        # 4. The intake of a 15-year-old, through Clients: declined under S9, a referral owed.
        coach_sees.menu("Clients")
        assert coach_sees.heading() == "Clients"
        coach_sees.check("no clients yet")
        page.get_by_role("link", name="Start an intake").click()
        assert coach_sees.heading() == "Intake"
        coach_sees.check("intake form")
        page.get_by_label("Full name").fill(MINOR)
        page.get_by_label("Date of birth").fill(years_ago(15).isoformat())
        page.get_by_role("textbox", name=re.compile(r"^Email")).fill("kit@example.org")
        page.get_by_role("group", name="The concerns they bring").get_by_label("Grief and loss").check()
        for question in SCREENING:
            page.get_by_role("group", name=question).get_by_label("No", exact=True).check()
        page.get_by_role("button", name="Record the intake").click()
        page.wait_for_url("**/intake/declined/")
        assert coach_sees.heading() == "Ethos declined this intake under S9"
        main = page.locator("main").inner_text()
        assert "What is owed next" in main and "S9" in main
        assert "Grief and loss" in main and "grief-and-loss" not in main  # names, not slugs
        coach_sees.check("intake declined under S9")
        client = Client.objects.get(coach=coach)
        assert client.status == Client.Status.DECLINED
        assert Intake.objects.get(client=client).decline_reason == "S9"
        item = OpenItem.objects.get(coach=coach, clause="S9", resolved_at__isnull=True)

        # The client list finds them by default while the referral is owed.
        coach_sees.menu("Clients")
        row = page.get_by_role("row").filter(has=page.get_by_role("link", name=MINOR))
        assert "Referral owed" in row.inner_text()
        coach_sees.check("clients, one declined with a referral owed")

        # The set-up path is ticked as far as it has come; the open item names the client.
        coach_sees.menu("Dashboard")
        # Every set-up step is done, so the set-up path has made way for the work.
        assert page.get_by_role("region", name="Set up your practice").count() == 0
        coach_sees.check("dashboard with an open item")

        # 5. The open item, from the dashboard, to its form, and back to it closed.
        open_items = page.get_by_role("region", name="Open items")
        open_items.get_by_role("link", name=re.compile(rf"^S9 {MINOR}:")).click()
        page.wait_for_url(f"**/open-items/{item.pk}/")
        assert coach_sees.heading().startswith("S9:")
        facts = page.locator("main .facts").inner_text()
        assert MINOR in facts and "Open" in facts
        coach_sees.check("open item")
        page.get_by_role("link", name=re.compile(r"referral to a service for young people", re.I)).click()
        page.get_by_role("heading", level=1, name=f"Refer {MINOR}").wait_for()
        coach_sees.check("referral form, prefilled")
        refer_to = page.get_by_label("Refer to")
        assert refer_to.input_value() == str(resource.pk)
        # Submitted without a reason first: the errors pass axe too.
        page.get_by_role("button", name="Record the referral").click()
        page.locator(".error-summary").wait_for()
        coach_sees.check("referral form with errors")
        page.get_by_label("Why, in a sentence").fill("A counselling service for under-18s near them.")
        page.get_by_role("button", name="Record the referral").click()
        page.wait_for_url(f"**/open-items/{item.pk}/")
        assert "Referral recorded." in coach_sees.status()
        assert "Resolved" in page.locator("main .facts").inner_text()
        assert "This item is closed" in page.locator("main").inner_text()
        coach_sees.check("open item, resolved")
        referral = Referral.objects.get(client=client)
        assert referral.resource_id == resource.pk and referral.resource.kind == Resource.Kind.YOUTH
        item.refresh_from_db()
        assert item.resolved_at is not None and item.resolved_record_id == str(referral.pk)
        assert not OpenItem.objects.filter(coach=coach, resolved_at__isnull=True).exists()

        coach_sees.menu("Dashboard")
        assert (
            "Nothing is waiting for a record." in page.get_by_role("region", name="Open items").inner_text()
        )
        coach_sees.check("dashboard with nothing open")

        # 6. A forgotten passphrase: sign out, find the link on the sign-in page, use the kit.
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url("**/sign-in/*")
        assert coach_sees.heading() == "Sign in"
        coach_sees.check("sign-in")
        page.get_by_role("link", name="Forgot your passphrase?").click()
        assert coach_sees.heading() == "Forgot your passphrase?"
        coach_sees.check("recovery")
        # A wrong key first: refused, and the page with its errors passes axe.
        page.get_by_label("Email").fill(EMAIL)
        page.get_by_label("Recovery key").fill("-".join(["AAAA"] * 14))
        page.get_by_label("New passphrase", exact=True).fill(NEW_PASSPHRASE)
        page.get_by_label("New passphrase, again").fill(NEW_PASSPHRASE)
        page.get_by_role("button", name="Open my records").click()
        page.locator(".error-summary, [role=alert]").first.wait_for()
        assert coach_sees.heading() == "Forgot your passphrase?"
        coach_sees.check("recovery refused")
        page.get_by_label("Email").fill(EMAIL)
        page.get_by_label("Recovery key").fill(recovery_key)
        page.get_by_label("New passphrase", exact=True).fill(NEW_PASSPHRASE)
        page.get_by_label("New passphrase, again").fill(NEW_PASSPHRASE)
        page.get_by_role("button", name="Open my records").click()
        page.wait_for_url(live_server.url + "/")
        assert coach_sees.heading() == f"Welcome, {NAME}"
        assert "Your new passphrase is set" in coach_sees.status()
        assert page.get_by_role("button", name="Sign out").is_visible()
        coach_sees.check("dashboard after recovery")
        coach.refresh_from_db()
        assert coach.check_password(NEW_PASSPHRASE) and not coach.check_password(FIRST_PASSPHRASE)

        # The records opened with the new passphrase: the client's page reads, through the menu.
        # With the referral made, nothing is owed: the declined client is under "Declined at intake".
        coach_sees.menu("Clients")
        page.get_by_label("Status").select_option(label="Declined at intake")
        page.get_by_role("button", name="Show").click()
        page.wait_for_url("**/clients/?*status=declined*")
        coach_sees.check("declined clients")
        page.get_by_role("link", name=MINOR).click()
        page.get_by_role("heading", level=1, name=MINOR).wait_for()
        coach_sees.check("the declined client's page")

        # 8. The last page, kept for a person to look at.
        screenshot = tmp_path / "first-week-last-page.png"
        page.screenshot(path=str(screenshot), full_page=True)
        assert screenshot.stat().st_size > 0
    finally:
        context.close()
    report = "\n".join(coach_sees.visited)
    assert not [line for line in coach_sees.found if "aria-valid-attr-value" in line]
    assert not coach_sees.found, (
        f"{len(coach_sees.found)} problems at 390px:\n"
        + "\n".join(coach_sees.found)
        + "\n\nVisited:\n"
        + report
    )
    assert len(coach_sees.visited) >= 25

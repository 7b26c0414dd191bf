"""Every page a coach uses passes axe-core's checks, on a desktop screen and on a phone."""

from __future__ import annotations

import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils import timezone

from ethos.accounts.models import User
from ethos.clients import goals, services
from ethos.coaching import notes
from ethos.coaching import services as coaching
from ethos.coaching.models import Session
from ethos.practice import services as practice
from ethos.referrals import services as directory
from ethos.referrals.models import Resource
from ethos.safeguarding import reports as safeguarding_reports
from ethos.safeguarding import services as safeguarding
from ethos.standards.models import OpenItem
from ethos.vault.context import unlocked
from tests.clients.conftest import client_confirms, intake, vetted_resource, years_ago
from tests.conftest import PASSPHRASE, make_coach, open_vault
from tests.practice.conftest import make_credential

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("flushable_db")]

WIDTHS = {"desktop": 1280, "phone": 390}
GOAL = "Sleep through the night without checking the locks"
# The person declined at intake for the crisis protocol (S2); a later intake of them is stopped.
DECLINED_NAME = "Jamie Doe"
# A fixed day, not an age: the practice is made before the test fills the intake in again, and a
# run across midnight would otherwise type a birthday one day off and meet a new person.
DECLINED_BORN = datetime.date(1992, 3, 14)

axe = Axe()


def sign_in(page, live_server, email, passphrase=PASSPHRASE, lands_on="/"):
    """Sign in through the form (a coach by default; a client lands on their portal)."""
    page.goto(live_server.url + "/sign-in/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Passphrase").fill(passphrase)
    page.get_by_label("Passphrase").press("Enter")
    page.wait_for_url(live_server.url + lands_on)


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in/")


def practice_with_clients():
    """Return a coach and the URLs of their pages, with clients, goals and open items behind them."""
    coach = make_coach(name="Alex Rivera")
    practice.profile_update(
        coach=coach,
        country="GB",
        region="",
        age_of_majority=18,
        crisis_line="116 123",
        emergency_number="999",
    )
    with unlocked(open_vault(coach)):
        resource = vetted_resource(coach)
        vetted_resource(coach, name="Night Line", kind=Resource.Kind.CRISIS_LINE)
        directory.resource_deactivate(coach=coach, resource=vetted_resource(coach, name="Old Harbour"))
        # Thoughts of death without intent or plan: accepted, with a safety check owed (S2).
        sam = intake(coach, name="Sam Reed", suicidal_thoughts=True, concerns=["grief"]).client
        confirmed = goals.goal_create(coach=coach, client=sam, words=GOAL)
        client_confirms(coach, confirmed)  # Sam confirmed it in their portal (P5)
        goals.goal_progress_add(coach=coach, goal=confirmed, recorded_on=years_ago(0), score=4)
        goals.goal_create(coach=coach, client=sam, words="Say no to overtime once a week")  # awaits P5
        services.referral_make(coach=coach, client=sam, resource=resource, reason="Grief work alongside us")
        safety_check = services.safety_check_record(
            coach=coach,
            client=sam,
            checked_on=years_ago(0),
            summary="Asked about the thoughts and whether she had thought of acting: she had not.",
            safety_plan="Her sister is staying this week.",
            follow_up_on=years_ago(0),
        )
        declined = intake(
            coach, name=DECLINED_NAME, born=DECLINED_BORN, suicidal_thoughts=True, intent_or_plan=True
        ).client
        now = timezone.now()
        today = coaching.session_schedule(
            coach=coach,
            client=sam,
            starts_at=now - datetime.timedelta(minutes=5),
            duration_minutes=50,
            modality=Session.Modality.IN_PERSON,
            place="Room 2",
        )
        coaching.session_start(coach=coach, session=today, coach_fit=True, presentation="steady")
        notes.note_save(
            coach=coach,
            session=today,
            # Findings of three kinds, so the note page shows its reason, scope and boundary forms.
            sections={
                "focus": "Sleeping through the night",
                "worked_on": "A wind-down routine. I think he has PTSD. I gave him my personal number "
                "so he can text me at the weekend. He said he has no reason to go on and has thought "
                "about how he would end his life. She told me her father hits her little sister every night.",
            },
            version=0,
        )
        # Safeguarding (C1, C3): the note's C3 flag, a report owed, a consent, an order, a disclosure.
        flag = OpenItem.objects.get(coach=coach, clause="C3", subject_type="sessionnote")
        report_task = safeguarding_reports.report_task_open(
            coach=coach, client=sam, at_risk="child", details="Her sister, aged 7.", learned_at=now
        )
        consent = safeguarding.consent_record(
            coach=coach,
            client=sam,
            recipient="Dr Lee, GP",
            purpose="Coordinating care",
            record_kinds=["attendance", "goals"],
            valid_from=years_ago(0),
            valid_until=years_ago(-1),
            how_given="typed",
            signed_on=years_ago(0),
            signed_name="Sam Reed",
        )
        pdf = safeguarding.Upload(content=b"%PDF-1.4 order", name="order.pdf", content_type="application/pdf")
        order = safeguarding.court_order_record(
            coach=coach,
            client=sam,
            kind="subpoena",
            court="County Court",
            case_reference="CV-1",
            issued_on=years_ago(0),
            recipient="County Court",
            record_kinds=["attendance"],
            asks_for="Dates of sessions",
            may_tell_client=True,
            document=pdf,
        )
        disclosure = safeguarding.disclosure_request(
            coach=coach,
            passphrase=PASSPHRASE,
            request=safeguarding.Request(
                client=sam,
                recipient="Dr Lee, GP",
                record_kinds=("attendance",),
                purpose="Coordinating care",
                basis="consent",
                consent=consent,
            ),
        )
        emergency = safeguarding.emergency_disclose(
            coach=coach,
            passphrase=PASSPHRASE,
            client=sam,
            recipient="Ambulance",
            what="Her address.",
            record_kinds=("identity",),
        )
        tomorrow = coaching.session_schedule(
            coach=coach,
            client=sam,
            starts_at=now + datetime.timedelta(days=1),
            duration_minutes=50,
            modality=Session.Modality.VIDEO,
            place="",
        )
        money_package = _money(coach, sam)
    pages = {
        "dashboard": reverse("home"),
        "client list": reverse("clients:list"),
        "intake form": reverse("clients:intake"),
        "crisis protocol": reverse("clients:crisis", args=[declined.pk]),
        "client page": reverse("clients:detail", args=[sam.pk]),
        "safety-check form": reverse("clients:safety_check", args=[sam.pk]),
        "safety checks due": reverse("clients:safety_checks"),
        "safety follow-up form": reverse("clients:safety_follow_up", args=[sam.pk, safety_check.pk]),
        "referral": reverse("clients:refer", args=[sam.pk]),
        "ending form": reverse("clients:end", args=[sam.pk]),
        "directory": reverse("referrals:list"),
        "directory: add, with what fits": reverse("referrals:add"),
        "directory: a service": reverse("referrals:detail", args=[resource.pk]),
        "practice profile": reverse("practice:profile"),
        "compliance report": reverse("standards:compliance"),
        "ethics desk": reverse("standards:ask"),
        "activity": reverse("audit:activity"),
        "account": reverse("accounts:account"),
        "goal page": reverse("clients:goal_detail", args=[sam.pk, confirmed.pk]),
        "goal progress form": reverse("clients:goal_progress", args=[sam.pk, confirmed.pk]),
        "contact details": reverse("clients:contact", args=[sam.pk]),
        "supervision plan": reverse("clients:supervision", args=[sam.pk]),
        "practice closure": reverse("clients:closure"),
        "practice home": reverse("practice:home"),
        "competence areas": reverse("practice:competence"),
        "credentials": reverse("practice:credentials"),
        "credential form": reverse("practice:credential_add"),
        "vetting form": reverse("referrals:vet", args=[resource.pk]),
        "two-step set-up": reverse("accounts:two_factor_setup"),
        "passphrase change": reverse("accounts:passphrase_change"),
        "sessions: agenda": reverse("coaching:list"),
        "sessions: week": reverse("coaching:week"),
        "sessions: schedule form": reverse("coaching:schedule"),
        "session page, started": reverse("coaching:detail", args=[today.pk]),
        "session note: writing": reverse("coaching:note_edit", args=[today.pk]),
        "session note": reverse("coaching:note", args=[today.pk]),
        "session note: a version": reverse("coaching:note_version", args=[today.pk, 1]),
        "session: cancel form": reverse("coaching:cancel", args=[tomorrow.pk]),
        "session: move form": reverse("coaching:reschedule", args=[tomorrow.pk]),
        "sessions: calendar feed settings": reverse("coaching:calendar"),
        "supervision log": reverse("practice:supervision"),
        "supervisor form": reverse("practice:supervisor_add"),
        "supervision form": reverse("practice:supervision_add"),
        "continuing education": reverse("practice:education"),
        "continuing education form": reverse("practice:education_add"),
        "boundaries": reverse("coaching:boundaries", args=[sam.pk]),
        "boundary agreement form": reverse("coaching:boundary_agreement", args=[sam.pk]),
        "contact log form": reverse("coaching:contact_log", args=[sam.pk]),
        "relationship declaration form": reverse("coaching:relationship_declare", args=[sam.pk]),
        "safeguarding": reverse("safeguarding:home"),
        "report task": reverse("safeguarding:task", args=[report_task.pk]),
        "report task: open form": f"{reverse('safeguarding:task_new')}?client={sam.pk}",
        "checker flag: not a disclosure": reverse("safeguarding:dismiss", args=[flag.pk]),
        "consent form": reverse("safeguarding:consent_new", args=[sam.pk]),
        "consent": reverse("safeguarding:consent", args=[sam.pk, consent.pk]),
        "court order form": reverse("safeguarding:order_new", args=[sam.pk]),
        "court order": reverse("safeguarding:order", args=[sam.pk, order.pk]),
        "share records form": reverse("safeguarding:disclosure_new", args=[sam.pk]),
        "emergency disclosure form": reverse("safeguarding:emergency", args=[sam.pk]),
        "disclosure": reverse("safeguarding:disclosure", args=[sam.pk, disclosure.pk]),
        "emergency disclosure, to review": reverse("safeguarding:disclosure", args=[sam.pk, emergency.pk]),
        "accounting of disclosures": reverse("safeguarding:accounting", args=[sam.pk]),
        "crisis protocol, active client": reverse("clients:crisis", args=[sam.pk]),
        "money": reverse("money:home"),
        "invoices and receipts": reverse("money:documents"),
        "fees and payments": reverse("money:ledger", args=[sam.pk]),
        "fee agreement form": reverse("money:agreement", args=[sam.pk]),
        "prepaid package form": reverse("money:package_new", args=[sam.pk]),
        "prepaid package: close": reverse("money:package_close", args=[sam.pk, money_package.pk]),
        "payment form": reverse("money:payment_new", args=[sam.pk]),
        "gift form": reverse("money:gift_new", args=[sam.pk]),
    }
    with unlocked(open_vault(coach)):
        make_credential(coach=coach, areas=["grief-and-loss"])
        _practice_logs(coach)
    return coach, pages


def _money(coach, client):
    """A fee agreement, a package, a payment with its receipt and an invoice, so the money pages fill."""
    from decimal import Decimal

    from ethos.money import services as money

    today = timezone.localdate()
    money.agreement_make(
        coach=coach,
        client=client,
        fee=Decimal("80"),
        late_cancel_hours=24,
        late_cancel_percent=50,
        agreed_on=today,
    )
    package = money.package_sell(
        coach=coach, client=client, sessions=4, price=Decimal("300"), bought_on=today
    )
    money.payment_record(
        coach=coach, client=client, kind="package", amount=Decimal("300"), method="bank", paid_on=today
    )
    money.invoice_issue(coach=coach, client=client)
    return package


def _practice_logs(coach) -> None:
    """A supervisor, a supervision and an activity, so their pages show their forms and lists."""
    from decimal import Decimal

    from ethos.practice import education, supervision
    from ethos.practice.models import Supervisor

    today = timezone.localdate()
    supervisor = supervision.supervisor_add(
        coach=coach,
        name="Dr Ada Nwosu",
        qualification="Clinical supervisor",
        verified_how=Supervisor.Verified.REGISTER,
        verified_on=today,
    )
    supervision.supervision_record(
        coach=coach,
        supervisor=supervisor,
        held_on=today,
        hours=Decimal("1"),
        concerns="A client's situation.",
        outcome="Refer alongside.",
    )
    education.education_record(
        coach=coach,
        title="Polyvagal theory",
        provider="Institute",
        done_on=today,
        hours=Decimal("2"),
        topic="trauma",
    )


# What axe does not look at: idrefs that point nowhere (axe passes a list with one good id), a
# page wider than the screen (WCAG 1.4.10: only the page's own scroll boxes may scroll sideways),
# and a focus ring on everything the keyboard reaches. After one Tab, chromium treats a scripted
# focus() as keyboard focus, so one call checks every element's :focus-visible style.
PAGE_CHECKS = r"""() => {
  const problems = [];
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (el.className ? "." + el.className : "") + ` "${el.textContent.trim().slice(0, 30)}"`;
  const reachable = "a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]";
  for (const el of document.querySelectorAll(reachable)) {
    if (el.tabIndex < 0 || el.disabled || !el.getClientRects().length) continue;
    el.focus();
    const style = getComputedStyle(el);
    const ring = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
    if (document.activeElement === el && !(el.matches(":focus-visible") && ring)) {
      problems.push(`focus-not-visible [serious] ${describe(el)}`);
    }
  }
  document.activeElement.blur();
  for (const el of document.querySelectorAll("[aria-describedby], [aria-labelledby], label[for]")) {
    const refs = [el.getAttribute("aria-describedby"), el.getAttribute("aria-labelledby"), el.htmlFor];
    for (const id of refs.join(" ").split(/\s+/).filter(Boolean)) {
      if (!document.getElementById(id)) problems.push(`idref-missing [serious] ${describe(el)} -> #${id}`);
    }
  }
  const width = document.documentElement.clientWidth;
  const scrolled = document.documentElement.scrollWidth;
  if (scrolled > width) {
    const wide = [...document.querySelectorAll("body *")].filter(
      (el) => el.getBoundingClientRect().right > width + 1 && !el.closest(".table-scroll"));
    problems.push(`page-overflow [serious] ${scrolled}px wide: ${wide.slice(0, 3).map(describe).join(", ")}`);
  }
  return problems;
}"""


def problems(page, name: str) -> list[str]:
    """Run axe and the page checks on the page as it stands; return one line per failing element."""
    # Closed <details> hide their contents from axe; open them so every word is checked.
    page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    results = axe.run(page)
    found = [
        f"{violation['id']} [{violation['impact']}] {', '.join(map(str, node['target']))}"
        for violation in results.response["violations"]
        for node in violation["nodes"]
    ]
    page.keyboard.press("Tab")
    found += page.evaluate(PAGE_CHECKS)
    return [f"{name} ({page.url}): {line}" for line in found]


def submit_a_stopped_intake(page, live_server):
    """Fill the intake for the person declined earlier, with no explanation: the verdict panel shows."""
    page.goto(live_server.url + reverse("clients:intake"))
    page.get_by_label("Full name").fill(DECLINED_NAME)
    page.get_by_label("Date of birth").fill(DECLINED_BORN.isoformat())
    page.get_by_label("Email").fill("jamie@example.org")
    for question in (
        "suicidal_thoughts",
        "intent_or_plan",
        "self_harm",
        "substance_uncontrolled",
        "current_treatment",
    ):
        page.locator(f"input[name={question}][value=no]").check()
    page.get_by_role("button", name="Record the intake").click()
    page.locator(".verdict").wait_for()


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_every_page_a_coach_uses_passes_axe(live_server, browser, width):
    coach, pages = practice_with_clients()
    staff = User.objects.create_user(
        "staff@example.org", PASSPHRASE, name="Dana Staff", role=User.Role.ASSOCIATION_STAFF
    )
    person = User.objects.create_user(
        "client@example.org", PASSPHRASE, name="Robin Ash", role=User.Role.CLIENT
    )
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    found = []
    try:
        sign_in(page, live_server, coach.email)
        for name, url in pages.items():
            page.goto(live_server.url + url)
            found += problems(page, name)
        submit_a_stopped_intake(page, live_server)
        found += problems(page, "intake form with a verdict")
        sign_out(page)
        found += problems(page, "sign-in")
        page.get_by_label("Email").fill(coach.email)
        page.get_by_label("Passphrase").fill("not the passphrase")
        page.get_by_label("Passphrase").press("Enter")
        page.get_by_role("alert").wait_for()
        found += problems(page, "sign-in refused")
        for user in (staff, person):
            sign_in(page, live_server, user.email)
            found += problems(page, f"home of a {user.get_role_display()}")
            sign_out(page)
    finally:
        context.close()
    assert not found, f"{len(found)} accessibility problems at {width}px:\n" + "\n".join(found)


def portal_pages():
    """A coach with a portal client (a goal and a consent shared, answers back) and a newcomer.

    Return the coach, the two clients' emails and the pages of each side.
    """
    from django.test import TestCase

    from ethos.portal import services as portal
    from ethos.portal.models import ClientAccount, Reply, Share
    from tests.portal.conftest import intake_sent, token_from

    coach = make_coach(name="Alex Rivera")
    practice.profile_update(
        coach=coach,
        country="GB",
        region="",
        age_of_majority=18,
        crisis_line="116 123",
        emergency_number="999",
    )
    today = timezone.localdate()
    with unlocked(open_vault(coach)), TestCase.captureOnCommitCallbacks(execute=True):
        sam = intake(coach, name="Sam Reed").client
        portal.invitation_create(coach=coach, email="sam@example.org", site="http://testserver", client=sam)
        portal.join(token=token_from(mail_body()), passphrase=PASSPHRASE)
        portal.invitation_create(coach=coach, email="new@example.org", site="http://testserver")
        portal.join(token=token_from(mail_body()), passphrase=PASSPHRASE)
        portal.invitation_create(coach=coach, email="later@example.org", site="http://testserver")
        unused = token_from(mail_body())
        goal = goals.goal_create(coach=coach, client=sam, words=GOAL)
        goal_share = portal.goal_share(coach=coach, goal=goal)
        draft = portal.consent_ask(
            coach=coach,
            client=sam,
            recipient="Dr Lee, GP",
            purpose="Coordinating care",
            record_kinds=["attendance"],
            valid_from=today,
            valid_until=today + datetime.timedelta(days=90),
        )
        text = portal.consent_text(draft)
        boundary = portal.boundary_ask(
            coach=coach,
            client=sam,
            contact_between="Email, to move a session.",
            out_of_bounds="Social media.",
        )
    consent_share = Share.objects.get(subject_id=draft.pk)
    boundary_share = Share.objects.get(subject_id=boundary.pk)
    account = ClientAccount.objects.get(user__email="sam@example.org")
    client_pages = {
        "portal: home": reverse("portal:home"),
        "portal: a goal to confirm": reverse("portal:goal", args=[goal_share.pk]),
        "portal: a consent to sign": reverse("portal:consent", args=[consent_share.pk]),
        "portal: an agreement to sign": reverse("portal:agreement", args=[boundary_share.pk]),
        "portal: messages": reverse("portal:messages"),
        "portal: stop coaching": reverse("portal:end"),
        "portal: coming sessions": reverse("portal:appointments"),
        "portal: records and who they were shared with": reverse("portal:records"),
        "portal: send a file": reverse("portal:upload"),
    }
    # Answers back, for the coach's pages: a goal reworded, a consent signed, a newcomer's intake.
    from ethos.vault import boxes
    from ethos.vault import services as vault_services

    key = boxes.private_key(vault_services.unlock_with_passphrase(coach=account.user, passphrase=PASSPHRASE))
    portal.goal_answer(
        account=account,
        share=goal_share,
        private_key=key[0],
        key_id=key[1],
        words="Sleep through most nights",
        shown_sha256=portal.text_sha256(GOAL),
    )
    portal.message_send(account=account, text="Can we move Thursday?")
    from django.core.files.uploadedfile import SimpleUploadedFile

    portal.upload_send(account=account, file=SimpleUploadedFile("signed form.pdf", b"%PDF-1.4\n%%EOF\n"))
    with unlocked(open_vault(coach)):
        coaching.session_schedule(
            coach=coach,
            client=sam,
            starts_at=timezone.now() + datetime.timedelta(days=2),
            duration_minutes=50,
            modality=Session.Modality.IN_PERSON,
            place="Room 2",
        )
        given = safeguarding.consent_record(
            coach=coach,
            client=sam,
            recipient="Dr Lee, GP",
            purpose="Coordinating care",
            record_kinds=["attendance"],
            valid_from=today,
            valid_until=today + datetime.timedelta(days=30),
            how_given="typed",
            signed_on=today,
            signed_name="Sam Reed",
        )
        safeguarding.disclosure_request(
            coach=coach,
            passphrase=PASSPHRASE,
            request=safeguarding.Request(
                client=sam,
                recipient="Dr Lee, GP",
                record_kinds=("attendance",),
                purpose="Coordinating care",
                basis="consent",
                consent=given,
            ),
        )
        portal.appointments_share(coach=coach, client=sam)
        portal.accounting_share(coach=coach, client=sam)
    newcomer = ClientAccount.objects.get(user__email="new@example.org")
    # Enough accounts for the list of them to go over a page (rows only: the list just reads them).
    from ethos.portal.selectors import ACCOUNTS_PAGE_SIZE

    for number in range(ACCOUNTS_PAGE_SIZE):
        joined = User.objects.create(email=f"joined{number}@example.org", name="", role=User.Role.CLIENT)
        ClientAccount.objects.create(user=joined, coach=coach)
    intake_sent(newcomer)
    coach_pages = {
        "portal (coach)": reverse("portal_coach:home"),
        "portal: invite a client": reverse("portal_coach:invite_client", args=[sam.pk]),
        "portal: ask for a consent": reverse("portal_coach:consent_ask", args=[sam.pk]),
        "portal: ask for a boundary agreement": reverse("portal_coach:boundary_ask", args=[sam.pk]),
        "portal: a client's own intake": reverse(
            "portal_coach:reply", args=[Reply.objects.get(kind=Reply.Kind.INTAKE).pk]
        ),
        "portal: a goal reworded": reverse(
            "portal_coach:reply", args=[Reply.objects.get(kind=Reply.Kind.GOAL).pk]
        ),
        "client page with its portal section": reverse("clients:detail", args=[sam.pk]),
        "portal: messages (coach)": reverse("portal_coach:messages", args=[account.pk]),
    }
    return coach, client_pages, coach_pages, unused, text


def mail_body() -> str:
    from django.core import mail

    return mail.outbox[-1].body


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_every_portal_page_passes_axe(live_server, browser, width):
    from ethos.portal import services as portal

    coach, client_pages, coach_pages, unused, text = portal_pages()
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    found = []
    try:
        page.goto(live_server.url + reverse("portal:join", args=[unused]))
        found += problems(page, "portal: choose a passphrase")
        page.get_by_role("button", name="Save my passphrase").click()
        page.locator(".error-summary").wait_for()
        found += problems(page, "portal: choose a passphrase, with errors")
        page.get_by_label("Choose a passphrase").fill(PASSPHRASE)
        page.get_by_label("Type it again").fill(PASSPHRASE)
        page.get_by_role("button", name="Save my passphrase").click()
        page.wait_for_url(live_server.url + reverse("portal:home"))
        page.goto(live_server.url + reverse("portal:intake"))
        found += problems(page, "portal: intake in the client's own words")
        page.get_by_role("button", name="Send my answers to my coach").click()
        page.locator(".error-summary").wait_for()
        found += problems(page, "portal: intake, with errors")
        page.get_by_label("Your name").fill("Jo Lane")
        page.get_by_label("Your date of birth").fill("1990-04-27")
        for question in portal.SCREENING_FIELDS:
            answer = "yes" if question in ("suicidal_thoughts", "intent_or_plan") else "no"
            page.locator(f"input[name={question}][value={answer}]").check()
        page.get_by_role("button", name="Send my answers to my coach").click()
        page.get_by_role("heading", name="Thank you for telling us").wait_for()
        found += problems(page, "portal: the crisis numbers (S2)")
        sign_out(page)
        page.goto(live_server.url + "/sign-in/")
        page.get_by_label("Email").fill("sam@example.org")
        page.get_by_label("Passphrase").fill(PASSPHRASE)
        page.get_by_label("Passphrase").press("Enter")
        page.wait_for_url(live_server.url + reverse("portal:home"))
        for name, url in client_pages.items():
            page.goto(live_server.url + url)
            found += problems(page, name)
        page.goto(live_server.url + client_pages["portal: a consent to sign"])
        page.get_by_role("button", name="Sign with my name").click()
        page.locator(".error-summary").wait_for()
        found += problems(page, "portal: a consent, with errors")
        page.get_by_label("I have read all of this").check()
        page.get_by_label("Type your name to sign").fill("Sam Reed")
        page.get_by_role("button", name="Sign with my name").click()
        page.wait_for_url(live_server.url + reverse("portal:home"))
        sign_out(page)
        page.goto(live_server.url + "/sign-in/")
        page.get_by_label("Email").fill("new@example.org")
        page.get_by_label("Passphrase").fill(PASSPHRASE)
        page.get_by_label("Passphrase").press("Enter")
        page.wait_for_url(live_server.url + reverse("portal:home"))
        page.goto(live_server.url + reverse("portal:intake"))
        found += problems(page, "portal: intake, already sent")
        sign_out(page)
        sign_in(page, live_server, coach.email)
        for name, url in coach_pages.items():
            page.goto(live_server.url + url)
            found += problems(page, name)
        page.goto(live_server.url + reverse("portal_coach:home") + "?page=2")
        # The list of accounts is over a page long: its page links are there for axe to check.
        assert page.get_by_role("navigation", name="Pages of portal accounts").is_visible()
        found += problems(page, "portal (coach), the second page of accounts")
        page.goto(live_server.url + reverse("portal_coach:home"))
        page.get_by_role("link", name="A signature").click()
        # Axe must not run on the page that is being left: wait until the reply page is the one shown.
        page.wait_for_url("**/portal/coach/replies/*/")
        found += problems(page, "portal: a signature to record")
    finally:
        context.close()
    assert text and portal.text_sha256(text)
    assert not found, f"{len(found)} accessibility problems at {width}px:\n" + "\n".join(found)


def association_pages():
    """A certified coach with an open ethics case about them; return the staff, the coach and the pages."""
    from ethos.certification.cases import services as cases
    from ethos.certification.services import certification_register, credential_issue
    from tests.certification.conftest import make_staff

    coach = make_coach(name="Alex Rivera")
    staff = make_staff(email="morgan@association.test")
    today = timezone.localdate()
    certification = certification_register(
        staff=staff,
        number="TRC-004217",
        public_name="Alex Rivera",
        issued_on=today - datetime.timedelta(days=400),
        renews_on=today + datetime.timedelta(days=330),
        coach=coach,
    )
    credential_issue(staff=staff, certification=certification)
    complaint = cases.complaint_submit(
        name="Jordan Blake",
        email="jordan@example.net",
        phone="",
        coach_named="Alex Rivera",
        account="My coach lent me money and charged me interest.",
        events_on=today - datetime.timedelta(days=20),
        clauses=["P9"],
    )
    waiting = cases.complaint_submit(
        name="Sam Reed",
        email="sam@example.net",
        phone="",
        coach_named="TRC-004217",
        account="My coach told my employer about our sessions.",
        events_on=today - datetime.timedelta(days=5),
        clauses=[],
    )
    case = cases.case_open(
        staff=staff,
        complaint=complaint,
        certification=certification,
        clauses=["P9"],
        summary="It is alleged that you lent a client money and charged interest on it.",
    )
    staff_pages = {
        "association: staff home": reverse("home"),
        "association: registry": reverse("certification:registry"),
        "association: registry entry": reverse("certification:detail", args=[certification.pk]),
        "association: add a certification": reverse("certification:register"),
        "association: cases": reverse("cases:list"),
        "association: a complaint to screen": reverse("cases:complaint", args=[waiting.pk]),
        "association: a complaint with its case": reverse("cases:complaint", args=[complaint.pk]),
        "association: an ethics case": reverse("cases:detail", args=[case.pk]),
    }
    coach_pages = {
        "association: my certificate": reverse("certification_coach:mine"),
        "association: association matters": reverse("cases_coach:list"),
        "association: a notice to respond to": reverse("cases_coach:case", args=[case.pk]),
    }
    return staff, coach, staff_pages, coach_pages


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_every_association_page_passes_axe(live_server, browser, width):
    staff, coach, staff_pages, coach_pages = association_pages()
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    found = []
    try:
        # The public: verification, empty and with an answer, and the complaint form.
        page.goto(live_server.url + reverse("certification_public:verify"))
        found += problems(page, "association: verification")
        page.get_by_label("Certificate number or certificate").fill("TRC-004217")
        page.get_by_role("button", name="Check").click()
        page.locator("#answer").wait_for()
        found += problems(page, "association: verification with an answer")
        page.goto(live_server.url + reverse("cases:complaint_form"))
        found += problems(page, "association: complaint form")
        page.get_by_role("button", name="Send my complaint").click()
        page.locator(".error-summary").wait_for()
        found += problems(page, "association: complaint form, with errors")
        page.get_by_label("Your name").fill("Jordan Blake")
        page.get_by_label("Your email address").fill("jordan@example.net")
        page.get_by_label("Which coach is it about?").fill("TRC-004217")
        page.get_by_label("When did it happen?").fill(timezone.localdate().isoformat())
        page.get_by_label("What happened?").fill("They shared what I told them.")
        page.get_by_role("button", name="Send my complaint").click()
        page.get_by_role("heading", name="Thank you. We have your complaint.").wait_for()
        found += problems(page, "association: complaint received")
        sign_in(page, live_server, staff.email)
        for name, url in staff_pages.items():
            page.goto(live_server.url + url)
            found += problems(page, name)
        sign_out(page)
        sign_in(page, live_server, coach.email)
        for name, url in coach_pages.items():
            page.goto(live_server.url + url)
            found += problems(page, name)
        page.goto(live_server.url + reverse("practice:home"))
        found += problems(page, "practice, with the links to the association")
    finally:
        context.close()
    assert not found, f"{len(found)} accessibility problems at {width}px:\n" + "\n".join(found)

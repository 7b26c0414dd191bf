"""A fictional practice to open and look around: `ethos demo` builds it through Ethos's own services.

Every record goes through the function a page would call (intake, goals, scheduling, the session
checks, notes and the language checker, the report task, fees and invoices, endings, the portal),
so the records are encrypted, the standards engine gives its findings and every change is in the
coach's audit log, exactly as if a coach had done it by hand today. Nothing here writes a row.

The people and what they say are made up. The sessions are today's: Ethos books nothing in the
past, so the practice is seen on the day its coach met two clients.
"""

from __future__ import annotations

import datetime
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.test.utils import override_settings
from django.utils import timezone

from ethos.accounts import services as accounts
from ethos.accounts.models import User
from ethos.audit.models import AuditEvent
from ethos.clients import endings
from ethos.clients import goals as goal_services
from ethos.clients import services as clients
from ethos.clients.models import Client, Ending
from ethos.coaching import notes
from ethos.coaching import services as coaching
from ethos.coaching.models import CloseCheck, Session, StartCheck
from ethos.money import services as money
from ethos.portal import services as portal
from ethos.referrals import services as directory
from ethos.referrals.models import Resource, VettingRecord
from ethos.safeguarding import reports
from ethos.safeguarding.models import AtRisk
from ethos.vault import boxes
from ethos.vault.context import Vault, unlocked

COACH_EMAIL = "demo.coach@example.org"
COACH_NAME = "Jamie Rivers"
CLIENT_EMAIL = "rowan.ashby@example.org"
INVITED_EMAIL = "sam.okoro@example.org"
# The address the portal's links would use; the demo's invitation emails are never sent.
SITE = "http://127.0.0.1:8000"

COACH_EXISTS = (
    "This database already has a coach, so the demo practice was not added: Ethos puts it only into "
    "a fresh database. Point ETHOS_DATA_DIR (or DATABASE_URL) at a new place, or pass --alongside to "
    "add it next to the practices already here. Nothing was changed."
)
DEMO_EMAIL_TAKEN = (
    f"An account with the email {COACH_EMAIL} is already here: the demo practice was added before. "
    "Nothing was changed."
)
MIDNIGHT = (
    "The demo holds two sessions today, and today has less than ten minutes left. Run `ethos demo` "
    "again after midnight. Nothing was changed."
)

NO_RISK = clients.Screening(
    suicidal_thoughts=False,
    intent_or_plan=False,
    self_harm=False,
    substance_uncontrolled=False,
    current_treatment=False,
)
REFLECTED = coaching.Reflection(safety_offered=True, choice_offered=True, collaboration_offered=True)

# The signed note: its third sentence names a diagnosis in the coach's own voice, which the
# language checker flags (S7). A warning: the note can still be signed, with the finding shown.
SIGNED_NOTE = {
    "focus": "Rowan wanted to talk about sleep since starting the new job.",
    "worked_on": (
        "We looked at what her evenings look like now and what already helps. "
        "She seems clearly depressed this week."
    ),
    "reflections": "Rowan chose to try a short wind-down routine on three evenings.",
    "next_steps": "Try the routine and bring a few notes about how it went.",
    "follow_ups": "",
}
# The draft note: its second sentence reads as a child being hurt now (C3). The coach opens the
# report task from that finding; until the report is recorded the note cannot be signed.
C3_SENTENCE = "Sam told me the neighbour hits his little boy when he cries at night."
DRAFT_NOTE = {
    "focus": "Sam talked about the move to a new flat and how loud the building is.",
    "worked_on": f"{C3_SENTENCE} We practised a slow breathing exercise, and Sam chose when to stop.",
    "reflections": "",
    "next_steps": "",
    "follow_ups": "",
}

WORDS = (
    "amber anchor apple arbor aspen autumn bamboo basil beacon birch bramble breeze brook cabin "
    "canyon cedar chalk clover cobalt comet copper coral cotton crane creek dahlia delta dune ember "
    "falcon fennel fern fjord flint forest garnet ginger glacier granite harbor hazel heron hollow "
    "indigo island ivory jasmine juniper kestrel lagoon lantern larch lemon linen lotus maple marble "
    "meadow mint moss nectar nutmeg oak ochre olive orchard otter pebble pepper pine plum poppy quartz "
    "quill raven reed ridge river saffron sage salmon sierra slate sorrel spruce summit thistle "
    "thyme timber topaz tulip valley velvet violet walnut willow winter wren yarrow zephyr"
)


def passphrase_check(passphrase: str) -> None:
    """Raise ValidationError unless the demo coach may have this passphrase (the rules of every coach)."""
    password_validation.validate_password(passphrase, User(email=COACH_EMAIL, name=COACH_NAME))


def passphrase_make() -> str:
    """Return a passphrase of five plain words and a number that the passphrase rules accept."""
    for _ in range(20):
        words = [secrets.choice(WORDS.split()) for _ in range(5)]
        candidate = " ".join([*words, str(secrets.randbelow(90) + 10)])
        try:
            passphrase_check(candidate)
        except ValidationError:
            continue
        return candidate
    raise RuntimeError("Could not make a passphrase that the passphrase rules accept.")


@dataclass
class DemoPractice:
    """What the demo built, and how to sign in to it."""

    passphrase: str
    client_email: str
    client_passphrase: str
    coach: User | None = None
    clients: dict[str, Client] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)
    # Filled while building: the coach's unlocked vault, the portal account's.
    vault: Vault | None = None
    client_vault: Vault | None = None
    extra: dict = field(default_factory=dict)

    def summary(self) -> str:
        """Say in a line what the practice holds, counted from the database."""
        by_status = Counter(Client.objects.filter(coach=self.coach).values_list("status", flat=True))
        states = ", ".join(
            f"{by_status[status]} {label.lower()}"
            for status, label in Client.Status.choices
            if by_status[status]
        )
        sessions = Session.objects.filter(coach=self.coach).count()
        events = AuditEvent.objects.filter(coach=self.coach).count()
        return (
            f"{sum(by_status.values())} clients ({states}), {sessions} sessions, {events} events in its log"
        )


def demo_refusal(*, alongside: bool) -> str | None:
    """Say why the demo may not be built in this database now, or None when it may."""
    if User.objects.filter(email__iexact=COACH_EMAIL).exists():
        return DEMO_EMAIL_TAKEN
    if not alongside and User.objects.coaches().exists():
        return COACH_EXISTS
    if not room_today():
        return MIDNIGHT
    return None


def room_today() -> bool:
    """Whether today's two sessions fit in what is left of the day (the second starts in six minutes)."""
    # Ethos books nothing more than a few minutes back and starts no session before its day.
    now = timezone.localtime()
    return (now + datetime.timedelta(minutes=10)).date() == now.date()


def _born(years: int, days: int) -> datetime.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years, month=1, day=1) + datetime.timedelta(days=days)


def _intake(demo: DemoPractice, *, name: str, years: int, days: int, email: str, wants: str) -> Client:
    data = clients.IntakeData(
        name=name,
        date_of_birth=_born(years, days),
        contact={"email": email, "phone": "0100 000 000"},
        screening=NO_RISK,
        concerns=[],
        wants=wants,
    )
    return clients.intake_submit(coach=demo.coach, data=data).client


# -- the steps, in order ---------------------------------------------------------------------


def _coach(demo: DemoPractice) -> None:
    # As the first-run page does; beside other practices (--alongside), as an invitation does.
    create = accounts.first_coach_create if not User.objects.exists() else accounts.coach_create
    created = create(email=COACH_EMAIL, name=COACH_NAME, passphrase=demo.passphrase)
    demo.coach, demo.vault = created.user, created.vault


def _directory(demo: DemoPractice) -> None:
    """Two services the coach has vetted: another coach to refer to, and a youth service (P10)."""
    today = timezone.localdate()
    for name, kind in (
        ("Harbour Lane Coaching", Resource.Kind.COACHING),
        ("Northside Youth Counselling", Resource.Kind.THERAPIST),
    ):
        resource = directory.resource_create(coach=demo.coach, name=name, kind=kind, phone="0100 000 111")
        directory.vetting_record(
            coach=demo.coach,
            resource=resource,
            vetted_on=today - datetime.timedelta(days=20),
            method=VettingRecord.Method.SPOKE,
            learnt="They take new clients within two weeks.",
        )
        demo.extra[kind] = resource


def _intakes(demo: DemoPractice) -> None:
    people = {
        "rowan": ("Rowan Ashby", 34, 40, CLIENT_EMAIL, "To sleep better and feel steady at work"),
        "sam": ("Sam Okoro", 41, 120, INVITED_EMAIL, "To feel at home in a new place"),
        "ines": ("Ines Marlow", 29, 200, "ines.marlow@example.org", "To trust my own decisions again"),
        "theo": ("Theo Brandt", 52, 10, "theo.brandt@example.org", "To drive on the motorway again"),
    }
    for key, (name, years, days, email, wants) in people.items():
        demo.clients[key] = _intake(demo, name=name, years=years, days=days, email=email, wants=wants)


def _declined(demo: DemoPractice) -> None:
    """A 16-year-old's intake: declined under S9, with a referral to a youth service still owed."""
    demo.clients["lily"] = _intake(
        demo,
        name="Lily Park",
        years=16,
        days=30,
        email="lily.park@example.org",
        wants="Help with exam stress",
    )


def _goals(demo: DemoPractice) -> None:
    rowan = demo.clients["rowan"]
    confirmed = goal_services.goal_create(
        coach=demo.coach, client=rowan, words="Sleep through most nights without checking my phone"
    )
    demo.extra["goal"] = confirmed
    # A second goal, written today: it waits for Rowan's own confirmation in her portal (P5).
    goal_services.goal_create(coach=demo.coach, client=rowan, words="Speak up once in each team meeting")
    goal_services.goal_create(
        coach=demo.coach, client=demo.clients["sam"], words="Find one quiet place in the new town"
    )


def _portal(demo: DemoPractice) -> None:
    """Rowan joins the portal and confirms her first goal there; Sam has an invitation waiting."""
    rowan = demo.clients["rowan"]
    _, token = portal.invitation_create(coach=demo.coach, email=CLIENT_EMAIL, client=rowan, site=SITE)
    portal.invitation_create(coach=demo.coach, email=INVITED_EMAIL, client=demo.clients["sam"], site=SITE)
    # The client's side: their own account and key pair, made from their link as the join page does.
    user, demo.client_vault = portal.join(token=token, passphrase=demo.client_passphrase)
    goal = demo.extra["goal"]
    share = portal.goal_share(coach=demo.coach, goal=goal)
    private_key, key_id = boxes.private_key(demo.client_vault)
    portal.goal_answer(
        account=user.portal_account,
        share=share,
        private_key=private_key,
        key_id=key_id,
        words=goal.words,
        shown_sha256=portal.text_sha256(goal.words),
    )
    today = timezone.localdate()
    for score in (3, 4, 6):
        goal_services.goal_progress_add(coach=demo.coach, goal=goal, recorded_on=today, score=score)
    portal.message_share(
        coach=demo.coach,
        account=user.portal_account,
        text="Thank you for today. The wind-down routine is in your record if you want to look again.",
    )


def _sessions(demo: DemoPractice) -> None:
    """Today's two sessions: a short check-in with Rowan (held and closed), then Sam's (going on now)."""
    now = timezone.now()
    coach = demo.coach
    # Begun nine minutes ago and closed now: neither a late start nor cut short, so its fee stands (P2).
    rowan = coaching.session_schedule(
        coach=coach,
        client=demo.clients["rowan"],
        starts_at=now - datetime.timedelta(minutes=9),
        duration_minutes=15,
        modality=Session.Modality.VIDEO,
    )
    coaching.session_start(
        coach=coach, session=rowan, coach_fit=True, presentation=StartCheck.Presentation.STEADY
    )
    saved = notes.note_save(coach=coach, session=rowan, sections=SIGNED_NOTE, version=0)
    coaching.session_close(
        coach=coach, session=rowan, leaving=CloseCheck.Leaving.SETTLED, reflection=REFLECTED
    )
    notes.note_sign(coach=coach, note=saved.note, version=saved.note.version)
    demo.sessions["held"] = rowan
    # Sam's session is next in the diary; the coach started it a few minutes early and is writing.
    sam = coaching.session_schedule(
        coach=coach,
        client=demo.clients["sam"],
        starts_at=rowan.ends_at,
        duration_minutes=50,
        modality=Session.Modality.IN_PERSON,
        place="The practice room",
    )
    coaching.session_start(
        coach=coach, session=sam, coach_fit=True, presentation=StartCheck.Presentation.STEADY
    )
    demo.extra["draft"] = notes.note_save(coach=coach, session=sam, sections=DRAFT_NOTE, version=0).note
    demo.sessions["now"] = sam


def _report_task(demo: DemoPractice) -> None:
    """The report the C3 finding in Sam's note calls for, opened from the note as its page does."""
    reports.report_task_open(
        coach=demo.coach,
        client=demo.clients["sam"],
        at_risk=AtRisk.CHILD,
        details="A neighbour's young son is hit when he cries at night, Sam says.",
        learned_at=timezone.now(),
        note=demo.extra["draft"],
    )


def _diary(demo: DemoPractice) -> None:
    """Next week's sessions, and one of Rowan's that she cancelled late (her agreement charges half)."""
    coach = demo.coach
    day = timezone.localdate() + datetime.timedelta(days=7)
    for hour, key in ((10, "rowan"), (14, "sam")):
        starts = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
        demo.sessions[f"next_{key}"] = coaching.session_schedule(
            coach=coach,
            client=demo.clients[key],
            starts_at=starts,
            duration_minutes=50,
            modality=Session.Modality.VIDEO,
        )
    late = coaching.session_schedule(
        coach=coach,
        client=demo.clients["rowan"],
        starts_at=timezone.now() + datetime.timedelta(hours=3),
        duration_minutes=50,
        modality=Session.Modality.PHONE,
    )
    coaching.session_cancel(
        coach=coach, session=late, cancelled_by=Session.CancelledBy.CLIENT, reason="A work meeting ran over."
    )


def _money(demo: DemoPractice) -> None:
    """Rowan's fee agreement, the lines from her sessions and an invoice for them (P2, P9, P12)."""
    coach, rowan = demo.coach, demo.clients["rowan"]
    today = timezone.localdate()
    money.agreement_make(
        coach=coach,
        client=rowan,
        fee=Decimal("80.00"),
        late_cancel_hours=24,
        late_cancel_percent=50,
        terms="Sessions are paid by bank transfer within 14 days.",
        agreed_on=today,
    )
    money.charges_bring_up_to_date(coach=coach, client=rowan)
    demo.extra["invoice"] = money.invoice_issue(coach=coach, client=rowan)
    money.agreement_make(coach=coach, client=demo.clients["sam"], fee=Decimal("70.00"), agreed_on=today)


def _endings(demo: DemoPractice) -> None:
    """Ines pauses coaching herself; the coach ends Theo's, with a referral and the letter (P11)."""
    coach = demo.coach
    harbour = demo.extra[Resource.Kind.COACHING]
    endings.client_release(
        coach=coach,
        client=demo.clients["ines"],
        kind=Ending.Kind.PAUSE,
        initiated_by=Ending.InitiatedBy.CLIENT,
        client_reason="I am moving house this month and would like to come back in the spring.",
        referral_resources=[harbour],
        referral_declined=True,
    )
    ending = endings.client_release(
        coach=coach,
        client=demo.clients["theo"],
        kind=Ending.Kind.END,
        initiated_by=Ending.InitiatedBy.COACH,
        explanation="Theo reached the goals we set; we agreed together that coaching can end here.",
        explained_on=timezone.localdate(),
        explained_how=Ending.Channel.IN_SESSION,
        referral_resources=[harbour],
        referral_reason="If Theo wants to keep going with another coach later on.",
    )
    # The letter about the ending, printed as the client page's button prints it (and logged).
    endings.ending_letter(coach=coach, ending=ending)


# (what the step makes, the function), in the order they run.
STEPS: tuple[tuple[str, Callable[[DemoPractice], None]], ...] = (
    ("the coach's account", _coach),
    ("the referral directory", _directory),
    ("four intakes", _intakes),
    ("an intake declined under S9", _declined),
    ("goals", _goals),
    ("the client portal: a goal confirmed", _portal),
    ("today's sessions and notes", _sessions),
    ("a report task from a note", _report_task),
    ("next week's diary", _diary),
    ("a fee agreement and an invoice", _money),
    ("a pause and an ending", _endings),
)


def demo_practice_create(
    *,
    passphrase: str,
    client_passphrase: str,
    step: Callable[[int, int, str], None] = lambda number, total, what: None,
) -> DemoPractice:
    """Build the fictional practice step by step, calling `step(number, total, what)` before each."""
    demo = DemoPractice(passphrase=passphrase, client_email=CLIENT_EMAIL, client_passphrase=client_passphrase)
    # The portal's invitation emails go nowhere: the addresses are made up, and the link is spent here.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        for number, (what, function) in enumerate(STEPS, 1):
            step(number, len(STEPS), what)
            if demo.vault is None:
                function(demo)
                continue
            with unlocked(demo.vault):
                function(demo)
    return demo

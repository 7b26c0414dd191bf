"""Ending or pausing coaching without abandoning anyone (P11), the letter to the client, and
closing the whole practice.

A coach-initiated ending needs an explanation given to the client (what, when, how) and at
least one referral to another coaching provider the coach has vetted (P10). A client-initiated
ending records the client's reason and that a vetted coaching referral was offered: made, or
declined by the client, which is recorded too (P11). A stopped action writes nothing but the
standards finding, which stays in the audit log.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from ethos.audit.actions import Action
from ethos.audit.services import audit_append
from ethos.memo import once
from ethos.pdf import SANS, Document
from ethos.practice.models import PracticeClosure
from ethos.practice.selectors import competence_for, profile_for
from ethos.referrals.models import Resource
from ethos.standards.engine import ActionStopped, Subject
from ethos.standards.facts import Facts
from ethos.standards.points import Point
from ethos.standards.record_types import RecordType
from ethos.standards.services import action, enforce, open_items_resolve_for

from . import hooks, services
from .models import Client, Ending, Intake, Referral, SupervisionPlan

OPEN_STATUSES = (Client.Status.ACTIVE, Client.Status.PAUSED)
TEXT_MAX = 5000

CLIENT_REASON_NEEDED = "Write the client's reason for ending, in their own words."
DECLINE_ONLY_WHEN_CLIENT_ENDS = (
    "Only a client who ends coaching themselves can decline the referral; when you end or pause it, "
    "you refer them (P11)."
)
OFFER_NAMES_PROVIDERS = (
    "Tick the vetted coaching providers you offered, even though the client declined them."
)
CANNOT_END = "Only an active or paused client's coaching can be ended."
CANNOT_PAUSE = "Only an active client's coaching can be paused."
EXPLAINED_IN_FUTURE = "The explanation cannot have been given on a future day."
CHANNEL_UNKNOWN = "Choose how you gave the explanation."
NOT_YOUR_RECORD = "This record belongs to another practice."
PRACTICE_ALREADY_CLOSED = "Your practice is already closed."
DEFAULT_REFERRAL_REASON = "To continue coaching after ours ends."


def practice_subject(coach) -> Subject:
    return Subject(type="practice", id=str(coach.pk))


# -- selectors ------------------------------------------------------------------------------


def episode_start(client: Client, endings: Iterable[Ending]) -> datetime.datetime:
    """Say when the client's current stretch of coaching began: after the last ending, not a pause."""
    ended = [e.created_at for e in endings if e.client_id == client.pk and e.kind == Ending.Kind.END]
    return max([client.created_at, *ended])


def _coaching_referrals(clients: Sequence):
    """Referrals of these clients to coaching providers that are in use and currently vetted (P10, P11).

    A referral to a provider later taken out of use, or whose vetting lapsed, no longer counts.
    """
    from ethos.referrals.models import kinds_for
    from ethos.standards.record_types import RecordType

    usable = Resource.objects.currently_vetted().filter(kind__in=kinds_for(RecordType.COACHING_REFERRAL))
    return Referral.objects.filter(client_id__in=clients, resource__in=usable).select_related("resource")


def coaching_referrals_since_active(client: Client) -> list[Referral]:
    """Return this client's vetted coaching referrals made since their coaching (re)started."""
    since = episode_start(client, Ending.objects.filter(client=client, kind=Ending.Kind.END))
    return [r for r in _coaching_referrals([client.pk]).order_by("made_at") if r.made_at >= since]


def get_ending_for_coach(coach, client: Client, pk) -> Ending:
    """Return the coach's ending for this client; anyone else's is a 404."""
    ending = Ending.objects.select_related("data_key").filter(coach=coach, client=client, pk=pk).first()
    if ending is None:
        raise Http404("No such ending.")
    ending.client = client
    return ending


@once
def endings_for_client(client: Client) -> list[Ending]:
    """Return the client's endings and pauses, newest first (one query)."""
    return list(Ending.objects.filter(coach_id=client.coach_id, client=client).order_by("-created_at", "-id"))


def letter_referrals(ending: Ending) -> list[Referral]:
    """The referrals the ending letter lists: those made in the same stretch of coaching, up to it."""
    endings = Ending.objects.filter(
        client_id=ending.client_id, kind=Ending.Kind.END, created_at__lt=ending.created_at
    )
    since = max([ending.client.created_at, *(e.created_at for e in endings.only("created_at"))])
    return list(
        Referral.objects.filter(
            client_id=ending.client_id, made_at__gte=since, made_at__lte=ending.created_at
        )
        .select_related("resource")
        .order_by("made_at", "id")
    )


@dataclass(frozen=True)
class ClosureRow:
    """One client the practice closure still has to handle."""

    client: Client
    last_ending: Ending | None
    coaching_referrals: int

    @property
    def explained(self) -> bool:
        return bool(self.last_ending and self.last_ending.explanation)


def open_clients(coach):
    """The coach's active and paused clients, the ones a closure must handle, oldest first."""
    return Client.objects.filter(coach=coach, status__in=OPEN_STATUSES).order_by("created_at", "id")


def closure_rows(coach, clients: Iterable[Client] | None = None) -> list[ClosureRow]:
    """Each client's latest pause and vetted coaching referrals: every open client, or `clients`.

    The closure page passes one page of clients. Three queries whatever their number; for every
    open client the rows are chosen by a subquery, never a list of thousands of ids in SQL.
    """
    every = clients is None
    clients = list(open_clients(coach).select_related("data_key") if every else clients)
    if not clients:
        return []
    selection = open_clients(coach).values("pk") if every else [client.pk for client in clients]
    endings: dict = {client.pk: [] for client in clients}
    found = Ending.objects.filter(coach=coach, client_id__in=selection).select_related("data_key")
    for ending in found.order_by("created_at"):
        endings[ending.client_id].append(ending)
    referrals: dict = {client.pk: [] for client in clients}
    for referral in _coaching_referrals(selection):
        referrals[referral.client_id].append(referral)
    rows = []
    for client in clients:
        mine = endings[client.pk]
        since = episode_start(client, mine)
        count = sum(1 for r in referrals[client.pk] if r.made_at >= since)
        last = mine[-1] if mine else None
        rows.append(ClosureRow(client=client, last_ending=last, coaching_referrals=count))
    return rows


def practice_closure_for(coach) -> PracticeClosure | None:
    return PracticeClosure.objects.filter(coach=coach).first()


# -- services -------------------------------------------------------------------------------


def _clean_text(value: str) -> str:
    return value.strip()[:TEXT_MAX]


def _unique(resources: Iterable[Resource]) -> list[Resource]:
    return list({resource.pk: resource for resource in resources}.values())


def _resolve(*, coach, client: Client, ending: Ending, referrals: list[Referral]) -> None:
    subject = Subject.of(client)
    records = {RecordType.RELEASE_EXPLANATION: str(ending.pk)}
    if ending.referral_offer == Ending.ReferralOffer.DECLINED:
        # The offer the client declined answers P11 as itself, not as a referral.
        records[RecordType.REFERRAL_OFFER] = str(ending.pk)
    records[RecordType.COACHING_REFERRAL] = str(referrals[-1].pk) if referrals else str(ending.pk)
    records[RecordType.CLIENT_RELEASE] = str(ending.pk)
    for record_type, record_id in records.items():
        open_items_resolve_for(coach=coach, subject=subject, record_type=record_type, record_id=record_id)
    if not Client.objects.filter(coach=coach, status__in=OPEN_STATUSES).exists():
        # The last client is handled: an open practice-closure item (P11) is answered too.
        open_items_resolve_for(
            coach=coach,
            subject=practice_subject(coach),
            record_type=RecordType.CLIENT_RELEASE,
            record_id=str(ending.pk),
        )


def client_release(
    *,
    coach,
    client: Client,
    kind: Ending.Kind | str,
    initiated_by: Ending.InitiatedBy | str,
    explanation: str = "",
    explained_on: datetime.date | None = None,
    explained_how: str = "",
    client_reason: str = "",
    referral_resources: Sequence[Resource] = (),
    referral_reason: str = "",
    referral_declined: bool = False,
) -> Ending:
    """End or pause coaching with a client without abandoning them (P11).

    Coach-initiated: needs an explanation given to the client and a vetted coaching referral,
    made now (through referral_make, P10) or already made since coaching began. Client-initiated:
    needs the client's reason and a vetted coaching referral offered, made (now or since coaching
    began) or declined by the client (`referral_declined`, with the providers offered). A stopped
    ending raises ActionStopped and writes nothing but the finding.
    """
    if client.coach_id != coach.pk or any(r.coach_id != coach.pk for r in referral_resources):
        raise PermissionError(NOT_YOUR_RECORD)
    kind, initiated_by = Ending.Kind(kind), Ending.InitiatedBy(initiated_by)
    explanation, client_reason = _clean_text(explanation), _clean_text(client_reason)
    if explained_how and explained_how not in Ending.Channel.values:
        raise ValidationError(CHANNEL_UNKNOWN)
    if explained_on and explained_on > timezone.localdate():
        raise ValidationError(EXPLAINED_IN_FUTURE)
    if initiated_by == Ending.InitiatedBy.CLIENT and not client_reason:
        raise ValidationError(CLIENT_REASON_NEEDED)
    resources = _unique(referral_resources)
    offered_now = sum(1 for r in resources if r.kind == Resource.Kind.COACHING)
    if referral_declined and initiated_by == Ending.InitiatedBy.COACH:
        raise ValidationError(DECLINE_ONLY_WHEN_CLIENT_ENDS)
    if referral_declined and not offered_now:
        raise ValidationError(OFFER_NAMES_PROVIDERS)
    reason = _clean_text(referral_reason) or DEFAULT_REFERRAL_REASON
    with action():
        status = Client.objects.select_for_update().values_list("status", flat=True).get(pk=client.pk)
        if status not in OPEN_STATUSES:
            raise ValidationError(CANNOT_END)
        if kind == Ending.Kind.PAUSE and status != Client.Status.ACTIVE:
            raise ValidationError(CANNOT_PAUSE)
        # P10 first, before anything is written: a referral to (or an offer of) a service the coach
        # has not vetted, whose vetting lapsed or that is out of use is refused and its finding
        # recorded, and the ending waits.
        usable = set(
            Resource.objects.currently_vetted()
            .filter(pk__in=[r.pk for r in resources])
            .values_list("pk", flat=True)
        )
        unvetted = next((r for r in resources if r.pk not in usable), None)
        if unvetted is not None:
            services.referral_make(coach=coach, client=client, resource=unvetted, reason=reason)
        already = len(coaching_referrals_since_active(client))
        if initiated_by == Ending.InitiatedBy.COACH:
            facts = Facts(
                release_explained=bool(explanation and explained_on and explained_how),
                release_coaching_referrals=already + offered_now,
            )
        else:
            # The client's own ending still offers a vetted coaching referral; they may decline it.
            facts = Facts(release_referral_offered=bool(already + offered_now))
        enforce(coach=coach, point=Point.CLIENT_RELEASE, facts=facts, subject=Subject.of(client))
        if referral_declined:
            offer = Ending.ReferralOffer.DECLINED
        else:
            offer = Ending.ReferralOffer.REFERRED if already + offered_now else ""
        ending = _write_ending(
            coach=coach,
            client=client,
            kind=kind,
            initiated_by=initiated_by,
            explanation=explanation,
            explained_on=explained_on,
            explained_how=explained_how,
            client_reason=client_reason,
            resources=resources,
            reason=reason,
            offer=offer,
        )
    return ending


def _write_ending(
    *,
    coach,
    client: Client,
    kind: Ending.Kind,
    initiated_by: Ending.InitiatedBy,
    explanation: str,
    explained_on: datetime.date | None,
    explained_how: str,
    client_reason: str,
    resources: list[Resource],
    reason: str,
    offer: str,
) -> Ending:
    declined = offer == Ending.ReferralOffer.DECLINED
    referrals = [
        services.referral_make(coach=coach, client=client, resource=resource, reason=reason)
        for resource in ([] if declined else resources)
    ]
    now = timezone.now()
    ending = Ending(
        coach=coach,
        client=client,
        data_key=client.data_key,
        kind=kind,
        initiated_by=initiated_by,
        explanation=explanation or None,
        explained_on=explained_on if explanation else None,
        explained_how=explained_how if explanation else "",
        client_reason=client_reason or None,
        referral_offer=offer,
        created_at=now,
    )
    ending.save(force_insert=True)
    if declined:
        ending.offered_resources.set([r for r in resources if r.kind == Resource.Kind.COACHING])
    client.status = Client.Status.ENDED if kind == Ending.Kind.END else Client.Status.PAUSED
    client.status_changed_at = now
    client.save(update_fields=["status", "status_changed_at"])
    audit_append(
        coach=coach,
        action=Action.CLIENT_ENDED if kind == Ending.Kind.END else Action.CLIENT_PAUSED,
        target_type="client",
        target_id=str(client.pk),
        clauses=["P11"],
        details={
            "ending": str(ending.pk),
            "initiated_by": initiated_by.value,
            "referrals": len(referrals),
            "referral_offer": offer,
        },
    )
    _resolve(coach=coach, client=client, ending=ending, referrals=referrals)
    # Other apps let go of what they planned with the client (coaching cancels future sessions).
    hooks.released(coach=coach, client=client, ending=ending)
    return ending


def practice_close(*, coach) -> PracticeClosure:
    """Close the practice once every client's coaching has ended (P11); refuse while any remains."""
    with action():
        if PracticeClosure.objects.select_for_update().filter(coach=coach).exists():
            raise ValidationError(PRACTICE_ALREADY_CLOSED)
        remaining = Client.objects.filter(coach=coach, status__in=OPEN_STATUSES).count()
        enforce(
            coach=coach,
            point=Point.PRACTICE_CLOSE,
            facts=Facts(clients_without_ending=remaining),
            subject=practice_subject(coach),
        )
        closure = PracticeClosure(coach=coach)
        closure.save(force_insert=True)
        audit_append(
            coach=coach,
            action=Action.PRACTICE_CLOSED,
            target_type="practice",
            target_id=str(coach.pk),
            clauses=["P11"],
        )
        open_items_resolve_for(
            coach=coach,
            subject=practice_subject(coach),
            record_type=RecordType.CLIENT_RELEASE,
            record_id=str(closure.pk),
        )
    return closure


def practice_closure_open(*, coach, reason: str) -> int:
    """Open the closing of the practice for the coach to complete (P11); return the clients left.

    Called when the association revokes the coach's certification (E1). Whoever calls it has no
    vault key, so it reads and writes nothing encrypted: it opens the P11 item "end coaching
    with each client, with an explanation and a referral" on the practice, which the coach
    completes client by client on the closure page. With no client left, the practice closes.
    """
    if PracticeClosure.objects.filter(coach=coach).exists():
        return 0
    remaining = Client.objects.filter(coach=coach, status__in=OPEN_STATUSES).count()
    if not remaining:
        practice_close(coach=coach)
        return 0
    try:
        with action():
            enforce(
                coach=coach,
                point=Point.PRACTICE_CLOSE,
                facts=Facts(clients_without_ending=remaining),
                subject=practice_subject(coach),
            )
    except ActionStopped:
        pass  # the stop is the point: its P11 item now waits on the coach's endings
    audit_append(
        coach=coach,
        action=Action.PRACTICE_CLOSURE_OPENED,
        target_type="practice",
        target_id=str(coach.pk),
        clauses=["P11", "E1"],
        details={"reason": reason[:200], "clients": remaining},
        actor="association",
    )
    return remaining


CANNOT_RESUME = "Only a paused client's coaching can be resumed."
RESUME_PRACTICE_CLOSED = "Your practice is closed, so coaching cannot resume."


def _return_facts(*, coach, client: Client) -> Facts:
    """The facts that decide competence when a paused client returns (S5, S6, S10).

    The concerns are those the client brought at intake; the coach's competence may have changed
    during the pause, and a referral made for a concern still counts.
    """
    intake = Intake.objects.filter(client=client).select_related("data_key").first()
    brought = frozenset(c["area"] for c in (intake.concerns if intake else []) if c.get("area"))
    referred = {
        made.concern_area
        for made in Referral.objects.filter(client=client).select_related("resource", "data_key")
        if made.concern_area and RecordType.COMPETENCE_REFERRAL in made.resource.record_types
    }
    supervised = {
        plan.concern_area for plan in SupervisionPlan.objects.filter(client=client).select_related("data_key")
    }
    competence = competence_for(coach)
    return Facts(
        concern_areas=brought,
        competence_areas=competence.areas,
        credential_areas=competence.credential_areas,
        referred_areas=frozenset(referred),
        supervised_areas=frozenset(supervised) & brought,
    )


def client_resume(*, coach, client: Client) -> Client:
    """Resume a paused client's coaching, with the checks that apply on return (S5 competence).

    A concern now outside the coach's competence with no referral opens an S5 item, as at intake.
    """
    if client.coach_id != coach.pk:
        raise PermissionError(NOT_YOUR_RECORD)
    with action():
        status = Client.objects.select_for_update().values_list("status", flat=True).get(pk=client.pk)
        if status != Client.Status.PAUSED:
            raise ValidationError(CANNOT_RESUME)
        if PracticeClosure.objects.filter(coach=coach).exists():
            raise ValidationError(RESUME_PRACTICE_CLOSED)
        verdict = enforce(
            coach=coach,
            point=Point.CLIENT_ACTIVATE,
            facts=_return_facts(coach=coach, client=client),
            subject=Subject.of(client),
        )
        client.status = Client.Status.ACTIVE
        client.status_changed_at = timezone.now()
        client.save(update_fields=["status", "status_changed_at"])
        audit_append(
            coach=coach,
            action=Action.CLIENT_RESUMED,
            target_type="client",
            target_id=str(client.pk),
            clauses=list(verdict.clauses),
        )
    return client


# -- the letter -----------------------------------------------------------------------------

LETTER_INTRO = {
    (
        Ending.InitiatedBy.COACH,
        Ending.Kind.END,
    ): "I am writing to confirm that our coaching is coming to an end.",
    (
        Ending.InitiatedBy.COACH,
        Ending.Kind.PAUSE,
    ): "I am writing to confirm that our coaching is pausing for now.",
    (Ending.InitiatedBy.CLIENT, Ending.Kind.END): (
        "Thank you for letting me know that you have decided to end our coaching. "
        "It is always your choice, and I respect it."
    ),
    (Ending.InitiatedBy.CLIENT, Ending.Kind.PAUSE): (
        "Thank you for letting me know that you would like to pause our coaching. "
        "It is always your choice, and I respect it."
    ),
}
LETTER_REFERRALS = (
    "So that you are not left without support, here are other services I have checked myself "
    "and can recommend. You are welcome to contact any of them directly:"
)
LETTER_NO_REFERRALS = "If you would like the names of other coaches I have checked myself, please ask me."
LETTER_CLOSE = (
    "You do not owe me anything for sessions that will not take place, and you are welcome to "
    "ask me any questions about this letter."
)


LETTER_CRISIS = "If you are ever in crisis or do not feel safe, you do not have to wait for anyone:"
LETTER_CRISIS_LINE = "Crisis line: {number}"
LETTER_EMERGENCY = "Emergency services: {number}"
# Contact fields a practice profile may carry, in the order the letterhead prints them.
PRACTICE_CONTACT_FIELDS = (
    ("phone", "Phone"),
    ("email", "Email"),
    ("website", "Website"),
    ("address", "Address"),
)


@dataclass(frozen=True)
class Letterhead:
    """Who the letter comes from and where help is: the coach and the practice profile."""

    coach_name: str
    practice_name: str = ""
    contact: tuple[str, ...] = ()
    crisis_line: str = ""
    emergency_number: str = ""


def letterhead_for(coach) -> Letterhead:
    """Build the letterhead from the coach and their practice profile (one query)."""
    profile = profile_for(coach)
    contact = [
        f"{label}: {value}"
        for field_name, label in PRACTICE_CONTACT_FIELDS
        if (value := str(getattr(profile, field_name, "") or "").strip())
    ]
    if not getattr(profile, "email", "") and coach.email:
        contact.append(f"Email: {coach.email}")
    return Letterhead(
        coach_name=coach.name or coach.email,
        practice_name=str(getattr(profile, "practice_name", "") or "").strip(),
        contact=tuple(contact),
        crisis_line=profile.crisis_line.strip(),
        emergency_number=profile.emergency_number.strip(),
    )


def _letterhead_blocks(head: Letterhead) -> list[tuple[str, str]]:
    names = [head.practice_name, head.coach_name] if head.practice_name else [head.coach_name]
    blocks = [("heading", names[0])]
    lines = names[1:] + list(head.contact)
    if lines:
        blocks.append(("small", "\n".join(lines)))
    return blocks


def _crisis_blocks(head: Letterhead) -> list[tuple[str, str]]:
    numbers = [
        template.format(number=number)
        for template, number in (
            (LETTER_CRISIS_LINE, head.crisis_line),
            (LETTER_EMERGENCY, head.emergency_number),
        )
        if number
    ]
    return [("body", LETTER_CRISIS), ("quote", "\n".join(numbers))] if numbers else []


def _letter_text(
    ending: Ending, referrals: list[Referral], coach_name: str, head: Letterhead | None = None
) -> list[tuple[str, str]]:
    """Return the letter as (style, text) blocks, in plain words of our own."""
    client = ending.client
    today = timezone.localdate()
    head = head or Letterhead(coach_name=coach_name)
    blocks = [
        *_letterhead_blocks(head),
        ("small", f"{today.day} {today:%B %Y}"),
        ("body", f"Dear {client.display_name},"),
        ("body", LETTER_INTRO[(Ending.InitiatedBy(ending.initiated_by), Ending.Kind(ending.kind))]),
    ]
    if ending.explanation:
        when = f" on {ending.explained_on.day} {ending.explained_on:%B %Y}" if ending.explained_on else ""
        blocks.append(("body", f"As I explained{when}:"))
        blocks.append(("quote", ending.explanation))
    if referrals:
        blocks.append(("body", LETTER_REFERRALS))
        for referral in referrals:
            resource = referral.resource
            blocks.append(("heading", f"{resource.name} ({resource.get_kind_display()})"))
            details = [
                f"{label}: {value}"
                for label, value in (
                    ("Phone", resource.phone),
                    ("Email", resource.email),
                    ("Website", resource.website),
                )
                if value
            ]
            blocks.append(("quote", "\n".join(details) or "Ask me for their contact details."))
    else:
        blocks.append(("body", LETTER_NO_REFERRALS))
    blocks += _crisis_blocks(head)
    signature = f"{coach_name}\n{head.practice_name}" if head.practice_name else coach_name
    blocks += [("body", LETTER_CLOSE), ("body", "With warm wishes,"), ("body", signature)]
    return blocks


def letter_pdf_build(
    ending: Ending,
    referrals: list[Referral],
    *,
    coach_name: str,
    letterhead: Letterhead | None = None,
    compress: bool = True,
) -> bytes:
    """Lay the letter out as an A4 PDF, every name drawn as written (see ethos.pdf)."""
    pdf = Document(title="Letter about our coaching", compress=compress)
    pdf.set_margins(22, 22, 22)
    pdf.set_auto_page_break(auto=True, margin=22)
    pdf.add_page()
    styles = {"small": ("", 10, 8), "body": ("", 11, 4), "heading": ("B", 11, 1), "quote": ("", 11, 4)}
    for style, text in _letter_text(ending, referrals, coach_name, letterhead):
        weight, size, gap = styles[style]
        pdf.set_font(SANS, weight, size)
        pdf.paragraph(text, height=6, indent=8 if style == "quote" else 0)
        pdf.ln(gap)
    return bytes(pdf.output())


def ending_letter(*, coach, ending: Ending) -> bytes:
    """Return the printable letter to the client about this ending, and audit that it was printed."""
    if ending.coach_id != coach.pk:
        raise PermissionError(NOT_YOUR_RECORD)
    referrals = letter_referrals(ending)
    head = letterhead_for(coach)
    data = letter_pdf_build(ending, referrals, coach_name=head.coach_name, letterhead=head)
    audit_append(
        coach=coach,
        action=Action.CLIENT_LETTER_PRINTED,
        target_type="client",
        target_id=str(ending.client_id),
        clauses=["P11"],
        details={"ending": str(ending.pk), "referrals": len(referrals)},
    )
    return data


def letter_filename(ending: Ending) -> str:
    # No name in the file name: downloads folders are seen by more people than letters are.
    return f"ending-letter-{timezone.localtime(ending.created_at):%Y-%m-%d}.pdf"

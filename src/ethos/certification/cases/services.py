"""Every change to a complaint or an ethics case: one function each (E1).

Each one validates, writes and appends its event to the association's log in one transaction;
bad input raises ValidationError with a message below and changes nothing. Emails go out only
once the transaction has committed. Dates default to today; tests pass `today` instead of moving
the clock.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from ethos.audit.actions import Action
from ethos.audit.services import audit_append
from ethos.certification.log import association_account, association_append
from ethos.certification.models import Certification
from ethos.certification.services import certification_set_conditions, certification_set_status
from ethos.standards.catalog import catalog
from ethos.web import STAFF

from . import keys
from .models import SEVERITY, Complaint, ConflictDeclaration, EthicsCase, Outcome, PanelSeat, SubmissionMark

logger = logging.getLogger(__name__)
Stage = EthicsCase.Stage
Party = EthicsCase.Party

# -- messages (the tests reuse them) ---------------------------------------------------------
NAME_NEEDED = "Tell us your name, so we know who is complaining."
CONTACT_NEEDED = "Give an email address or a phone number, so we can tell you what happens next."
COACH_NEEDED = "Tell us which coach this is about: their certificate number or their name."
ACCOUNT_NEEDED = "Tell us what happened."
EVENTS_IN_FUTURE = "The date of the events cannot be in the future."
CLAUSE_UNKNOWN = "{clause} is not a clause of the Code of Ethics."
TOO_MANY_COMPLAINTS = (
    "We have received several complaints from your connection in the last hour. "
    "Please wait an hour and send it again, or write to the association."
)
ONLY_STAFF = "Only the association's staff can do this."
ALREADY_SCREENED = "Complaint {number} has already been screened."
CLOSE_MESSAGE_NEEDED = (
    "Write the message the complainant receives: say why the association cannot look into it."
)
CLOSE_REASON_UNKNOWN = "Choose why the complaint is outside the association's remit."
NOT_CERTIFIED = (
    "Choose the coach's certification from the registry: a complaint about anyone else is closed, not opened."
)
TOO_LATE = (
    "The events ({events}) are more than {days} days before the complaint arrived ({received}), "
    "the time limit for complaints: close it as outside the time limit."
)
NOT_ABOUT_THE_CODE = (
    "Cite at least one clause of the code: a complaint the code does not cover is closed, not opened."
)
SUMMARY_NEEDED = (
    "Write the allegations as the coach will read them (leave out the complainant's contact details)."
)
RESPONSE_EMPTY = "Write your response before sending it."
RESPONSE_ALREADY = "Your response to case {number} was received on {date}; it cannot be replaced."
RESPONSE_CLOSED = "Case {number} has moved past the stage where a written response is taken."
ILLEGAL_MOVE = "A case at the {stage} stage cannot move to {to}. From {stage} it can go to: {allowed}."
MOVE_NEEDS_ACTION = "A case reaches {to} through {how}, not by a plain move."
RESPONSE_PENDING = (
    "The coach has until {due} to respond and has not responded yet: the case moves on after a "
    "response or after that date."
)
PANEL_WRONG_STAGE = "The {panel} is appointed while the case is at the {stage} stage, not now."
PANEL_TOO_SMALL = "A panel needs at least three members of staff; this one would have {count}."
PANEL_NOT_STAFF = "{name} is not a member of the association's staff."
PANEL_CONFLICT = "{name} is linked to a party of this case and cannot sit on its panel."
PANEL_SEATED = "{name} already sits on this panel."
PANEL_DECIDED = "The {panel} has decided; its members cannot change."
APPEAL_PANEL_OVERLAP = "{name} sat on the hearing panel: an appeal is decided by a different panel."
NOT_VOTING = "Votes are taken at the hearing and the appeal, not at the {stage} stage."
NOT_ON_PANEL = "Only a member of the panel votes, and you are not on it."
ALREADY_VOTED = "Your vote on this panel is already recorded."
OUTCOME_UNKNOWN = "Choose one of the outcomes: {choices}."
VOTES_MISSING = "{missing} of the {size} panel members have not voted yet."
APPEAL_NOT_OPEN = "Only a decided case can be appealed; case {number} is at the {stage} stage."
APPEAL_TOO_LATE = (
    "The appeal window closed on {closed}, {days} days after the decision: no appeal can be lodged."
)
APPEAL_GROUNDS_NEEDED = "Write the grounds of the appeal."
PARTY_UNKNOWN = "Say who appeals: the coach or the complainant."
WINDOW_OPEN = "The appeal window is open until {closed}: the decision becomes final after that day."
NOT_DECIDED = "Case {number} has no decision to make final; it is at the {stage} stage."
INTERIM_CLOSED = "Case {number} is closed: there is nothing to suspend for."
INTERIM_ALREADY = "The certification is already suspended for this case."
INTERIM_NOT_ACTIVE = "The certification is {status}, so there is nothing to suspend."
INTERIM_REASON_NEEDED = "Say why the coach must stop practising while the case is open."
CONFLICT_ALREADY = "You have already declared a link to {party} of this case."

# Who acts at each stage and how many days it is given (None: the deadline is set otherwise).
STAGE_GUIDE: dict[str, tuple[str, int | None]] = {
    Stage.INTAKE: ("The coach answers in writing; then a case officer moves the case on.", None),
    Stage.PRELIMINARY_REVIEW: ("A case officer decides whether there is a case to answer.", 30),
    Stage.INVESTIGATION: ("An investigator gathers the facts from both parties.", 90),
    Stage.HEARING: ("A panel of at least three staff hears the case and votes.", 60),
    Stage.DECISION: ("Either party may appeal until the deadline; then the decision is final.", None),
    Stage.APPEAL: ("A different panel decides the appeal on the record.", 60),
    Stage.CLOSED: ("Nobody: the outcome is final.", None),
}
# The only moves a case can make, and which of them `case_advance` makes (the others follow from
# a decision, an appeal or the end of the appeal window).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Stage.INTAKE: (Stage.PRELIMINARY_REVIEW,),
    Stage.PRELIMINARY_REVIEW: (Stage.INVESTIGATION, Stage.CLOSED),
    Stage.INVESTIGATION: (Stage.HEARING,),
    Stage.HEARING: (Stage.DECISION,),
    Stage.DECISION: (Stage.APPEAL, Stage.CLOSED),
    Stage.APPEAL: (Stage.CLOSED,),
    Stage.CLOSED: (),
}
OTHER_WAYS = {
    (Stage.HEARING, Stage.DECISION): "the panel's decision",
    (Stage.DECISION, Stage.APPEAL): "an appeal lodged within the window",
    (Stage.DECISION, Stage.CLOSED): "the end of the appeal window",
    (Stage.APPEAL, Stage.CLOSED): "the appeal panel's decision",
}
PANEL_SIZE = 3
ACK_SUBJECT = "Your complaint to the association"
SCREENED_SUBJECT = "About your complaint to the association"
COACH_SUBJECT = "A matter from the association needs your response"


@dataclass(frozen=True)
class ComplaintText:
    """What a complainant sent, opened for staff."""

    name: str
    email: str
    phone: str
    coach_named: str
    account: str


def _today(today: datetime.date | None) -> datetime.date:
    return today or timezone.localdate()


def _require_staff(staff) -> None:
    if staff is None or getattr(staff, "role", None) != STAFF or not staff.is_active:
        raise ValidationError(ONLY_STAFF)


def _clauses(values) -> list[str]:
    known = catalog()
    cleaned = []
    for value in values or ():
        value = str(value).strip().upper()
        if value not in known:
            raise ValidationError(CLAUSE_UNKNOWN.format(clause=value))
        if value not in cleaned:
            cleaned.append(value)
    return sorted(cleaned, key=known.order)


def _log(*, staff, action: Action, case: EthicsCase, details: dict | None = None):
    return association_append(
        staff=staff,
        action=action,
        target_type="ethics_case",
        target_id=case.pk,
        clauses=["E1", *[c for c in case.clauses if c != "E1"]][:12],
        details={"number": case.number, **(details or {})},
    )


def _after_commit_mail(subject: str, template: str, context: dict, to: str) -> None:
    """Send one plain email once the change is committed; a mail failure never undoes it."""

    def send():
        try:
            send_mail(subject, render_to_string(template, context), None, [to])
        except Exception:
            logger.exception("Could not send the email %r", subject)

    transaction.on_commit(send)


# -- the public form -------------------------------------------------------------------------


def _address_key(address: str | None) -> str | None:
    """A keyed digest of the sender's address (an IPv6 sender counts by its /64 network)."""
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        unit = str(ipaddress.ip_network(f"{ip}/64", strict=False)) if ip.version == 6 else str(ip)
    except ValueError:
        unit = address[:64]
    # Only a digest is kept: the table says how often, never who.
    return hmac.new(settings.SECRET_KEY.encode(), unit.encode(), hashlib.sha256).hexdigest()[:64]


def _new_number(year: int) -> str:
    for _ in range(20):
        number = f"EC-{year}-{secrets.randbelow(10**6):06d}"
        if not Complaint.objects.filter(number=number).exists():
            return number
    raise RuntimeError("No free complaint number after 20 tries.")  # pragma: no cover


@transaction.atomic
def complaint_submit(
    *,
    name: str,
    email: str = "",
    phone: str = "",
    coach_named: str,
    account: str,
    events_on: datetime.date,
    clauses=(),
    address: str | None = None,
    today: datetime.date | None = None,
) -> Complaint:
    """Take a complaint from the public form, sealed to the association, and acknowledge it."""
    today = _today(today)
    name, email, phone = (name or "").strip(), (email or "").strip(), (phone or "").strip()
    coach_named, account = (coach_named or "").strip(), (account or "").strip()
    errors = {}
    if not name:
        errors["name"] = NAME_NEEDED
    if not (email or phone):
        errors["email"] = CONTACT_NEEDED
    if not coach_named:
        errors["coach_named"] = COACH_NEEDED
    if not account:
        errors["account"] = ACCOUNT_NEEDED
    if events_on > today:
        errors["events_on"] = EVENTS_IN_FUTURE
    if errors:
        raise ValidationError(errors)
    clauses = _clauses(clauses)
    key = _address_key(address)
    if key is not None:
        since = timezone.now() - datetime.timedelta(hours=1)
        SubmissionMark.objects.filter(at__lt=since).delete()  # nothing is kept past the hour
        if (
            SubmissionMark.objects.filter(address=key, at__gte=since).count()
            >= settings.ETHOS_COMPLAINTS_PER_HOUR
        ):
            raise ValidationError(TOO_MANY_COMPLAINTS)
        SubmissionMark.objects.create(address=key)
    complaint = Complaint(
        id=uuid.uuid4(), number=_new_number(today.year), events_on=events_on, clauses=clauses
    )
    text = {"name": name, "email": email, "phone": phone, "coach_named": coach_named, "account": account}
    complaint.sealed, complaint.key_id = keys.seal(json.dumps(text).encode(), aad=complaint.aad())
    complaint.save(force_insert=True)
    association_append(
        staff=None,
        action=Action.CASE_COMPLAINT_RECEIVED,
        target_type="complaint",
        target_id=complaint.pk,
        clauses=clauses[:12],
        details={"number": complaint.number},
    )
    if email:
        context = {"number": complaint.number, "name": name}
        _after_commit_mail(ACK_SUBJECT, "cases/email/acknowledgement.txt", context, email)
    return complaint


def _open_complaint(complaint: Complaint) -> ComplaintText:
    data = json.loads(keys.open_sealed(bytes(complaint.sealed), aad=complaint.aad()))
    return ComplaintText(**data)


@transaction.atomic
def complaint_read(*, staff, complaint: Complaint) -> ComplaintText:
    """Open a complaint for a member of staff; the opening is an event in the association's log."""
    _require_staff(staff)
    text = _open_complaint(complaint)
    association_append(
        staff=staff,
        action=Action.CASE_COMPLAINT_READ,
        target_type="complaint",
        target_id=complaint.pk,
        details={"number": complaint.number},
    )
    return text


def response_text(case: EthicsCase) -> str:
    """The coach's response, opened (for the complaint page, whose opening is logged)."""
    if not case.response_sealed:
        return ""
    return keys.open_sealed(bytes(case.response_sealed), aad=case.response_aad()).decode()


# -- screening --------------------------------------------------------------------------------


def _screenable(complaint: Complaint) -> Complaint:
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if complaint.state != Complaint.State.RECEIVED:
        raise ValidationError(ALREADY_SCREENED.format(number=complaint.number))
    return complaint


@transaction.atomic
def complaint_close(*, staff, complaint: Complaint, because: str, message: str) -> Complaint:
    """Close a complaint at screening as outside the association's remit, telling the complainant why."""
    _require_staff(staff)
    complaint = _screenable(complaint)
    if because not in Complaint.ClosedBecause.values:
        raise ValidationError({"because": CLOSE_REASON_UNKNOWN})
    message = (message or "").strip()
    if not message:
        raise ValidationError({"message": CLOSE_MESSAGE_NEEDED})
    complaint.state = Complaint.State.CLOSED
    complaint.closed_because, complaint.closed_message = because, message
    complaint.screened_at, complaint.screened_by = timezone.now(), staff
    complaint.save(update_fields=["state", "closed_because", "closed_message", "screened_at", "screened_by"])
    association_append(
        staff=staff,
        action=Action.CASE_COMPLAINT_CLOSED,
        target_type="complaint",
        target_id=complaint.pk,
        details={"number": complaint.number, "because": because},
    )
    text = _open_complaint(complaint)
    if text.email:
        context = {
            "number": complaint.number,
            "name": text.name,
            "because": Complaint.ClosedBecause(because).label,
            "message": message,
        }
        _after_commit_mail(SCREENED_SUBJECT, "cases/email/closed.txt", context, text.email)
    return complaint


@transaction.atomic
def case_open(
    *,
    staff,
    complaint: Complaint,
    certification: Certification | None,
    clauses,
    summary: str,
    today: datetime.date | None = None,
) -> EthicsCase:
    """Open an ethics case on a complaint within the remit, and give the coach notice and a deadline."""
    _require_staff(staff)
    today = _today(today)
    complaint = _screenable(complaint)
    if certification is None:
        raise ValidationError({"certification": NOT_CERTIFIED})
    received = timezone.localdate(complaint.received_at)
    limit = settings.ETHOS_COMPLAINT_TIME_LIMIT_DAYS
    if complaint.events_on < received - datetime.timedelta(days=limit):
        raise ValidationError(TOO_LATE.format(events=complaint.events_on, days=limit, received=received))
    clauses = _clauses(clauses)
    if not clauses:
        raise ValidationError({"clauses": NOT_ABOUT_THE_CODE})
    summary = (summary or "").strip()
    if not summary:
        raise ValidationError({"summary": SUMMARY_NEEDED})
    due = today + datetime.timedelta(days=settings.ETHOS_CASE_RESPONSE_DAYS)
    case = EthicsCase.objects.create(
        complaint=complaint,
        certification=certification,
        number=complaint.number,
        stage=Stage.INTAKE,
        stage_deadline=due,
        clauses=clauses,
        summary=summary,
        response_due=due,
    )
    complaint.state = Complaint.State.OPENED
    complaint.screened_at, complaint.screened_by = timezone.now(), staff
    complaint.save(update_fields=["state", "screened_at", "screened_by"])
    _log(
        staff=staff,
        action=Action.CASE_OPENED,
        case=case,
        details={"certification": certification.number, "response_due": due.isoformat()},
    )
    coach = certification.coach
    if coach is not None and coach.email:
        context = {"number": case.number, "due": due, "clauses": clause_lines(clauses)}
        _after_commit_mail(COACH_SUBJECT, "cases/email/coach_notice.txt", context, coach.email)
    return case


def clause_lines(clauses) -> list[str]:
    known = catalog()
    return [f"{clause}: {known[clause].title}" for clause in clauses if clause in known]


@transaction.atomic
def case_respond(*, coach, case: EthicsCase, text: str) -> EthicsCase:
    """Take the coach's written response, sealed to the association."""
    case = EthicsCase.objects.select_for_update().get(pk=case.pk)
    if case.certification.coach_id != coach.pk:
        raise ValidationError(ONLY_STAFF)  # never reached through the coach's pages (404 first)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": RESPONSE_EMPTY})
    if case.responded_at is not None:
        raise ValidationError(
            RESPONSE_ALREADY.format(number=case.number, date=timezone.localdate(case.responded_at))
        )
    if case.stage not in (Stage.INTAKE, Stage.PRELIMINARY_REVIEW, Stage.INVESTIGATION):
        raise ValidationError(RESPONSE_CLOSED.format(number=case.number))
    case.response_sealed, _ = keys.seal(text.encode(), aad=case.response_aad())
    case.responded_at = timezone.now()
    case.save(update_fields=["response_sealed", "responded_at"])
    # The coach is no member of staff: the event names the coach's side as the actor.
    audit_append(
        coach=association_account(),
        action=Action.CASE_COACH_RESPONDED,
        target_type="ethics_case",
        target_id=str(case.pk),
        clauses=["E1"],
        details={"number": case.number},
        actor="coach",
    )
    return case


# -- stages -------------------------------------------------------------------------------------


def _locked(case: EthicsCase) -> EthicsCase:
    return EthicsCase.objects.select_for_update().select_related("certification").get(pk=case.pk)


def _move(*, staff, case: EthicsCase, to: str, today: datetime.date, deadline=None, details=None) -> None:
    """Move a locked case to another stage, if the move is one of TRANSITIONS, and log it."""
    allowed = TRANSITIONS[case.stage]
    if to not in allowed:
        raise ValidationError(
            ILLEGAL_MOVE.format(
                stage=Stage(case.stage).label.lower(),
                to=Stage(to).label.lower(),
                allowed=", ".join(Stage(s).label.lower() for s in allowed) or "nowhere (it is closed)",
            )
        )
    before = case.stage
    days = STAGE_GUIDE[to][1]
    if deadline is None and days is not None:
        deadline = today + datetime.timedelta(days=days)
    case.stage, case.stage_deadline = to, deadline
    case.save(update_fields=["stage", "stage_deadline"])
    _log(
        staff=staff,
        action=Action.CASE_STAGE_CHANGED,
        case=case,
        details={"from": before, "to": to, **(details or {})},
    )


@transaction.atomic
def case_advance(*, staff, case: EthicsCase, to: str, today: datetime.date | None = None) -> EthicsCase:
    """Move a case on by a plain step: to review, to investigation, to hearing, or closed at review."""
    _require_staff(staff)
    today = _today(today)
    case = _locked(case)
    if to not in Stage.values:
        raise ValidationError(ILLEGAL_MOVE.format(stage=case.stage, to=to, allowed=""))
    how = OTHER_WAYS.get((case.stage, to))
    if how is not None:
        raise ValidationError(MOVE_NEEDS_ACTION.format(to=Stage(to).label.lower(), how=how))
    waiting = case.responded_at is None and today <= case.response_due
    if case.stage == Stage.INTAKE and to == Stage.PRELIMINARY_REVIEW and waiting:
        raise ValidationError(RESPONSE_PENDING.format(due=case.response_due))
    if case.stage == Stage.PRELIMINARY_REVIEW and to == Stage.CLOSED:
        # No case to answer: dismissed at review, final at once.
        _finalise(staff=staff, case=case, outcome=Outcome.DISMISSED, today=today)
        return case
    _move(staff=staff, case=case, to=to, today=today)
    return case


# -- panels, conflicts, votes -------------------------------------------------------------------


def _panel_for_stage(case: EthicsCase) -> str:
    if case.stage == Stage.HEARING:
        return PanelSeat.Panel.HEARING
    if case.stage == Stage.APPEAL:
        return PanelSeat.Panel.APPEAL
    raise ValidationError(NOT_VOTING.format(stage=Stage(case.stage).label.lower()))


def conflicted_member_ids(case: EthicsCase) -> set:
    """Staff who may not sit on the case's panels: declared links, the coach, the complainant."""
    ids = set(ConflictDeclaration.objects.filter(case=case).values_list("member_id", flat=True))
    if case.certification.coach_id is not None:
        ids.add(case.certification.coach_id)
    email = _open_complaint(case.complaint).email
    if email:
        User = get_user_model()
        ids.update(User.objects.filter(email__iexact=email).values_list("pk", flat=True))
    return ids


def _decided(case: EthicsCase, panel: str) -> bool:
    return bool(case.outcome) if panel == PanelSeat.Panel.HEARING else bool(case.appeal_outcome)


@transaction.atomic
def panel_appoint(*, staff, case: EthicsCase, members) -> list[PanelSeat]:
    """Seat members of staff on the case's current panel (hearing or appeal); at least three in all."""
    _require_staff(staff)
    case = _locked(case)
    if case.stage not in (Stage.HEARING, Stage.APPEAL):
        raise ValidationError(PANEL_WRONG_STAGE.format(panel="panel", stage=Stage(case.stage).label.lower()))
    panel = _panel_for_stage(case)
    label = PanelSeat.Panel(panel).label.lower()
    if _decided(case, panel):
        raise ValidationError(PANEL_DECIDED.format(panel=label))
    members = list(dict.fromkeys(members))
    seated = set(PanelSeat.objects.filter(case=case, panel=panel).values_list("member_id", flat=True))
    conflicted = conflicted_member_ids(case)
    hearing = set(
        PanelSeat.objects.filter(case=case, panel=PanelSeat.Panel.HEARING).values_list("member_id", flat=True)
    )
    for member in members:
        name = member.name or member.email
        if member.role != STAFF or not member.is_active:
            raise ValidationError(PANEL_NOT_STAFF.format(name=name))
        if member.pk in seated:
            raise ValidationError(PANEL_SEATED.format(name=name))
        if member.pk in conflicted:
            raise ValidationError(PANEL_CONFLICT.format(name=name))
        if panel == PanelSeat.Panel.APPEAL and member.pk in hearing:
            raise ValidationError(APPEAL_PANEL_OVERLAP.format(name=name))
    if len(seated) + len(members) < PANEL_SIZE:
        raise ValidationError(PANEL_TOO_SMALL.format(count=len(seated) + len(members)))
    seats = PanelSeat.objects.bulk_create([PanelSeat(case=case, panel=panel, member=m) for m in members])
    _log(
        staff=staff,
        action=Action.CASE_PANEL_APPOINTED,
        case=case,
        details={"panel": panel, "members": [str(m.pk) for m in members]},
    )
    return seats


@transaction.atomic
def conflict_declare(*, staff, case: EthicsCase, party: str) -> ConflictDeclaration:
    """Record a member of staff's link to a party; it takes them off any panel of the case not yet decided."""
    _require_staff(staff)
    case = _locked(case)
    if party not in Party.values:
        raise ValidationError(PARTY_UNKNOWN)
    if ConflictDeclaration.objects.filter(case=case, member=staff, party=party).exists():
        raise ValidationError(CONFLICT_ALREADY.format(party=Party(party).label.lower()))
    declaration = ConflictDeclaration.objects.create(case=case, member=staff, party=party)
    undecided = [p for p in PanelSeat.Panel.values if not _decided(case, p)]
    left, _ = PanelSeat.objects.filter(case=case, member=staff, panel__in=undecided).delete()
    _log(
        staff=staff,
        action=Action.CASE_CONFLICT_DECLARED,
        case=case,
        details={"party": party, "left_panel": bool(left)},
    )
    return declaration


@transaction.atomic
def vote_record(*, staff, case: EthicsCase, outcome: str) -> PanelSeat:
    """Record one panel member's vote on the case's current panel."""
    _require_staff(staff)
    case = _locked(case)
    panel = _panel_for_stage(case)
    if outcome not in Outcome.values:
        raise ValidationError(OUTCOME_UNKNOWN.format(choices=", ".join(o.label.lower() for o in Outcome)))
    seat = PanelSeat.objects.filter(case=case, panel=panel, member=staff).first()
    if seat is None or staff.pk in conflicted_member_ids(case):
        raise ValidationError(NOT_ON_PANEL)
    if seat.vote:
        raise ValidationError(ALREADY_VOTED)
    seat.vote, seat.voted_at = outcome, timezone.now()
    seat.save(update_fields=["vote", "voted_at"])
    _log(staff=staff, action=Action.CASE_VOTE_RECORDED, case=case, details={"panel": panel, "vote": outcome})
    return seat


def tally(votes: list[str], size: int) -> Outcome:
    """The panel's outcome: the most severe one enough members support (E1).

    A vote for an outcome supports every milder one too. Revocation needs two thirds of the panel;
    the other sanctions a majority; dismissal is what remains.
    """
    rank = {outcome: index for index, outcome in enumerate(SEVERITY)}
    for outcome in reversed(SEVERITY):
        support = sum(1 for vote in votes if rank[Outcome(vote)] >= rank[outcome])
        if outcome == Outcome.REVOCATION:
            if 3 * support >= 2 * size:
                return outcome
        elif outcome == Outcome.DISMISSED or 2 * support > size:
            return outcome
    return Outcome.DISMISSED  # pragma: no cover - dismissal is always reached


def _panel_outcome(case: EthicsCase, panel: str) -> tuple[Outcome, dict]:
    votes = list(PanelSeat.objects.filter(case=case, panel=panel).values_list("vote", flat=True))
    if len(votes) < PANEL_SIZE:
        raise ValidationError(PANEL_TOO_SMALL.format(count=len(votes)))
    missing = sum(1 for vote in votes if not vote)
    if missing:
        raise ValidationError(VOTES_MISSING.format(missing=missing, size=len(votes)))
    counts = {outcome.value: votes.count(outcome.value) for outcome in Outcome if outcome.value in votes}
    return tally(votes, len(votes)), counts


@transaction.atomic
def case_decide(*, staff, case: EthicsCase, today: datetime.date | None = None) -> EthicsCase:
    """Decide the case from the hearing panel's recorded votes; the appeal window opens."""
    _require_staff(staff)
    today = _today(today)
    case = _locked(case)
    if case.stage != Stage.HEARING:
        raise ValidationError(NOT_VOTING.format(stage=Stage(case.stage).label.lower()))
    outcome, counts = _panel_outcome(case, PanelSeat.Panel.HEARING)
    case.outcome, case.decided_on = outcome, today
    case.save(update_fields=["outcome", "decided_on"])
    _log(staff=staff, action=Action.CASE_DECIDED, case=case, details={"outcome": outcome, "votes": counts})
    _move(staff=staff, case=case, to=Stage.DECISION, today=today, deadline=appeal_closes(case))
    return case


def appeal_closes(case: EthicsCase) -> datetime.date:
    """The last day an appeal can be lodged."""
    return case.decided_on + datetime.timedelta(days=settings.ETHOS_CASE_APPEAL_DAYS)


@transaction.atomic
def appeal_lodge(
    *, staff, case: EthicsCase, by: str, grounds: str, today: datetime.date | None = None
) -> EthicsCase:
    """Record a party's appeal against the decision, within the appeal window."""
    _require_staff(staff)
    today = _today(today)
    case = _locked(case)
    if case.stage != Stage.DECISION:
        raise ValidationError(
            APPEAL_NOT_OPEN.format(number=case.number, stage=Stage(case.stage).label.lower())
        )
    if today > appeal_closes(case):
        raise ValidationError(
            APPEAL_TOO_LATE.format(closed=appeal_closes(case), days=settings.ETHOS_CASE_APPEAL_DAYS)
        )
    if by not in Party.values:
        raise ValidationError({"by": PARTY_UNKNOWN})
    grounds = (grounds or "").strip()
    if not grounds:
        raise ValidationError({"grounds": APPEAL_GROUNDS_NEEDED})
    case.appeal_by, case.appeal_grounds, case.appeal_lodged_on = by, grounds, today
    case.save(update_fields=["appeal_by", "appeal_grounds", "appeal_lodged_on"])
    _log(staff=staff, action=Action.CASE_APPEAL_LODGED, case=case, details={"by": by})
    _move(staff=staff, case=case, to=Stage.APPEAL, today=today)
    return case


@transaction.atomic
def appeal_decide(*, staff, case: EthicsCase, today: datetime.date | None = None) -> EthicsCase:
    """Decide the appeal on the record from the appeal panel's votes; the outcome is then final."""
    _require_staff(staff)
    today = _today(today)
    case = _locked(case)
    if case.stage != Stage.APPEAL:
        raise ValidationError(NOT_VOTING.format(stage=Stage(case.stage).label.lower()))
    outcome, counts = _panel_outcome(case, PanelSeat.Panel.APPEAL)
    case.appeal_outcome = outcome
    case.save(update_fields=["appeal_outcome"])
    _log(
        staff=staff,
        action=Action.CASE_APPEAL_DECIDED,
        case=case,
        details={"outcome": outcome, "upheld": outcome == case.outcome, "votes": counts},
    )
    _finalise(staff=staff, case=case, outcome=outcome, today=today)
    return case


@transaction.atomic
def case_finalise(*, staff, case: EthicsCase, today: datetime.date | None = None) -> EthicsCase:
    """Make an unappealed decision final once the appeal window has closed."""
    _require_staff(staff)
    today = _today(today)
    case = _locked(case)
    if case.stage != Stage.DECISION:
        raise ValidationError(NOT_DECIDED.format(number=case.number, stage=Stage(case.stage).label.lower()))
    if today <= appeal_closes(case):
        raise ValidationError(WINDOW_OPEN.format(closed=appeal_closes(case)))
    _finalise(staff=staff, case=case, outcome=Outcome(case.outcome), today=today)
    return case


def _finalise(*, staff, case: EthicsCase, outcome: Outcome, today: datetime.date) -> None:
    """Close a locked case with its final outcome, and carry the sanction to the registry."""
    case.final_outcome, case.final_on = outcome, today
    case.save(update_fields=["final_outcome", "final_on"])
    _move(staff=staff, case=case, to=Stage.CLOSED, today=today, details={"outcome": outcome})
    _log(staff=staff, action=Action.CASE_FINALISED, case=case, details={"outcome": outcome})
    certification = Certification.objects.select_for_update().get(pk=case.certification_id)
    status = Certification.Status
    reason = f"Ethics case {case.number}: {Outcome(outcome).label.lower()}, final on {today.isoformat()} (E1)"
    if outcome == Outcome.REVOCATION:
        target = status.REVOKED
    elif outcome == Outcome.SUSPENSION:
        target = status.SUSPENDED
    elif case.interim_suspended_at is not None and certification.status == status.SUSPENDED:
        # The interim suspension ends with the case, unless another open case holds one too.
        others = (
            EthicsCase.objects.filter(certification=certification, interim_suspended_at__isnull=False)
            .exclude(pk=case.pk)
            .exclude(stage=Stage.CLOSED)
        )
        target = None if others.exists() else status.ACTIVE
    else:
        target = None
    if outcome == Outcome.EDUCATION:
        # The education or conditions the panel decided are held on the registry entry itself.
        line = f"Set by ethics case {case.number}, final on {today.isoformat()}: education or conditions."
        certification_set_conditions(
            staff=staff,
            certification=certification,
            conditions="\n".join(filter(None, [certification.conditions, line])),
            reason=reason,
        )
    if target is not None and certification.status != target and certification.status != status.REVOKED:
        certification_set_status(staff=staff, certification=certification, status=target, reason=reason)


@transaction.atomic
def interim_suspend(*, staff, case: EthicsCase, reason: str) -> EthicsCase:
    """Suspend the coach while the case is open; nothing of the case is published."""
    _require_staff(staff)
    case = _locked(case)
    if case.stage == Stage.CLOSED:
        raise ValidationError(INTERIM_CLOSED.format(number=case.number))
    if case.interim_suspended_at is not None:
        raise ValidationError(INTERIM_ALREADY)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": INTERIM_REASON_NEEDED})
    certification = case.certification
    if certification.status != Certification.Status.ACTIVE:
        raise ValidationError(
            INTERIM_NOT_ACTIVE.format(status=Certification.Status(certification.status).label.lower())
        )
    certification_set_status(
        staff=staff,
        certification=certification,
        status=Certification.Status.SUSPENDED,
        reason=f"Interim suspension while ethics case {case.number} is open",
    )
    case.interim_suspended_at = timezone.now()
    case.save(update_fields=["interim_suspended_at"])
    _log(staff=staff, action=Action.CASE_INTERIM_SUSPENDED, case=case, details={"reason": reason})
    return case

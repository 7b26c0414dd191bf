"""Session workflows that change state: schedule, move, cancel, start, close, follow up, the feed.

Each function validates, writes and appends its audit event in one transaction; start and close
ask the standards engine first (`with action(): enforce(...)`). A stopped start or close writes,
after the finding, the check that stopped it: the P14 attestation, the S3 follow-up, the P6 check.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ethos.audit.actions import Action
from ethos.audit.services import audit_append
from ethos.clients.hooks import on_release
from ethos.clients.models import Client, Ending
from ethos.standards.engine import ActionStopped, Subject
from ethos.standards.facts import Facts
from ethos.standards.points import Point
from ethos.standards.record_types import RecordType
from ethos.standards.services import action, enforce, open_items_resolve_for
from ethos.standards.standing import coach_standing

from . import calendar
from .boundaries import declared_relationship
from .hooks import sessions_changed
from .models import CalendarFeed, CloseCheck, FollowUp, SafetyPlan, Session, SessionNote, StartCheck

CLIENT_NOT_ACTIVE = "Sessions can only be scheduled with a client whose coaching is active."
NOT_YOUR_CLIENT = "This client belongs to another practice."
IN_THE_PAST = "This time has already gone by. Choose a time from now on."
DURATION_RANGE = "A session lasts between {low} and {high} minutes."
OVERLAP = (
    "You already have a session from {start:%H:%M} to {end:%H:%M} on {start:%d %b %Y}. Choose another time."
)
MODALITY_UNKNOWN = "Choose in person, video call or phone call."
NOT_SCHEDULED = "Only a session that has not started yet can be {verb}."
CANCEL_WHO = "Say who cancelled the session."
CANCEL_REASON_NEEDED = "Write a short reason for the cancellation."
NOT_STARTED_YET = "This session has not started, so it cannot be closed."
NOT_STARTABLE = "Only a scheduled session can start."
ALREADY_CLOSED = "This session is already closed."
STARTS_TOO_EARLY = "This session is on {day:%d %b %Y}; start it on the day."
PRESENTATION_UNKNOWN = "Say how the client presents today."
LEAVING_UNKNOWN = "Say how the client is leaving the session."
NOT_KEPT_OPEN = "A safety plan is recorded for a session that was kept open because the client was not safe."
STEPS_NEEDED = "Write what you did together, in a few words."
OUTCOME_UNKNOWN = "Say whether the client is now safe to leave or emergency help took over."
FOLLOW_UP_RESOLVED = "This follow-up was already talked through."
FOLLOW_UP_NEEDS_STARTED_SESSION = "A follow-up is talked through in a later session that has started."
FOLLOW_UP_TEXT_NEEDED = "Write, in a few words, how you talked it through."

# Ethos's own practice rules, not the code's words.
MIN_MINUTES, MAX_MINUTES = 15, 240
# A session may be written down a little after it began (the coach was already with the client).
PAST_GRACE = datetime.timedelta(minutes=10)
S3_FOLLOW_UP_TEXT = (
    "The client seemed affected by alcohol or drugs when a session was due to start, so it did not go "
    "ahead. Talk it through together, kindly and without judgement."
)
# The short grounding and safety-planning guide of the close-of-session check (P6), in our words.
GROUNDING_STEPS = {
    "slow_breath": "Slow the breath together: breathe out for longer than you breathe in, a few times.",
    "orient": "Look around the room together and name a few things you can see and hear right now.",
    "feet": "Feel the feet on the floor and the weight of the body in the chair.",
    "choice": "Ask what would help right now, and let the client choose what happens next.",
    "who_to_call": "Agree who the client can be with or call after the session, and how they get home.",
    "plan": "Write down together the signs to watch for and the first steps if it gets worse.",
}

SCHEDULED = Session.Status.SCHEDULED


def _text(value: str) -> str:
    return (value or "").strip()


def _in_diary(
    *, coach, starts_at: datetime.datetime, ends_at: datetime.datetime, ignore=None
) -> Session | None:
    """Return one of the coach's live sessions that overlaps the given time, if any."""
    clash = Session.objects.for_coach(coach).live().filter(starts_at__lt=ends_at, ends_at__gt=starts_at)
    if ignore is not None:
        clash = clash.exclude(pk=ignore.pk)
    return clash.only("starts_at", "ends_at").order_by("starts_at").first()


def _check_time(*, coach, starts_at, duration_minutes: int, ignore=None) -> datetime.datetime:
    errors: dict[str, list[str]] = {}
    if starts_at < timezone.now() - PAST_GRACE:
        errors["starts_at"] = [IN_THE_PAST]
    if not MIN_MINUTES <= duration_minutes <= MAX_MINUTES:
        errors["duration_minutes"] = [DURATION_RANGE.format(low=MIN_MINUTES, high=MAX_MINUTES)]
    if errors:
        raise ValidationError(errors)
    ends_at = starts_at + datetime.timedelta(minutes=duration_minutes)
    clash = _in_diary(coach=coach, starts_at=starts_at, ends_at=ends_at, ignore=ignore)
    if clash is not None:
        message = OVERLAP.format(
            start=timezone.localtime(clash.starts_at), end=timezone.localtime(clash.ends_at)
        )
        raise ValidationError({"starts_at": [message]})
    return ends_at


def session_schedule(
    *,
    coach,
    client: Client,
    starts_at: datetime.datetime,
    duration_minutes: int,
    modality: str,
    place: str = "",
    rescheduled_from: Session | None = None,
) -> Session:
    """Put a session with an active client in the coach's diary, where nothing else is."""
    if client.coach_id != coach.pk:
        raise PermissionError(NOT_YOUR_CLIENT)
    if modality not in Session.Modality.values:
        raise ValidationError({"modality": [MODALITY_UNKNOWN]})
    with transaction.atomic():
        # The client's row is locked so that an ending cannot slip in between the check and the write.
        status = Client.objects.select_for_update().values_list("status", flat=True).get(pk=client.pk)
        if status != Client.Status.ACTIVE:
            raise ValidationError(CLIENT_NOT_ACTIVE)
        ends_at = _check_time(
            coach=coach, starts_at=starts_at, duration_minutes=duration_minutes, ignore=rescheduled_from
        )
        session = Session(
            coach=coach,
            client=client,
            data_key_id=client.data_key_id,
            starts_at=starts_at,
            duration_minutes=duration_minutes,
            ends_at=ends_at,
            modality=modality,
            place=_text(place) or None,
            rescheduled_from=rescheduled_from,
        )
        session.save(force_insert=True)
        audit_append(
            coach=coach,
            action=Action.SESSION_SCHEDULED,
            target_type="session",
            target_id=str(session.pk),
            details={
                "client": str(client.pk),
                "rescheduled_from": str(rescheduled_from.pk) if rescheduled_from else "",
            },
        )
    return session


def _cancel(*, coach, session: Session, cancelled_by: str, reason: str, no_fee_reason: str = "") -> Session:
    """Cancel one scheduled session; the caller holds the transaction."""
    if cancelled_by not in Session.CancelledBy.values:
        raise ValidationError({"cancelled_by": [CANCEL_WHO]})
    if not _text(reason):
        raise ValidationError({"reason": [CANCEL_REASON_NEEDED]})
    locked = Session.objects.select_for_update().only("status", "no_fee", "no_fee_reason").get(pk=session.pk)
    if locked.status != SCHEDULED:
        raise ValidationError(NOT_SCHEDULED.format(verb="cancelled or moved"))
    # P2: a session the coach cancelled costs the client nothing; so does one a check already
    # moved without charge (P14, S3) or one that coaching ending took away.
    if locked.no_fee:
        no_fee_reason = locked.no_fee_reason
    elif cancelled_by == Session.CancelledBy.COACH and not no_fee_reason:
        no_fee_reason = Session.NoFee.COACH_CANCELLED
    session.status = Session.Status.CANCELLED
    session.cancelled_by = cancelled_by
    session.cancel_reason = _text(reason)
    session.cancelled_at = timezone.now()
    session.no_fee = bool(no_fee_reason)
    session.no_fee_reason = no_fee_reason
    session.save(
        update_fields=["status", "cancelled_by", "cancel_reason", "cancelled_at", "no_fee", "no_fee_reason"]
    )
    audit_append(
        coach=coach,
        action=Action.SESSION_CANCELLED,
        target_type="session",
        target_id=str(session.pk),
        clauses=["P2"] if session.no_fee else [],
        details={"cancelled_by": cancelled_by, "no_fee": session.no_fee, "no_fee_reason": no_fee_reason},
    )
    return session


def session_cancel(*, coach, session: Session, cancelled_by: str, reason: str) -> Session:
    """Cancel a session, saying who cancelled and why; the coach's own cancellation is free (P2)."""
    with transaction.atomic():
        cancelled = _cancel(coach=coach, session=session, cancelled_by=cancelled_by, reason=reason)
        sessions_changed(coach=coach, client=session.client)
    return cancelled


def session_reschedule(
    *,
    coach,
    session: Session,
    starts_at: datetime.datetime,
    duration_minutes: int,
    modality: str,
    place: str,
    cancelled_by: str,
    reason: str,
) -> Session:
    """Move a session: the old one is cancelled (who asked, why, P2) and a new one points back to it."""
    with transaction.atomic():
        _cancel(coach=coach, session=session, cancelled_by=cancelled_by, reason=reason)
        moved = session_schedule(
            coach=coach,
            client=session.client,
            starts_at=starts_at,
            duration_minutes=duration_minutes,
            modality=modality,
            place=place,
            rescheduled_from=session,
        )
        audit_append(
            coach=coach,
            action=Action.SESSION_RESCHEDULED,
            target_type="session",
            target_id=str(moved.pk),
            details={"from": str(session.pk), "asked_by": cancelled_by},
        )
        sessions_changed(coach=coach, client=session.client)
    return moved


@on_release
def cancel_future_sessions(*, coach, client: Client, ending: Ending) -> None:
    """Ending or pausing coaching cancels the client's future sessions, without charge."""
    by = (
        Session.CancelledBy.COACH
        if ending.initiated_by == Ending.InitiatedBy.COACH
        else Session.CancelledBy.CLIENT
    )
    reason = "Coaching ended" if ending.kind == Ending.Kind.END else "Coaching paused"
    future = Session.objects.filter(client=client, status=SCHEDULED, starts_at__gte=timezone.now())
    for session in future.select_related("data_key"):
        _cancel(
            coach=coach,
            session=session,
            cancelled_by=by,
            reason=reason,
            no_fee_reason=Session.NoFee.COACHING_ENDED,
        )


# -- Pre-session checks (P14, S3) -------------------------------------------------------------


def session_start(*, coach, session: Session, coach_fit: bool, presentation: str) -> Session:
    """Start a session once the coach is fit (P14) and the client is not under the influence (S3).

    A stop raises ActionStopped after writing the finding, the check, the no-fee mark and, for
    S3, the follow-up that waits on the client's next session.
    """
    if presentation not in StartCheck.Presentation.values:
        raise ValidationError({"presentation": [PRESENTATION_UNKNOWN]})
    if session.status != SCHEDULED:
        raise ValidationError(NOT_STARTABLE)
    if timezone.localdate(session.starts_at) > timezone.localdate():
        raise ValidationError(STARTS_TOO_EARLY.format(day=timezone.localtime(session.starts_at)))
    under_influence = presentation == StartCheck.Presentation.UNDER_INFLUENCE
    facts = Facts(
        coach_fit_to_practise=coach_fit,
        client_under_influence=under_influence,
        # P8: from a declared relationship or attraction on, no session with the client starts.
        relationship=declared_relationship(session.client_id),
        # E1: a suspended, revoked or lapsed certification starts no session.
        certification=coach_standing(coach),
    )
    try:
        with action():
            enforce(coach=coach, point=Point.SESSION_START, facts=facts, subject=Subject.of(session))
            now = timezone.now()
            _start_check(
                coach=coach, session=session, coach_fit=coach_fit, presentation=presentation, started=True
            )
            minutes_late = max(0, int((now - session.starts_at).total_seconds() // 60))
            session.status = Session.Status.STARTED
            session.started_at = now
            session.note_owed = True
            # P2: the client's time is respected; a late start by the coach is not charged for.
            late = _no_fee_unless_already(session, Session.NoFee.COACH_LATE, late_start(minutes_late))
            session.save(update_fields=["status", "started_at", "no_fee", "no_fee_reason", "note_owed"])
            audit_append(
                coach=coach,
                action=Action.SESSION_STARTED,
                target_type="session",
                target_id=str(session.pk),
                clauses=["P14", "S3", "P2"] if late else ["P14", "S3"],
                details={"minutes_late": minutes_late, "no_fee_reason": session.no_fee_reason},
            )
    except ActionStopped as stopped:
        # A stop by E1 alone is about the coach's certification, not this session: the session
        # stays as it was (no check, no no-fee mark) and only the finding is written.
        if {finding.clause for finding in stopped.verdict.findings if finding.stops} - {"E1"}:
            _not_started(coach=coach, session=session, coach_fit=coach_fit, presentation=presentation)
        raise
    return session


def late_start(minutes_late: int) -> bool:
    """Whether a start this many minutes after the booked time is the coach's late start (P2)."""
    return minutes_late > settings.ETHOS_LATE_START_MINUTES


def cut_short(session: Session, closed_at: datetime.datetime) -> bool:
    """Whether closing at this time ends the session early enough to count as cut short (P2)."""
    return closed_at < session.ends_at - datetime.timedelta(minutes=settings.ETHOS_CUT_SHORT_MINUTES)


def _no_fee_unless_already(session: Session, reason: str, applies: bool) -> bool:
    """Mark the session free for this P2 reason when it applies and no earlier reason already did."""
    if not applies or session.no_fee:
        return False
    session.no_fee, session.no_fee_reason = True, reason
    return True


def _start_check(*, coach, session: Session, coach_fit: bool, presentation: str, started: bool) -> StartCheck:
    check = StartCheck(
        coach=coach,
        session=session,
        data_key_id=session.data_key_id,
        coach_fit=coach_fit,
        presentation=presentation,
        started=started,
    )
    check.save(force_insert=True)
    return check


def _not_started(*, coach, session: Session, coach_fit: bool, presentation: str) -> None:
    """Keep what a stopped start owes: the check, no fee for the session, and the S3 follow-up."""
    under_influence = presentation == StartCheck.Presentation.UNDER_INFLUENCE
    with transaction.atomic():
        _start_check(
            coach=coach, session=session, coach_fit=coach_fit, presentation=presentation, started=False
        )
        session.no_fee = True
        if not coach_fit:
            session.no_fee_reason = Session.NoFee.COACH_UNFIT
        elif under_influence:
            session.no_fee_reason = Session.NoFee.CLIENT_UNDER_INFLUENCE
        else:
            # Neither check stopped it: a declared relationship did (P8), and coaching is ending.
            session.no_fee_reason = Session.NoFee.COACHING_ENDED
        session.save(update_fields=["no_fee", "no_fee_reason"])
        if under_influence and not FollowUp.objects.filter(raised_in=session, resolved_at=None).exists():
            FollowUp(
                coach=coach,
                client_id=session.client_id,
                data_key_id=session.data_key_id,
                kind=FollowUp.Kind.UNDER_INFLUENCE,
                raised_in=session,
                text=S3_FOLLOW_UP_TEXT,
            ).save(force_insert=True)
        clauses = [c for c, stopped in (("P14", not coach_fit), ("S3", under_influence)) if stopped] or ["P8"]
        audit_append(
            coach=coach,
            action=Action.SESSION_NOT_STARTED,
            target_type="session",
            target_id=str(session.pk),
            clauses=clauses,
            details={"no_fee_reason": session.no_fee_reason},
        )


def follow_up_resolve(*, coach, follow_up: FollowUp, session: Session, how: str) -> FollowUp:
    """Record that a follow-up was talked through in a later, started session (S3)."""
    if not _text(how):
        raise ValidationError({"how": [FOLLOW_UP_TEXT_NEEDED]})
    if (
        session.client_id != follow_up.client_id
        or session.status
        not in (
            Session.Status.STARTED,
            Session.Status.CLOSED,
        )
        or session.pk == follow_up.raised_in_id
    ):
        raise ValidationError(FOLLOW_UP_NEEDS_STARTED_SESSION)
    with transaction.atomic():
        if FollowUp.objects.select_for_update().filter(pk=follow_up.pk, resolved_at__isnull=False).exists():
            raise ValidationError(FOLLOW_UP_RESOLVED)
        follow_up.resolved_in = session
        follow_up.resolution = _text(how)
        follow_up.resolved_at = timezone.now()
        follow_up.save(update_fields=["resolved_in", "resolution", "resolved_at"])
        audit_append(
            coach=coach,
            action=Action.SESSION_FOLLOW_UP_RESOLVED,
            target_type="session",
            target_id=str(session.pk),
            clauses=["S3"],
            details={"follow_up": str(follow_up.pk), "raised_in": str(follow_up.raised_in_id)},
        )
        open_items_resolve_for(
            coach=coach,
            subject=Subject(type="session", id=str(follow_up.raised_in_id)),
            record_type=RecordType.INFLUENCE_FOLLOWUP,
            record_id=str(session.pk),
        )
    return follow_up


# -- Close of session (P6, S4) ----------------------------------------------------------------


@dataclass(frozen=True)
class Reflection:
    """The trauma-informed reflection at close (S4): what the client was offered in the session."""

    safety_offered: bool
    choice_offered: bool
    collaboration_offered: bool
    words: str = ""


def session_close(*, coach, session: Session, leaving: str, reflection: Reflection) -> Session:
    """Close a started session unless the client is not safe to leave (P6); keep the reflection (S4).

    An unsafe client stops the close: the session stays open, the check is kept, and the page
    offers the grounding and safety-planning path (`safety_plan_record`), which closes it.
    """
    if leaving not in CloseCheck.Leaving.values:
        raise ValidationError({"leaving": [LEAVING_UNKNOWN]})
    _closable(session)
    safe = leaving != CloseCheck.Leaving.UNSAFE
    try:
        with action():
            enforce(
                coach=coach,
                point=Point.SESSION_CLOSE,
                facts=Facts(client_safe_to_leave=safe),
                subject=Subject.of(session),
            )
            _close_check(coach=coach, session=session, leaving=leaving, reflection=reflection, closed=True)
            _close(coach=coach, session=session, how=leaving)
    except ActionStopped:
        with transaction.atomic():
            _close_check(coach=coach, session=session, leaving=leaving, reflection=reflection, closed=False)
            audit_append(
                coach=coach,
                action=Action.SESSION_KEPT_OPEN,
                target_type="session",
                target_id=str(session.pk),
                clauses=["P6"],
            )
        raise
    return session


def _closable(session: Session) -> None:
    if session.status == Session.Status.CLOSED:
        raise ValidationError(ALREADY_CLOSED)
    if session.status != Session.Status.STARTED:
        raise ValidationError(NOT_STARTED_YET)


def _close_check(
    *, coach, session: Session, leaving: str, reflection: Reflection, closed: bool
) -> CloseCheck:
    check = CloseCheck(
        coach=coach,
        session=session,
        data_key_id=session.data_key_id,
        leaving=leaving,
        safety_offered=reflection.safety_offered,
        choice_offered=reflection.choice_offered,
        collaboration_offered=reflection.collaboration_offered,
        reflection=_text(reflection.words) or None,
        closed=closed,
    )
    check.save(force_insert=True)
    return check


def _close(*, coach, session: Session, how: str) -> None:
    session.status = Session.Status.CLOSED
    session.closed_at = timezone.now()
    # P2: a session the coach ends well before its booked end is not charged for.
    short = _no_fee_unless_already(session, Session.NoFee.CUT_SHORT, cut_short(session, session.closed_at))
    session.save(update_fields=["status", "closed_at", "no_fee", "no_fee_reason"])
    # A note signed before the close was signed before the session ended: never late (C2).
    SessionNote.objects.filter(session=session, signed_late=True).update(signed_late=False)
    audit_append(
        coach=coach,
        action=Action.SESSION_CLOSED,
        target_type="session",
        target_id=str(session.pk),
        clauses=["P6", "S4", "P2"] if short else ["P6", "S4"],
        details={"leaving": how, "no_fee_reason": session.no_fee_reason},
    )


def safety_plan_record(
    *, coach, session: Session, steps: Sequence[str], what_was_done: str, risk_to_life: bool, outcome: str
) -> SafetyPlan:
    """Record how the coach helped an unsafe client (P6), and close the session now that it may.

    The coach records either that the client is now safe to leave or that emergency help took
    over; either way the P6 item of the session is answered by this record.
    """
    if outcome not in SafetyPlan.Outcome.values:
        raise ValidationError({"outcome": [OUTCOME_UNKNOWN]})
    if not _text(what_was_done):
        raise ValidationError({"what_was_done": [STEPS_NEEDED]})
    _closable(session)
    last = session.close_checks.order_by("-checked_at").first()
    if last is None or last.leaving != CloseCheck.Leaving.UNSAFE:
        raise ValidationError(NOT_KEPT_OPEN)
    with action():
        enforce(
            coach=coach,
            point=Point.SESSION_CLOSE,
            facts=Facts(client_safe_to_leave=True),
            subject=Subject.of(session),
        )
        plan = SafetyPlan(
            coach=coach,
            session=session,
            data_key_id=session.data_key_id,
            steps=[step for step in steps if step in GROUNDING_STEPS],
            what_was_done=_text(what_was_done),
            risk_to_life=risk_to_life,
            outcome=outcome,
        )
        plan.save(force_insert=True)
        audit_append(
            coach=coach,
            action=Action.SESSION_SAFETY_PLAN_RECORDED,
            target_type="session",
            target_id=str(session.pk),
            clauses=["P6"],
            details={"outcome": outcome, "risk_to_life": risk_to_life, "steps": plan.steps},
        )
        _close(coach=coach, session=session, how=f"after a safety plan: {outcome}")
        open_items_resolve_for(
            coach=coach,
            subject=Subject.of(session),
            record_type=RecordType.SAFETY_PLAN,
            record_id=str(plan.pk),
        )
    return plan


# -- The private calendar feed ----------------------------------------------------------------


def token_hash(token: str) -> str:
    """Return the SHA-256 of a feed token: the only form in which the token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def calendar_feed_body(feed: CalendarFeed, rows: list[tuple]) -> tuple[bytes, str]:
    """Return the feed document for these (id, start, end) rows and its digest (the ETag).

    The document is kept with the feed and made again only when the rows differ, so a calendar
    app polling an unchanged feed costs one small query, not a rebuilt document per session.
    """
    digest = hashlib.sha256(repr(rows).encode()).hexdigest()
    if feed.body_digest != digest:
        feed.body, feed.body_digest = calendar.feed_ics(rows), digest
        CalendarFeed.objects.filter(pk=feed.pk).update(body=feed.body, body_digest=digest)
    return bytes(feed.body), digest


def calendar_feed_rotate(*, coach) -> str:
    """Make a new feed token for the coach and return it (shown once); the old address stops."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        CalendarFeed.objects.update_or_create(
            coach=coach, defaults={"token_hash": token_hash(token), "created_at": timezone.now()}
        )
        audit_append(
            coach=coach, action=Action.CALENDAR_FEED_CREATED, target_type="calendar", target_id=str(coach.pk)
        )
    return token

"""Session notes: save with a version check and the language checker, sign, add to, and read.

A note belongs to one session that started. Every save names the version it started from; a
save from an older version (another tab) is refused with its text handed back, never written
over the newer one. Every saved text is kept as a NoteVersion; signing locks the note, and after
that only dated addenda with a reason are added. Nothing is ever deleted.

The language checker runs on every save (`note.save`); its findings come back with their
sentence and section. Requirements the engine finds (a scope review for S1/S2, a report for C3)
become open items on the note, and signing is refused while an S2 or C3 one is unanswered.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from ethos.audit.actions import Action
from ethos.audit.services import audit_append
from ethos.language import checker
from ethos.prepared import prepared
from ethos.standards.engine import Subject
from ethos.standards.facts import Facts, LanguageFlag
from ethos.standards.models import OpenItem
from ethos.standards.points import Point
from ethos.standards.record_types import RecordType
from ethos.standards.services import action, enforce, open_item_resolve

from . import note_search
from .contributions import SIGN_WITHIN
from .models import (
    Addendum,
    BoundaryReview,
    FollowUp,
    NotApplicable,
    NoteVersion,
    ScopeReview,
    Session,
    SessionNote,
)
from .services import follow_up_resolve

# The trauma-informed template (S4, P1): the client's own view comes first.
NOTE_SECTIONS = {
    "focus": "The client's focus, in their own words",
    "worked_on": "What we worked on",
    "reflections": "The client's reflections and choices",
    "next_steps": "Next steps we agreed",
    "follow_ups": "Follow-up items",
}
# A note first written this long after its session ended is marked late.
LATE_AFTER = datetime.timedelta(hours=24)
# Findings that only a record answers: a reason never closes them (S2, C3); signing waits on them.
MUST_BE_ANSWERED = frozenset({"S2", "C3"})
# Findings a scope review answers (S1, S2); they are not closed by "not applicable" either.
SCOPE_CLAUSES = frozenset({"S1", "S2"})
NEVER_DISMISSED = MUST_BE_ANSWERED | SCOPE_CLAUSES
# Findings a boundary review answers (P7, P8, P9); a reason alone does not close their item.
BOUNDARY_CLAUSES = frozenset({"P7", "P8", "P9"})
# A relationship (P8) is never answered by restating a boundary or declining: coaching ends.
BOUNDARY_OUTCOMES = {
    "P7": frozenset(BoundaryReview.Outcome.values),
    "P8": frozenset({BoundaryReview.Outcome.ENDING, BoundaryReview.Outcome.NOT_BETWEEN_US}),
    "P9": frozenset(BoundaryReview.Outcome.values),
}
SUBJECT_TYPE = "sessionnote"

NOTE_NEEDS_STARTED_SESSION = "A note is written for a session that has started."
NOTE_SIGNED = "This note is signed, so it cannot change. Add a dated addendum instead."
NOTE_NOT_SIGNED = "Addenda are added to a signed note; until then, edit the note itself."
NOTE_EMPTY = "Write something in at least one section before signing."
STALE = (
    "This note was changed in another tab or window at {at:%H:%M}. "
    "Your text is kept below: copy what you need, then reload."
)
SIGN_UNANSWERED = "This note cannot be signed yet: {clauses} still needs its record. {what}"
SIGN_UNANSWERED_WHAT = {
    "S2": "For suicide risk (S2), record a scope review or a referral to a crisis service.",
    "C3": "For possible abuse (C3), report it to the local agency and record the report.",
}
ADDENDUM_REASON_NEEDED = "Say why you are adding to the signed note."
ADDENDUM_TEXT_NEEDED = "Write the addendum."
NOT_APPLICABLE_REASON_NEEDED = "Say why this finding does not apply."
NOT_APPLICABLE_UNKNOWN = "That finding is not in the note as it stands."
SCOPE_CLAUSE_UNKNOWN = "A scope review answers a safety (S1) or suicide-risk (S2) finding."
SCOPE_CONSIDERED_NEEDED = "Write what you considered and decided."
SCOPE_OUTCOME_UNKNOWN = "Say whether coaching can go on, or the client is referred or paused."
SCOPE_NOTHING_OPEN = "There is no open {clause} item on this note for a scope review to answer."
BOUNDARY_CLAUSE_UNKNOWN = (
    "A boundary review answers a finding about contact (P7), a relationship (P8) or money (P9)."
)
BOUNDARY_WHAT_NEEDED = "Write what happened and what you did."
BOUNDARY_OUTCOME_UNKNOWN = "Choose what you did about it."
BOUNDARY_P8_ENDS = (
    "A romantic or sexual relationship with a client cannot be answered by restating a boundary: "
    "coaching ends, with a referral to another coach (P8)."
)
BOUNDARY_NOTHING_OPEN = "There is no open {clause} item on this note for a boundary review to answer."


@dataclass(frozen=True)
class Guidance:
    """What a finding means, in plain words, and what to do about it."""

    kind: str  # rephrase | scope | safeguarding | boundary
    says: str
    todo: str


GUIDANCE = {
    "S7": Guidance(
        "rephrase",
        "This reads as a diagnosis or an assessment by you.",
        "Rephrase it: describe what the client said or did, in their words.",
    ),
    "S8": Guidance(
        "rephrase",
        "This reads as advice about psychiatric medication.",
        "Rephrase it: medication questions go to the prescriber; note that you suggested asking them.",
    ),
    "P4": Guidance(
        "rephrase",
        "This reads as a judgement about the client's views, beliefs or identity.",
        "Rephrase it: describe what the client said, with respect for their view.",
    ),
    "S1": Guidance(
        "scope",
        "This may describe behaviour that puts the client's physical safety at risk.",
        "A scope review is open: record below whether coaching can safely go on, or refer the client.",
    ),
    "S2": Guidance(
        "scope",
        "This may describe suicide risk.",
        "If the risk is now, follow the crisis protocol. Then record a scope review below "
        "or a referral to a crisis service. The note cannot be signed until one is recorded.",
    ),
    "S3": Guidance(
        "scope",
        "This may describe substances taken just before the session.",
        "If so, the session should not have gone ahead: move it, and talk it through at the next one.",
    ),
    "C3": Guidance(
        "safeguarding",
        "This may describe current abuse of a child, a disabled person or an older person.",
        "A safeguarding item is open and cannot be dismissed: if it is a disclosure, report it to the "
        "local agency and record the report. The note cannot be signed until then.",
    ),
    "P7": Guidance(
        "boundary",
        "This may describe contact or a relationship outside coaching activities.",
        "Review the boundary: restate the boundary agreement with the client, and log the contact.",
    ),
    "P8": Guidance(
        "boundary",
        "This may describe a romantic or sexual relationship with the client.",
        "Review the boundary now: a declared relationship ends coaching, with a referral.",
    ),
    "P9": Guidance(
        "boundary",
        "This may describe money or business between you and the client beyond coaching.",
        "Review the boundary: decline it, and record it as a boundary incident.",
    ),
}
GUIDANCE_OTHER = Guidance(
    "rephrase", "The checker noticed wording here.", "Read it again and rephrase if it helps."
)


class StaleNote(ValidationError):
    """A save from an older version: refused, and carrying the refused text back to the coach."""

    def __init__(self, *, sections: dict[str, str], saved_at: datetime.datetime) -> None:
        super().__init__(STALE.format(at=timezone.localtime(saved_at)), code="stale")
        self.sections = sections
        self.saved_at = saved_at


@dataclass(frozen=True)
class NoteFinding:
    """One checker finding on a note: where it is, what it means, and what the coach did."""

    section: str
    clause: str
    category: str
    sentence: str
    evidence: str
    not_applicable: NotApplicable | None = None

    @property
    def guidance(self) -> Guidance:
        return GUIDANCE.get(self.clause, GUIDANCE_OTHER)

    @property
    def can_be_marked_not_applicable(self) -> bool:
        return self.not_applicable is None

    @property
    def stays_open(self) -> bool:
        """Say whether a reason leaves the finding standing (a possible disclosure or risk)."""
        return self.clause in NEVER_DISMISSED


@dataclass
class Saved:
    """What a save returns: the note as stored and the checker's findings on it."""

    note: SessionNote
    findings: list[NoteFinding] = field(default_factory=list)
    changed: bool = True


# -- Reading ------------------------------------------------------------------------------------


def clean_sections(sections: dict) -> dict[str, str]:
    """Keep the template's sections only, each as text; nothing else from the form is stored."""
    return {key: str(sections.get(key) or "") for key in NOTE_SECTIONS}


def note_of(session: Session) -> SessionNote | None:
    """Return the session's note with its key, or None while nothing has been written."""
    return SessionNote.objects.select_related("data_key").filter(session=session).first()


def get_note_for_coach(coach, session: Session) -> SessionNote:
    """Return the coach's note of a session they hold; anyone else's, or none yet, is a 404."""
    note = SessionNote.objects.select_related("data_key").filter(coach=coach, session=session).first()
    if note is None:
        raise Http404("No note yet.")
    return note


def get_note_page_for_coach(coach, session_pk) -> tuple[Session, SessionNote]:
    """Return the session and its note for the note page in one query; anyone else's is a 404.

    The page shows the session's time and links, never its client's row or its encrypted fields,
    so only the session's own row comes with the note.
    """
    try:
        found = _note_with_session(coach, uuid.UUID(str(session_pk)))
    except ValueError:
        found = []
    if not found:
        raise Http404("No note yet.")
    [note] = found
    return note.session, note


# The note page's reads are built once per process (ethos.prepared): a signed note's page spent
# longer building its seven small queries through the ORM than running them.


@prepared
def _note_with_session(coach, session_pk: uuid.UUID):
    return (
        SessionNote.objects.select_related("data_key", "session")
        .filter(coach=coach, session__coach=coach, session_id=session_pk)
        .order_by("pk")[:1]
    )


def get_version_for_coach(coach, note: SessionNote, number: int) -> NoteVersion:
    version = (
        NoteVersion.objects.select_related("data_key").filter(coach=coach, note=note, number=number).first()
    )
    if version is None:
        raise Http404("No such version.")
    return version


def find(sections: dict[str, str], marked: list[NotApplicable] = ()) -> list[NoteFinding]:
    """Run the checker on each section; a finding the coach marked not applicable says so."""
    by_sentence = {(row.clause, row.sentence.strip()): row for row in marked}
    found = []
    for key in NOTE_SECTIONS:
        for hit in checker.check(sections.get(key, "")):
            found.append(
                NoteFinding(
                    section=key,
                    clause=hit.clause,
                    category=hit.category,
                    sentence=hit.sentence,
                    evidence=hit.evidence,
                    not_applicable=by_sentence.get((hit.clause, hit.sentence.strip())),
                )
            )
    return found


def _items_of(note: SessionNote):
    return OpenItem.objects.filter(coach_id=note.coach_id, subject_type=SUBJECT_TYPE, subject_id=str(note.pk))


def answered_clauses(note: SessionNote) -> set[str]:
    """The clauses whose item on this note a record resolved (or, for S1/S2, a scope review)."""
    resolved = set(_items_of(note).filter(resolved_at__isnull=False).values_list("clause", flat=True))
    return resolved | set(ScopeReview.objects.filter(note=note).values_list("clause", flat=True))


def unanswered(note: SessionNote, findings: list[NoteFinding]) -> list[str]:
    """The S2 and C3 findings that still need their record before the note can be signed."""
    still_open = set(
        _items_of(note).filter(resolved_at=None, clause__in=MUST_BE_ANSWERED).values_list("clause", flat=True)
    )
    flagged = {f.clause for f in findings if f.clause in MUST_BE_ANSWERED}
    return sorted(still_open | (flagged - answered_clauses(note)))


@dataclass(frozen=True)
class NotePage:
    """Everything the note page shows, read in a fixed number of queries."""

    versions: list[tuple[int, datetime.datetime]]
    addenda: list[Addendum]
    not_applicable: list[NotApplicable]
    scope_reviews: list[ScopeReview]
    boundary_reviews: list[BoundaryReview]
    open_items: list[OpenItem]
    follow_ups_resolved: list[FollowUp]
    # The client's follow-ups still open from other sessions (S3), when asked for (a draft's page).
    follow_ups_open: list[FollowUp] = field(default_factory=list)


def _follow_ups_of_page(note: SessionNote, *, open_ones: bool) -> tuple[list[FollowUp], list[FollowUp]]:
    """Those this note's session resolved, and (if asked) the client's open ones: one query."""
    if open_ones:
        rows = _follow_ups_resolved_or_open(note.session_id, note.client_id)
    else:
        rows = _follow_ups_resolved_in(note.session_id)
    resolved = sorted((f for f in rows if f.resolved_in_id == note.session_id), key=lambda f: f.resolved_at)
    waiting = [f for f in rows if f.resolved_at is None] if open_ones else []
    return resolved, waiting


@prepared
def _follow_ups_resolved_in(session_id: uuid.UUID):
    rows = FollowUp.objects.filter(resolved_in_id=session_id)
    return rows.select_related("data_key").order_by("created_at")


@prepared
def _follow_ups_resolved_or_open(session_id: uuid.UUID, client_id: uuid.UUID):
    resolved_here = Q(resolved_in_id=session_id)
    still_open = Q(client_id=client_id, resolved_at=None) & ~Q(raised_in_id=session_id)
    rows = FollowUp.objects.filter(resolved_here | still_open)
    return rows.select_related("data_key").order_by("created_at")


@prepared
def _versions_of(note_id: uuid.UUID):
    return NoteVersion.objects.filter(note_id=note_id).order_by("-number").values_list("number", "saved_at")


def _records_of_note(model, order: str):
    """A prepared read of the note's records of one kind, in `order`."""

    @prepared
    def read(note_id: uuid.UUID):
        return model.objects.filter(note_id=note_id).order_by(order)

    return read


_addenda_of = _records_of_note(Addendum, "written_at")
_not_applicable_of = _records_of_note(NotApplicable, "recorded_at")
_scope_reviews_of = _records_of_note(ScopeReview, "recorded_at")
_boundary_reviews_of = _records_of_note(BoundaryReview, "recorded_at")


@prepared
def _open_items_of(coach_id: uuid.UUID, note_id: uuid.UUID):
    # The subject id is the note's id as text, as _items_of writes it (its marker's text is traced).
    items = OpenItem.objects.filter(coach_id=coach_id, subject_type=SUBJECT_TYPE, subject_id=str(note_id))
    return items.filter(resolved_at=None).order_by("opened_at")


def note_page(note: SessionNote, *, open_follow_ups: bool = False) -> NotePage:
    """Read the note page's records; `open_follow_ups` adds the client's follow-ups still open."""
    resolved, waiting = _follow_ups_of_page(note, open_ones=open_follow_ups)
    return NotePage(
        # Numbers and times only: a version is decrypted when the coach opens it.
        versions=_versions_of(note.pk),
        # Addenda are added to a signed note only (note_addendum_add): a draft has none to read.
        addenda=_addenda_of(note.pk) if note.is_signed else [],
        not_applicable=_not_applicable_of(note.pk),
        scope_reviews=_scope_reviews_of(note.pk),
        boundary_reviews=_boundary_reviews_of(note.pk),
        open_items=_open_items_of(note.coach_id, note.pk),
        follow_ups_resolved=resolved,
        follow_ups_open=waiting,
    )


def open_follow_ups_for(session: Session) -> list[FollowUp]:
    """The client's open follow-ups (S3) this session's note can record as talked through."""
    return list(
        FollowUp.objects.filter(client_id=session.client_id, resolved_at=None)
        .select_related("data_key")
        .exclude(raised_in=session)
        .order_by("created_at")
    )


# -- Writing ------------------------------------------------------------------------------------


def _enforce_text(*, coach, note: SessionNote, findings: list[NoteFinding], point: Point) -> str:
    """Ask the engine about the flags still standing; return them as the note's `flagged` mark.

    Answered clauses (a record resolved their item on this note) and findings the coach marked not
    applicable with a reason are left out, except S1, S2 and C3, which a reason never answers.
    """
    answered = answered_clauses(note)
    flags = tuple(
        dict.fromkeys(
            LanguageFlag(clause=f.clause, category=f.category)
            for f in findings
            if f.clause not in answered and (f.not_applicable is None or f.clause in NEVER_DISMISSED)
        )
    )
    enforce(
        coach=coach,
        point=point,
        facts=Facts(language_findings=flags),
        subject=Subject(type=SUBJECT_TYPE, id=str(note.pk)),
    )
    return ",".join(sorted({flag.clause for flag in flags}))


def _saveable(*, coach, session: Session) -> None:
    if session.coach_id != coach.pk:
        raise Http404("No such session.")
    if session.status not in (Session.Status.STARTED, Session.Status.CLOSED):
        raise ValidationError(NOTE_NEEDS_STARTED_SESSION)


def note_save(*, coach, session: Session, sections: dict, version: int) -> Saved:
    """Save a draft from `version` (0 for a first save); refuse a stale one with its text kept.

    Each changed text becomes a new NoteVersion and runs the checker at `note.save`.
    """
    _saveable(coach=coach, session=session)
    sections = clean_sections(sections)
    now = timezone.now()
    try:
        with action():
            if version == 0:
                note = _first_save(coach=coach, session=session, sections=sections, now=now)
            else:
                note = (
                    SessionNote.objects.select_for_update()
                    .select_related("data_key")
                    .filter(session=session)
                    .first()
                )
                if note is None:
                    raise ValidationError(NOTE_NEEDS_STARTED_SESSION)
                if note.is_signed:
                    raise ValidationError(NOTE_SIGNED)
                if note.version != version:
                    raise StaleNote(sections=sections, saved_at=note.saved_at)
                if note.sections == sections:
                    marked = list(NotApplicable.objects.filter(note=note))
                    return Saved(note=note, findings=find(sections, marked), changed=False)
                note.version += 1
                note.sections = sections
                note.saved_at = now
            marked = list(NotApplicable.objects.filter(note=note))
            findings = find(sections, marked)
            flagged = _enforce_text(coach=coach, note=note, findings=findings, point=Point.NOTE_SAVE)
            note.flagged = flagged
            note.save()
            note_search.note_tokens_write(coach=coach, note=note)
            NoteVersion(
                coach=coach,
                note=note,
                data_key_id=note.data_key_id,
                number=note.version,
                sections=sections,
                saved_at=now,
            ).save()
            audit_append(
                coach=coach,
                action=Action.NOTE_SAVED,
                target_type="session",
                target_id=str(session.pk),
                clauses=["C2", *sorted({f.clause for f in findings})],
                details={"version": note.version, "late": note.late, "findings": len(findings)},
            )
    except IntegrityError:
        # Two first saves at once (two tabs on an empty note): the other one won.
        other = SessionNote.objects.get(session=session)
        raise StaleNote(sections=sections, saved_at=other.saved_at) from None
    return Saved(note=note, findings=findings)


def _first_save(*, coach, session: Session, sections: dict, now) -> SessionNote:
    if SessionNote.objects.filter(session=session).exists():
        other = SessionNote.objects.get(session=session)
        raise StaleNote(sections=sections, saved_at=other.saved_at)
    ended = session.closed_at or session.ends_at
    note = SessionNote(
        coach=coach,
        client_id=session.client_id,
        session=session,
        data_key_id=session.data_key_id,
        sections=sections,
        version=1,
        created_at=now,
        saved_at=now,
        late=now - ended > LATE_AFTER,
    )
    note.save(force_insert=True)
    note._state.adding = False
    return note


def note_sign(*, coach, note: SessionNote, version: int) -> SessionNote:
    """Sign the note as it stands at `version`; refused while an S2 or C3 finding is unanswered."""
    with action():
        locked = (
            SessionNote.objects.select_for_update().select_related("data_key").get(pk=note.pk, coach=coach)
        )
        if locked.is_signed:
            raise ValidationError(NOTE_SIGNED)
        if locked.version != version:
            raise StaleNote(sections=locked.sections, saved_at=locked.saved_at)
        if not any(text.strip() for text in locked.sections.values()):
            raise ValidationError(NOTE_EMPTY)
        findings = find(locked.sections, list(NotApplicable.objects.filter(note=locked)))
        waiting = unanswered(locked, findings)
        if waiting:
            raise ValidationError(
                SIGN_UNANSWERED.format(
                    clauses=" and ".join(waiting), what=" ".join(SIGN_UNANSWERED_WHAT[c] for c in waiting)
                ),
                code="unanswered",
            )
        _enforce_text(coach=coach, note=locked, findings=findings, point=Point.NOTE_SIGN)
        locked.signed_at = timezone.now()
        session = Session.objects.only("closed_at", "ends_at").get(pk=locked.session_id)
        # Late against the end as it stands; a session closed later is corrected by its close.
        locked.signed_late = locked.signed_at > (session.closed_at or session.ends_at) + SIGN_WITHIN
        locked.save(update_fields=["signed_at", "signed_late"])
        Session.objects.filter(pk=locked.session_id).update(note_owed=False)
        audit_append(
            coach=coach,
            action=Action.NOTE_SIGNED,
            target_type="session",
            target_id=str(locked.session_id),
            clauses=["C2"],
            details={"version": locked.version},
        )
    note.signed_at = locked.signed_at
    return locked


def note_addendum_add(*, coach, note: SessionNote, reason: str, text: str) -> Addendum:
    """Add a dated addendum with its reason to a signed note; the checker reads it too."""
    if not (reason or "").strip():
        raise ValidationError({"reason": [ADDENDUM_REASON_NEEDED]})
    if not (text or "").strip():
        raise ValidationError({"text": [ADDENDUM_TEXT_NEEDED]})
    with action():
        locked = SessionNote.objects.select_for_update().get(pk=note.pk, coach=coach)
        if not locked.is_signed:
            raise ValidationError(NOTE_NOT_SIGNED)
        _enforce_text(coach=coach, note=locked, findings=find({"worked_on": text}), point=Point.NOTE_SAVE)
        addendum = Addendum(
            coach=coach, note=locked, data_key_id=locked.data_key_id, reason=reason.strip(), text=text
        )
        addendum.save()
        note_search.note_tokens_write(coach=coach, note=locked)
        audit_append(
            coach=coach,
            action=Action.NOTE_ADDENDUM_ADDED,
            target_type="session",
            target_id=str(locked.session_id),
            clauses=["C2"],
            details={"addendum": str(addendum.pk)},
        )
    return addendum


def note_finding_not_applicable(
    *, coach, note: SessionNote, clause: str, sentence: str, reason: str
) -> NotApplicable:
    """Record why a finding does not apply. It is kept and audited; it never closes S1, S2 or C3."""
    if not (reason or "").strip():
        raise ValidationError({"reason": [NOT_APPLICABLE_REASON_NEEDED]})
    current = {(f.clause, f.sentence.strip()) for f in find(note.sections)}
    if (clause, (sentence or "").strip()) not in current:
        raise ValidationError(NOT_APPLICABLE_UNKNOWN)
    with transaction.atomic():
        row = NotApplicable(
            coach=coach,
            note=note,
            data_key_id=note.data_key_id,
            clause=clause,
            sentence=sentence.strip(),
            reason=reason.strip(),
        )
        row.save()
        audit_append(
            coach=coach,
            action=Action.NOTE_FINDING_NOT_APPLICABLE,
            target_type="session",
            target_id=str(note.session_id),
            clauses=[clause],
            details={"closes_item": False, "stays_open": clause in NEVER_DISMISSED},
        )
    return row


def _open_items_for(note: SessionNote, clause: str, record_type: RecordType) -> list[OpenItem]:
    """The note's open items for `clause` that a record of `record_type` answers."""
    return [
        item
        for item in _items_of(note).filter(resolved_at=None, clause=clause)
        if record_type in item.record_type_list
    ]


def _review_recorded(*, coach, review, items: list[OpenItem], action: Action, record_type: RecordType):
    """Save a review from a note, audit it and resolve the open items it answers, in one transaction."""
    with transaction.atomic():
        review.save()
        audit_append(
            coach=coach,
            action=action,
            target_type="session",
            target_id=str(review.note.session_id),
            clauses=[review.clause],
            details={"outcome": review.outcome},
        )
        for item in items:
            open_item_resolve(coach=coach, item=item, record_type=record_type, record_id=str(review.pk))
    return review


def note_scope_review(*, coach, note: SessionNote, clause: str, considered: str, outcome: str) -> ScopeReview:
    """Record the scope review an S1 or S2 finding opened, and resolve that item on the note."""
    if clause not in SCOPE_CLAUSES:
        raise ValidationError(SCOPE_CLAUSE_UNKNOWN)
    if not (considered or "").strip():
        raise ValidationError({"considered": [SCOPE_CONSIDERED_NEEDED]})
    if outcome not in ScopeReview.Outcome.values:
        raise ValidationError({"outcome": [SCOPE_OUTCOME_UNKNOWN]})
    items = _open_items_for(note, clause, RecordType.SCOPE_REVIEW)
    if not items:
        raise ValidationError(SCOPE_NOTHING_OPEN.format(clause=clause))
    review = ScopeReview(
        coach=coach,
        note=note,
        data_key_id=note.data_key_id,
        clause=clause,
        considered=considered.strip(),
        outcome=outcome,
    )
    return _review_recorded(
        coach=coach,
        review=review,
        items=items,
        action=Action.NOTE_SCOPE_REVIEWED,
        record_type=RecordType.SCOPE_REVIEW,
    )


def note_boundary_review(
    *, coach, note: SessionNote, clause: str, what_happened: str, outcome: str
) -> BoundaryReview:
    """Record the boundary review a P7, P8 or P9 finding opened, and resolve that item on the note."""
    if clause not in BOUNDARY_CLAUSES:
        raise ValidationError(BOUNDARY_CLAUSE_UNKNOWN)
    if not (what_happened or "").strip():
        raise ValidationError({"what_happened": [BOUNDARY_WHAT_NEEDED]})
    if outcome not in BoundaryReview.Outcome.values:
        raise ValidationError({"outcome": [BOUNDARY_OUTCOME_UNKNOWN]})
    if outcome not in BOUNDARY_OUTCOMES[clause]:
        raise ValidationError({"outcome": [BOUNDARY_P8_ENDS]})
    items = _open_items_for(note, clause, RecordType.BOUNDARY_REVIEW)
    if not items:
        raise ValidationError(BOUNDARY_NOTHING_OPEN.format(clause=clause))
    review = BoundaryReview(
        coach=coach,
        note=note,
        data_key_id=note.data_key_id,
        clause=clause,
        what_happened=what_happened.strip(),
        outcome=outcome,
    )
    return _review_recorded(
        coach=coach,
        review=review,
        items=items,
        action=Action.NOTE_BOUNDARY_REVIEWED,
        record_type=RecordType.BOUNDARY_REVIEW,
    )


def note_follow_up_talked_through(*, coach, note: SessionNote, follow_up: FollowUp, how: str) -> FollowUp:
    """Record in the note that an open S3 follow-up was talked through in this session."""
    if note.is_signed:
        raise ValidationError(NOTE_SIGNED)
    return follow_up_resolve(coach=coach, follow_up=follow_up, session=note.session, how=how)

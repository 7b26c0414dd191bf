"""What the sessions tell the compliance report: counts only, never a person."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from ethos.prepared import prepared
from ethos.standards.evidence import Evidence, count, evidence_provider, kept

from .contributions import SIGN_WITHIN, unsigned_after
from .models import (
    Addendum,
    CloseCheck,
    FollowUp,
    NotApplicable,
    NoteVersion,
    SafetyPlan,
    Session,
    SessionNote,
    StartCheck,
)


@kept(Session)
@prepared
def _sessions(coach) -> dict[str, int]:
    """Count the coach's sessions by how they went, in one grouped query."""
    return Session.objects.filter(coach=coach).aggregate(
        coach_cancelled=Count(
            "coach", filter=Q(status=Session.Status.CANCELLED, cancelled_by=Session.CancelledBy.COACH)
        ),
        coach_cancelled_free=Count(
            "coach",
            filter=Q(status=Session.Status.CANCELLED, cancelled_by=Session.CancelledBy.COACH, no_fee=True),
        ),
        held=Count("coach", filter=Q(status=Session.Status.CLOSED)),
        timed=Count(
            "coach", filter=Q(status=Session.Status.CLOSED, started_at__isnull=False, closed_at__isnull=False)
        ),
        unfit=Count("coach", filter=Q(no_fee_reason=Session.NoFee.COACH_UNFIT)),
        unfit_free=Count("coach", filter=Q(no_fee_reason=Session.NoFee.COACH_UNFIT, no_fee=True)),
        influence=Count("coach", filter=Q(no_fee_reason=Session.NoFee.CLIENT_UNDER_INFLUENCE)),
        late=Count("coach", filter=Q(no_fee_reason=Session.NoFee.COACH_LATE)),
        cut_short=Count("coach", filter=Q(no_fee_reason=Session.NoFee.CUT_SHORT)),
    )


@kept(StartCheck)
@prepared
def _start_checks(coach) -> dict[str, int]:
    return StartCheck.objects.filter(coach=coach).aggregate(
        total=Count("coach"), unfit=Count("coach", filter=Q(coach_fit=False))
    )


@evidence_provider("P2")
def coach_cancellations(coach) -> list[Evidence]:
    counts = _sessions(coach)
    cancelled, free = counts["coach_cancelled"], counts["coach_cancelled_free"]
    return [
        Evidence(
            f"{count(cancelled, 'session')} cancelled by you, {free} of them without a fee.",
            attention=free < cancelled,
            count=cancelled,
        ),
        Evidence(
            f"{count(counts['timed'], 'session')} held with start and end times recorded.",
            count=counts["timed"],
        ),
        # Every late start and cut-short session is free by construction; the row shows how many.
        Evidence(
            f"{count(counts['late'], 'session')} started late by you and "
            f"{counts['cut_short']} cut short by you, all without a fee.",
            count=counts["late"] + counts["cut_short"],
        ),
    ]


@evidence_provider("P14")
def fitness_attestations(coach) -> list[Evidence]:
    checks, counts = _start_checks(coach), _sessions(coach)
    return [
        Evidence(
            f"{count(checks['total'], 'fitness-to-practise attestation')} before a session; "
            f"{count(counts['unfit'], 'session')} moved because you were not fit, "
            f"{counts['unfit_free']} of them without a fee.",
            attention=counts["unfit_free"] < counts["unfit"],
            count=checks["total"],
        )
    ]


@kept(FollowUp)
@prepared
def _follow_ups(coach) -> dict[str, int]:
    return FollowUp.objects.filter(coach=coach).aggregate(
        total=Count("coach"), open=Count("coach", filter=Q(resolved_at=None))
    )


@evidence_provider("S3")
def presentation_checks(coach) -> list[Evidence]:
    checks, counts = _start_checks(coach), _sessions(coach)
    follow_ups = _follow_ups(coach)
    return [
        Evidence(
            f"{count(checks['total'], 'session start')} with the client's presentation checked; "
            f"{count(counts['influence'], 'session')} not held because the client seemed "
            "under the influence.",
            count=checks["total"],
        ),
        Evidence(
            f"{count(follow_ups['total'], 'follow-up')} put on a later session's agenda, "
            f"{follow_ups['open']} still open.",
            attention=bool(follow_ups["open"]),
            count=follow_ups["total"],
        ),
    ]


@kept(CloseCheck)
def _close_checks(coach) -> dict[str, int]:
    """Sessions closed with a check, by how the client was leaving and what was offered (P6, S4).

    A session counts once for each, however many checks it had. A session is closed by at most one
    check (`closed`); the checks that did not close it (the client was not safe to leave) are few.
    So the closing checks are counted from the index alone, and to them are added the sessions whose
    non-closing checks have what their closing check (if any) has not: distinct counts over every
    check would read every row of a large practice.
    """
    closing = _closing_checks(coach)
    extra = _unclosed_checks(coach)
    return {key: closing[key] + extra[key] for key in closing}


_CHECK_FLAGS = {
    "sessions": Q(),
    "unsafe": Q(leaving=CloseCheck.Leaving.UNSAFE),
    "safety": Q(safety_offered=True),
    "choice": Q(choice_offered=True),
    "collaboration": Q(collaboration_offered=True),
}


@prepared
def _closing_checks(coach) -> dict[str, int]:
    return CloseCheck.objects.filter(coach=coach, closed=True).aggregate(
        **{key: Count("coach", filter=flag) for key, flag in _CHECK_FLAGS.items()}
    )


@prepared
def _unclosed_checks(coach) -> dict[str, int]:
    def not_on_closing_check(flag: Q) -> Q:
        closing = CloseCheck.objects.filter(flag, session=OuterRef("session"), closed=True)
        return flag & ~Q(Exists(closing))

    return CloseCheck.objects.filter(coach=coach, closed=False).aggregate(
        **{
            key: Count("session", distinct=True, filter=not_on_closing_check(flag))
            for key, flag in _CHECK_FLAGS.items()
        }
    )


@kept(SafetyPlan)
@prepared
def _safety_plans(coach) -> int:
    return SafetyPlan.objects.filter(coach=coach).count()


@evidence_provider("P6")
def close_checks(coach) -> list[Evidence]:
    checks = _close_checks(coach)
    plans = _safety_plans(coach)
    return [
        Evidence(
            f"{count(checks['sessions'], 'session')} closed with a check of how the client was leaving; "
            f"{checks['unsafe']} kept open until the client was safe, with "
            f"{count(plans, 'grounding or safety plan')} recorded.",
            count=checks["sessions"],
        )
    ]


@evidence_provider("S4")
def trauma_informed_reflections(coach) -> list[Evidence]:
    reflected = _close_checks(coach)
    return [
        Evidence(
            f"{count(reflected['sessions'], 'session')} reflected on at close: "
            f"safety in {reflected['safety']}, choice in {reflected['choice']}, "
            f"collaboration in {reflected['collaboration']}.",
            count=reflected["sessions"],
        )
    ]


# -- Session notes (C2, and the checker's clauses) ----------------------------------------------


@kept(SessionNote)
@prepared
def _notes(coach) -> dict[str, int]:
    return SessionNote.objects.filter(coach=coach).aggregate(
        total=Count("coach"),
        signed=Count("coach", filter=Q(signed_at__isnull=False)),
        signed_late=Count("coach", filter=Q(signed_late=True)),
        late=Count("coach", filter=Q(late=True)),
    )


@kept(NoteVersion)
@prepared
def _note_versions(coach) -> int:
    return NoteVersion.objects.filter(coach=coach).count()


@kept(Addendum)
@prepared
def _addenda(coach) -> int:
    return Addendum.objects.filter(coach=coach).count()


@prepared
def _unsigned(coach, cutoff) -> int:
    return unsigned_after(coach, now=cutoff + SIGN_WITHIN).count()


@evidence_provider("C2")
def session_notes(coach) -> list[Evidence]:
    counts = _notes(coach)
    versions = _note_versions(coach)
    addenda = _addenda(coach)
    waiting = _unsigned(coach, timezone.now() - SIGN_WITHIN)
    rows = [
        Evidence(
            f"{count(counts['total'], 'session note')}, {counts['signed']} signed, "
            f"{counts['late']} written late; {count(versions, 'saved version')} and "
            f"{count(addenda, 'addendum', 'addenda')} kept, none changed.",
            count=counts["total"],
        )
    ]
    if waiting or counts["signed_late"]:
        rows.append(
            Evidence(
                f"{count(waiting, 'held session')} with a note still unsigned 48 hours after it, "
                f"and {count(counts['signed_late'], 'note')} signed later than that.",
                count=waiting + counts["signed_late"],
                attention=bool(waiting),
            )
        )
    return rows


@kept(NotApplicable)
@prepared
def _not_applicable(coach) -> list[tuple[str, int]]:
    return list(
        NotApplicable.objects.filter(coach=coach)
        .values_list("clause")
        .annotate(n=Count("coach"))
        .values_list("clause", "n")
        .order_by("clause")
    )


@evidence_provider("C2")
def findings_not_applicable(coach) -> list[Evidence]:
    """Checker findings the coach marked not applicable, by clause: counted under accurate records.

    Kept under C2 rather than each finding's clause, so that a clause the report does not track
    yet (S7, P7 ...) does not start to look tracked because of this count alone.
    """
    by_clause = dict(_not_applicable(coach))
    total = sum(by_clause.values())
    if not total:
        return []
    detail = ", ".join(f"{clause}: {n}" for clause, n in by_clause.items())
    return [
        Evidence(
            f"{count(total, 'checker finding')} marked not applicable in notes, "
            f"each with a reason ({detail}); none of them closed a possible disclosure or risk.",
            count=total,
        )
    ]

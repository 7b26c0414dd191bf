"""What the client records tell the compliance report: counts only, never a person."""

from __future__ import annotations

from django.db.models import Count, Q

from ethos.prepared import prepared
from ethos.standards.evidence import Evidence, count, evidence_provider, kept, times
from ethos.standards.facts import DECLINE_REASONS

from .models import Client, Ending, Goal, Intake, Referral, SafetyCheck

# The clauses whose decline a later intake of the same person must answer with an explanation.
REENTRY_CLAUSES = ("S1", "S2", "S9")


@kept(Intake)
def _intakes(coach) -> dict[str, int]:
    """Count the coach's intakes by outcome, decline reason and re-entry, in two grouped queries."""
    counts = {"total": 0, "declined": 0, "crisis_shown": 0}
    counts |= dict.fromkeys(DECLINE_REASONS, 0)
    counts |= {f"reentered_{clause}": 0 for clause in REENTRY_CLAUSES}
    for outcome, reason, number, shown in _intake_groups(coach):
        counts["total"] += number
        counts["crisis_shown"] += shown
        if outcome == Intake.Outcome.DECLINED:
            counts["declined"] += number
        if reason in DECLINE_REASONS:
            counts[reason] += number
    for clause, number in _reentry_groups(coach):
        counts[f"reentered_{clause}"] = number
    return counts


@prepared
def _intake_groups(coach) -> list[tuple]:
    return list(
        Intake.objects.filter(coach=coach)
        .values_list("outcome", "decline_reason")
        .annotate(n=Count("pk"), shown=Count("pk", filter=Q(crisis_protocol_shown_at__isnull=False)))
        .order_by()
    )


@prepared
def _reentry_groups(coach) -> list[tuple]:
    return list(
        Intake.objects.filter(coach=coach, reentry_of__decline_reason__in=REENTRY_CLAUSES)
        .values_list("reentry_of__decline_reason")
        .annotate(n=Count("pk"))
        .order_by()
    )


@kept(SafetyCheck)
@prepared
def _safety_checks(coach) -> int:
    return SafetyCheck.objects.filter(coach=coach).count()


@kept(Goal)
@prepared
def _goals(coach) -> dict[str, int]:
    return Goal.objects.filter(coach=coach).aggregate(
        total=Count("pk"), awaiting=Count("pk", filter=Q(status=Goal.Status.AWAITING))
    )


@kept(Client)
@prepared
def _ended(coach) -> int:
    return Client.objects.filter(coach=coach, status__in=[Client.Status.ENDED, Client.Status.PAUSED]).count()


# A resource's kind decides whether a referral to it counts.
@kept(Referral, Referral.resource.field.related_model)
@prepared
def _coaching_referrals(coach) -> int:
    return Referral.objects.filter(coach=coach, resource__kind="coaching").count()


@kept(Ending)
@prepared
def _client_endings(coach) -> dict[str, int]:
    return Ending.objects.filter(coach=coach, initiated_by=Ending.InitiatedBy.CLIENT).aggregate(
        total=Count("pk"),
        offered=Count("pk", filter=~Q(referral_offer="")),
        declined=Count("pk", filter=Q(referral_offer=Ending.ReferralOffer.DECLINED)),
    )


def _reentries(counts: dict[str, int], clause: str) -> Evidence:
    return Evidence(
        f"{count(counts[f'reentered_{clause}'], 'new intake')} of a person declined earlier under {clause}, "
        "each with your recorded explanation of why the answers changed.",
        count=counts[f"reentered_{clause}"],
    )


@evidence_provider("S9")
def age_checks(coach) -> list[Evidence]:
    counts = _intakes(coach)
    return [
        Evidence(
            f"{count(counts['total'], 'intake')} checked for age, {counts['S9']} declined as under age.",
            count=counts["total"],
        ),
        _reentries(counts, "S9"),
    ]


@evidence_provider("S2")
def suicide_screening(coach) -> list[Evidence]:
    counts = _intakes(coach)
    shown = counts["crisis_shown"]
    checks = _safety_checks(coach)
    return [
        Evidence(
            f"{count(counts['total'], 'intake')} screened for suicide risk; {counts['S2']} declined for "
            f"crisis care, crisis protocol gone through {times(shown)}.",
            count=counts["total"],
        ),
        Evidence(
            f"{count(checks, 'safety check')} recorded after thoughts of death without intent or a plan.",
            count=checks,
        ),
        _reentries(counts, "S2"),
    ]


@evidence_provider("S1")
def safety_screening(coach) -> list[Evidence]:
    counts = _intakes(coach)
    return [
        Evidence(
            f"{count(counts['total'], 'intake')} screened for addiction and self-harm; "
            f"{counts['S1']} declined.",
            count=counts["total"],
        ),
        _reentries(counts, "S1"),
    ]


@evidence_provider("P3")
def declines(coach) -> list[Evidence]:
    counts = _intakes(coach)
    reasons = ", ".join(
        f"{label.split(' (')[0].lower()}: {counts[value]}"
        for value, label in DECLINE_REASONS.items()
        if counts[value]
    )
    text = f"{count(counts['declined'], 'intake')} declined, each for a listed reason"
    # Every intake, declined or not, was decided without protected characteristics (P3).
    return [Evidence(f"{text} ({reasons})." if reasons else f"{text}.", count=counts["total"])]


@evidence_provider("P5")
def goal_confirmations(coach) -> list[Evidence]:
    goals = _goals(coach)
    return [
        Evidence(
            f"{count(goals['total'], 'goal')} in clients' own words; "
            f"{goals['awaiting']} awaiting the client's confirmation.",
            count=goals["total"],
        )
    ]


@evidence_provider("P11")
def endings(coach) -> list[Evidence]:
    ended = _ended(coach)
    referrals = _coaching_referrals(coach)
    by_client = _client_endings(coach)
    return [
        Evidence(
            f"{count(ended, 'client')} ended or paused; "
            f"{count(referrals, 'referral')} to other coaching providers.",
            count=ended,
        ),
        Evidence(
            f"{count(by_client['total'], 'ending')} the client asked for: {by_client['offered']} with "
            f"a vetted coaching referral offered ({by_client['declined']} declined by the client).",
            count=by_client["total"],
        ),
    ]

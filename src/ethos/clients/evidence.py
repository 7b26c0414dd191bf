"""What the client records tell the compliance report: counts only, never a person."""

from __future__ import annotations

from django.db.models import Count, Q

from ethos.standards.evidence import Evidence, evidence_provider

from .models import Client, Goal, Intake, Referral


def _intakes(coach) -> dict[str, int]:
    return Intake.objects.filter(coach=coach).aggregate(
        total=Count("pk"),
        declined=Count("pk", filter=Q(outcome=Intake.Outcome.DECLINED)),
        **{reason: Count("pk", filter=Q(decline_reason=reason)) for reason in Intake.DeclineReason.values},
    )


@evidence_provider("S9")
def age_checks(coach) -> list[Evidence]:
    counts = _intakes(coach)
    return [Evidence(f"{counts['total']} intakes checked for age, {counts['S9']} declined as under age.")]


@evidence_provider("S2")
def suicide_screening(coach) -> list[Evidence]:
    counts = _intakes(coach)
    shown = Intake.objects.filter(coach=coach, crisis_protocol_shown_at__isnull=False).count()
    return [
        Evidence(
            f"{counts['total']} intakes screened for suicide risk; {counts['S2']} declined for crisis care, "
            f"crisis protocol shown {shown} times."
        )
    ]


@evidence_provider("S1")
def safety_screening(coach) -> list[Evidence]:
    counts = _intakes(coach)
    return [
        Evidence(f"{counts['total']} intakes screened for addiction and self-harm; {counts['S1']} declined.")
    ]


@evidence_provider("P3")
def declines(coach) -> list[Evidence]:
    counts = _intakes(coach)
    reasons = ", ".join(
        f"{label.split(' (')[0].lower()}: {counts[value]}"
        for value, label in Intake.DeclineReason.choices
        if counts[value]
    )
    text = f"{counts['declined']} intakes declined, each for a listed reason"
    return [Evidence(f"{text} ({reasons})." if reasons else f"{text}.")]


@evidence_provider("P5")
def goal_confirmations(coach) -> list[Evidence]:
    goals = Goal.objects.filter(coach=coach).aggregate(
        total=Count("pk"), awaiting=Count("pk", filter=Q(status=Goal.Status.AWAITING))
    )
    return [
        Evidence(
            f"{goals['total']} goals in clients' own words; "
            f"{goals['awaiting']} awaiting the client's confirmation."
        )
    ]


@evidence_provider("P11")
def endings(coach) -> list[Evidence]:
    ended = Client.objects.filter(coach=coach, status__in=[Client.Status.ENDED, Client.Status.PAUSED]).count()
    referrals = Referral.objects.filter(coach=coach, resource__kind="coaching").count()
    return [Evidence(f"{ended} clients ended or paused; {referrals} referrals to other coaching providers.")]

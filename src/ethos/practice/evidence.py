"""What the practice profile tells the compliance report about S5, S6 and S10 (counts only).

Competence areas and credentials are what the coach entered: the evidence says so, and the
report never shows those clauses in good standing on a declaration alone.
"""

from __future__ import annotations

from django.db.models import Count, Q

from ethos.prepared import prepared
from ethos.standards.evidence import Basis, Evidence, count, evidence_provider, kept

from .education import hours_label, progress_for
from .models import CompetenceArea, Credential, Supervisor
from .supervision import supervision_totals


@prepared
def _areas(coach) -> int:
    return CompetenceArea.objects.filter(profile__coach=coach).count()


@kept(Supervisor)
@prepared
def _supervisors(coach) -> int:
    return Supervisor.objects.filter(coach=coach).count()


@kept(Credential)
@prepared
def _credentials(coach) -> dict[str, int]:
    return Credential.objects.for_coach(coach).aggregate(
        total=Count("id"), verified=Count("id", filter=Q(verified_on__isnull=False))
    )


@evidence_provider("S5")
def competence_evidence(coach) -> list[Evidence]:
    areas = _areas(coach)
    if not areas:
        return [Evidence("No competence areas on your profile yet.", attention=True, basis=Basis.NONE)]
    text = f"{count(areas, 'competence area')} on your profile"
    return [Evidence(text, basis=Basis.DECLARED)]


S6_NO_LOG = "No supervision logged yet: the log shows each supervision, its supervisor and outcome."


@evidence_provider("S6")
def supervision_evidence(coach) -> list[Evidence]:
    totals = supervision_totals(coach)
    if not totals.entries:
        # Without an entry nothing Ethos holds shows that supervision was sought.
        return [Evidence(S6_NO_LOG, basis=Basis.NONE)]
    supervisors = _supervisors(coach)
    return [
        Evidence(
            f"{count(totals.entries, 'supervision')} logged, {hours_label(totals.hours)} hours in all "
            f"({hours_label(totals.hours_this_year)} this year), with {count(supervisors, 'supervisor')} "
            "whose qualification you checked.",
            count=totals.entries,
        ),
        Evidence(
            f"{count(totals.items_taken, 'concern')} taken to supervision, "
            f"{totals.items_resolved} of them since resolved (with the referral or review each needed).",
            count=totals.items_taken,
            attention=totals.items_resolved < totals.items_taken,
        ),
    ]


@evidence_provider("P13")
def education_evidence(coach) -> list[Evidence]:
    progress = progress_for(coach)
    if not progress.activities:
        return [
            Evidence(
                f"No continuing education logged for {progress.year} yet "
                f"(target {progress.target_label} hours).",
                basis=Basis.NONE,
                attention=progress.running_out,
            )
        ]
    return [
        Evidence(
            f"{progress.hours_label} hours of continuing education in {progress.year} "
            f"({count(progress.activities, 'activity', 'activities')}), against a target of "
            f"{progress.target_label} hours.",
            count=progress.activities,
            attention=progress.behind,
        )
    ]


@evidence_provider("S10")
def credential_evidence(coach) -> list[Evidence]:
    totals = _credentials(coach)
    text = f"{count(totals['total'], 'credential')} beyond certification, {totals['verified']} verified"
    # The coach types in both the credential and the date it was verified: a declaration.
    return [Evidence(text, basis=Basis.DECLARED if totals["total"] else Basis.NONE)]

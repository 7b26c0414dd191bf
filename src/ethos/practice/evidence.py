"""What the practice profile tells the compliance report about S5 and S10 (counts only)."""

from __future__ import annotations

from django.db.models import Count, Q

from ethos.standards.evidence import Evidence, evidence_provider

from .models import CompetenceArea, Credential


def plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


@evidence_provider("S5")
def competence_evidence(coach) -> list[Evidence]:
    count = CompetenceArea.objects.filter(profile__coach=coach).count()
    if not count:
        return [Evidence("No competence areas on your profile yet.", attention=True)]
    return [Evidence(f"{plural(count, 'competence area', 'competence areas')} on your profile")]


@evidence_provider("S10")
def credential_evidence(coach) -> list[Evidence]:
    totals = Credential.objects.for_coach(coach).aggregate(
        total=Count("id"), verified=Count("id", filter=Q(verified_on__isnull=False))
    )
    return [
        Evidence(
            f"{plural(totals['total'], 'credential', 'credentials')} beyond certification, "
            f"{totals['verified']} verified"
        )
    ]

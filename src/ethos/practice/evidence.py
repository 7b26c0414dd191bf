"""What the practice profile tells the compliance report about S5, S6 and S10 (counts only).

Competence areas and credentials are what the coach entered: the evidence says so, and the
report never shows those clauses in good standing on a declaration alone.
"""

from __future__ import annotations

from django.db.models import Count, Q

from ethos.standards.evidence import Basis, Evidence, count, evidence_provider

from .models import CompetenceArea, Credential


@evidence_provider("S5")
def competence_evidence(coach) -> list[Evidence]:
    areas = CompetenceArea.objects.filter(profile__coach=coach).count()
    if not areas:
        return [Evidence("No competence areas on your profile yet.", attention=True, basis=Basis.NONE)]
    text = f"{count(areas, 'competence area')} on your profile"
    return [Evidence(text, basis=Basis.DECLARED)]


S6_NO_LOG = (
    "Ethos keeps no supervision log yet: a plan to take a concern to supervision is kept with the "
    "client, but no record shows the supervision itself, the supervisor's qualification or the outcome."
)


@evidence_provider("S6")
def supervision_evidence(coach) -> list[Evidence]:
    # Until the supervision log exists, nothing Ethos holds shows that supervision was sought.
    return [Evidence(S6_NO_LOG, basis=Basis.NONE)]


@evidence_provider("S10")
def credential_evidence(coach) -> list[Evidence]:
    totals = Credential.objects.for_coach(coach).aggregate(
        total=Count("id"), verified=Count("id", filter=Q(verified_on__isnull=False))
    )
    text = f"{count(totals['total'], 'credential')} beyond certification, {totals['verified']} verified"
    # The coach types in both the credential and the date it was verified: a declaration.
    return [Evidence(text, basis=Basis.DECLARED if totals["total"] else Basis.NONE)]

"""What the public verification page learns of ethics cases: a final sanction, as policy allows.

An open case, an interim suspension, a dismissal and the complaint itself are never published.
The association chooses (ETHOS_PUBLISH_SANCTIONS) whether revocations and suspensions, every
sanction, or nothing at all is shown beside a coach's standing.
"""

from __future__ import annotations

from django.conf import settings

from ethos.certification.public import PublicRecord, public_record_provider

from .models import EthicsCase, Outcome

POLICY = {
    "revocation_and_suspension": (Outcome.SUSPENSION, Outcome.REVOCATION),
    "all_sanctions": (Outcome.EDUCATION, Outcome.REPRIMAND, Outcome.SUSPENSION, Outcome.REVOCATION),
    "none": (),
}
WORDS = {
    Outcome.EDUCATION: (
        "Education or conditions",
        "After an ethics case, the association required further education or set conditions on practice.",
    ),
    Outcome.REPRIMAND: ("Reprimand", "After an ethics case, the association reprimanded this coach."),
    Outcome.SUSPENSION: (
        "Certification suspended",
        "After an ethics case, the association suspended this certification.",
    ),
    Outcome.REVOCATION: (
        "Certification revoked",
        "After an ethics case, the association revoked this certification for a serious breach "
        "of the code (E1).",
    ),
}


@public_record_provider
def final_sanctions(certification) -> list[PublicRecord]:
    """The final sanctions on `certification` that the publication policy shows (one query)."""
    shown = POLICY[settings.ETHOS_PUBLISH_SANCTIONS]
    if not shown:
        return []
    # Closed is final: a case closes only after the appeal window or the appeal's decision.
    cases = EthicsCase.objects.filter(
        certification_id=certification.pk, stage=EthicsCase.Stage.CLOSED, final_outcome__in=shown
    ).values_list("final_outcome", "final_on", "clauses")
    return [
        PublicRecord(date=final_on, title=WORDS[outcome][0], text=WORDS[outcome][1], clauses=tuple(clauses))
        for outcome, final_on, clauses in cases
    ]

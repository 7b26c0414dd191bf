"""What safeguarding tells the compliance report: counts only, never a person (C1, C3)."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils import timezone

from ethos.audit.actions import Action
from ethos.audit.models import AuditEvent
from ethos.prepared import prepared
from ethos.standards.evidence import Evidence, count, evidence_provider, kept

from .models import (
    Consent,
    CourtOrder,
    Disclosure,
    EmergencyReview,
    FlagDismissal,
    MandatoryReport,
    ReportTask,
)

# Other ways records leave Ethos, each clearly the coach's or the client's own copy, not a disclosure.
OWN_COPIES = {
    Action.CLIENT_LETTER_PRINTED: ("letter printed for a client", "letters printed for clients"),
    Action.SAFEGUARDING_ACCOUNTING_PRINTED: (
        "accounting of disclosures printed for a client",
        "accountings of disclosures printed for clients",
    ),
    Action.VAULT_BACKUP_DOWNLOADED: (
        "encrypted backup downloaded by you",
        "encrypted backups downloaded by you",
    ),
    Action.SAFEGUARDING_COPY_DOWNLOADED: (
        "kept bundle or upload downloaded by you",
        "kept bundles or uploads downloaded by you",
    ),
    Action.MONEY_DOCUMENT_PRINTED: (
        "invoice or receipt printed for a client",
        "invoices or receipts printed for clients",
    ),
}


@kept(Disclosure)
@prepared
def _by_basis(coach) -> list[tuple[str, int]]:
    by_basis = Disclosure.objects.filter(coach=coach).order_by().values_list("basis")
    return list(by_basis.annotate(n=Count("pk")))


@kept(Consent)
@prepared
def _consents(coach) -> dict[str, int]:
    return Consent.objects.filter(coach=coach).aggregate(
        total=Count("pk"),
        revoked=Count("pk", filter=Q(revoked_at__isnull=False)),
        typed=Count("pk", filter=Q(how_given=Consent.HowGiven.TYPED, revoked_at__isnull=True)),
    )


@kept(CourtOrder)
@prepared
def _orders(coach) -> int:
    return CourtOrder.objects.filter(coach=coach).count()


@kept(EmergencyReview)
@prepared
def _emergency_reviews(coach) -> int:
    return EmergencyReview.objects.filter(coach=coach).count()


@prepared
def _own_copies(coach) -> list[tuple[str, int]]:
    return list(
        AuditEvent.objects.filter(coach=coach, action__in=[a.value for a in OWN_COPIES])
        .order_by()
        .values_list("action")
        .annotate(n=Count("pk"))
    )


@kept(MandatoryReport)
@prepared
def _reports(coach) -> dict[str, int]:
    return MandatoryReport.objects.filter(coach=coach).aggregate(
        total=Count("pk"), on_time=Count("pk", filter=Q(on_time=True))
    )


@prepared
def _open_tasks(coach, now) -> dict[str, int]:
    return ReportTask.objects.filter(coach=coach, closed_at__isnull=True).aggregate(
        open=Count("pk"), overdue=Count("pk", filter=Q(deadline__lt=now))
    )


@kept(FlagDismissal)
@prepared
def _dismissals(coach) -> int:
    return FlagDismissal.objects.filter(coach=coach).count()


@evidence_provider("C1")
def disclosures_by_basis(coach) -> list[Evidence]:
    by_basis = dict(_by_basis(coach))
    total = sum(by_basis.values())
    parts = [
        f"{by_basis.get(basis, 0)} {label}"
        for basis, label in (
            (Disclosure.Basis.CONSENT, "with written consent"),
            (Disclosure.Basis.SUBPOENA, "under a subpoena or court order"),
            (Disclosure.Basis.MANDATORY_REPORT, "as mandatory reports"),
            (Disclosure.Basis.EMERGENCY, "in emergencies"),
        )
    ]
    consents = _consents(coach)
    orders = _orders(coach)
    emergencies = by_basis.get(Disclosure.Basis.EMERGENCY, 0)
    unreviewed = emergencies - _emergency_reviews(coach) if emergencies else 0
    copies = dict(_own_copies(coach))
    lines = [
        Evidence(
            f"{count(total, 'disclosure')} through the disclosure gate: {', '.join(parts)}.", count=total
        ),
        Evidence(
            f"{count(consents['total'], 'written consent')} on file, {consents['revoked']} of them revoked; "
            f"{consents['typed']} signed by typed name only (an interim step).",
            count=consents["total"],
        ),
        Evidence(
            f"{count(orders, 'subpoena or court order', 'subpoenas or court orders')} recorded.", count=orders
        ),
    ]
    if unreviewed:
        lines.append(
            Evidence(f"{count(unreviewed, 'emergency disclosure')} still to review.", attention=True)
        )
    own = [count(copies.get(action.value, 0), *names) for action, names in OWN_COPIES.items()]
    lines.append(
        Evidence(f"Not disclosures, and counted here: {'; '.join(own)}.", count=sum(copies.values()))
    )
    return lines


@evidence_provider("C3")
def reports_by_timeliness(coach) -> list[Evidence]:
    reports = _reports(coach)
    tasks = _open_tasks(coach, timezone.now())
    dismissed = _dismissals(coach)
    late = reports["total"] - reports["on_time"]
    lines = [
        Evidence(
            f"{count(reports['total'], 'mandatory report')} made: "
            f"{reports['on_time']} by the deadline, {late} late.",
            attention=late > 0,
            count=reports["total"],
        ),
        Evidence(
            f"{count(tasks['open'], 'report')} still owed, {tasks['overdue']} past the deadline.",
            attention=tasks["overdue"] > 0,
            count=0,  # what is owed is never evidence that the clause was honoured
        ),
        Evidence(
            f"{count(dismissed, 'checker flag')} judged not to be a disclosure, each with its reason.",
            count=dismissed,
        ),
    ]
    return lines

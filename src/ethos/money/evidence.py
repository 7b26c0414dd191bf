"""What money tells the compliance report: counts only, never a person or an amount owed by anyone."""

from __future__ import annotations

from django.db.models import Count, Q

from ethos.prepared import prepared
from ethos.standards.evidence import Evidence, count, evidence_provider, kept, report_tallies
from ethos.standards.points import Point

from .models import Agreement, Charge, Gift, Package, Payment

COACH_NO_FEE = (
    "Cancelled by the coach (P2)",
    "Started late by the coach (P2)",
    "Cut short by the coach (P2)",
)


# The no-fee lines join their sessions: a session marked no fee changes the count.
@kept(Charge, Charge.session.field.related_model)
def _charges(coach) -> dict[str, int]:
    return {**_charges_by_kind(coach), **_no_fee_sessions_charged(coach)}


@prepared
def _charges_by_kind(coach) -> dict[str, int]:
    return Charge.objects.filter(coach=coach).aggregate(
        late=Count("coach", filter=Q(kind=Charge.Kind.LATE_CANCEL)),
        refunds=Count("coach", filter=Q(kind=Charge.Kind.REFUND_DUE)),
    )


@prepared
def _no_fee_sessions_charged(coach) -> dict[str, int]:
    """The ledger lines of the (few) sessions marked no fee: starts from those sessions' index."""
    return Charge.objects.filter(coach=coach, session__coach=coach, session__no_fee=True).aggregate(
        no_fee=Count("coach", filter=Q(kind=Charge.Kind.NO_FEE)),
        charged_no_fee=Count("coach", filter=Q(amount__gt=0)),
    )


@kept(Payment)
@prepared
def _payments(coach) -> int:
    return Payment.objects.filter(coach=coach).count()


@kept(Gift)
@prepared
def _gifts(coach) -> dict[str, int]:
    return Gift.objects.filter(coach=coach).aggregate(
        declined=Count("pk", filter=Q(outcome=Gift.Outcome.DECLINED)),
        returned=Count("pk", filter=Q(outcome=Gift.Outcome.RETURNED)),
    )


@kept(Agreement)
@prepared
def _agreements(coach) -> dict[str, int]:
    return Agreement.objects.filter(coach=coach).aggregate(clients=Count("client", distinct=True))


@kept(Package)
@prepared
def _packages(coach) -> dict[str, int]:
    return Package.objects.filter(coach=coach).aggregate(
        total=Count("pk"), closed=Count("pk", filter=Q(status=Package.Status.CLOSED))
    )


@evidence_provider("P2")
def no_fee_lines(coach) -> list[Evidence]:
    lines = _charges(coach)
    return [
        Evidence(
            f"{count(lines['no_fee'], 'session')} the coach cancelled, started late or cut short "
            f"on the ledger at no fee; {lines['charged_no_fee']} charged.",
            count=lines["no_fee"],
            attention=lines["charged_no_fee"] > 0,
        ),
        Evidence(
            f"{count(lines['late'], 'late cancellation')} by clients charged, "
            "each under its agreement's own term.",
            count=lines["late"],
        ),
    ]


def _refused(coach, clause: str) -> int:
    row = report_tallies(coach).get((clause, Point.PAYMENT_RECORD.value))
    return row.blocked if row else 0


@evidence_provider("P9")
def coaching_ledger(coach) -> list[Evidence]:
    payments = _payments(coach)
    gifts = _gifts(coach)
    refused = _refused(coach, "P9")
    return [
        Evidence(f"{count(payments, 'payment')} on the ledger, every one for coaching.", count=payments),
        Evidence(
            f"{count(refused, 'dealing')} other than coaching (a loan, sale, investment, gift, paid work "
            f"or barter) refused at the ledger.",
        ),
        Evidence(
            f"{count(gifts['declined'] + gifts['returned'], 'gift')} offered by clients: "
            f"{gifts['declined']} declined, {gifts['returned']} returned.",
        ),
    ]


@evidence_provider("P12")
def agreements_and_packages(coach) -> list[Evidence]:
    agreements = _agreements(coach)
    packages = _packages(coach)
    refunds = _charges(coach)["refunds"]
    return [
        Evidence(
            f"{count(agreements['clients'], 'client')} with a fee agreement, none with a minimum length "
            "or frequency (the agreement cannot hold one).",
            count=agreements["clients"],
        ),
        Evidence(
            f"{count(packages['total'], 'prepaid package')}, none with an expiry; "
            f"{packages['closed']} closed "
            f"with {count(refunds, 'pro-rata refund')} of unused sessions.",
            count=packages["total"],
        ),
    ]

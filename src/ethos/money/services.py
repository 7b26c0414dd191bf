"""Every change to a client's money, one function each: rules, then checks, then the write and its audit.

P12: an agreement sets a fee and cancellation terms, never a minimum length or frequency; a
prepaid package never expires and its unused sessions are refunded pro rata, a refund that
cannot be lowered or refused. P2: a session the coach cancelled, started late or cut short is
never charged; a client's late cancellation is charged only under the agreement's own term, and
the line says so. P9: the ledger takes only coaching money; anything else is refused at
payment.record and the refusal is kept. Invoice and receipt numbers come from a per-coach counter
row locked in the same transaction as the document, so they run without gaps.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from ethos.audit.actions import Action
from ethos.audit.services import audit_append
from ethos.clients.hooks import on_release
from ethos.clients.models import Client
from ethos.coaching.models import Session
from ethos.practice.selectors import profile_for
from ethos.standards.engine import Subject
from ethos.standards.facts import COACHING_TRANSACTIONS, Facts, Transaction
from ethos.standards.points import Point
from ethos.standards.services import action, enforce

from .models import Agreement, Charge, Counter, Gift, Invoice, Package, Payment

CENT = Decimal("0.01")
AMOUNT_MAX = Decimal("9999999999.99")
TEXT_MAX = 2000

NOT_YOURS = "This client belongs to another practice."
NOT_OPEN = "Fees are agreed with a client whose coaching is active or paused."
AMOUNT_NEEDED = "Enter an amount of money, for example 80 or 80.00."
AMOUNT_NEGATIVE = "An amount cannot be below zero."
AMOUNT_ZERO = "Enter an amount above zero."
AMOUNT_TOO_BIG = "This amount is too large."
AMOUNT_CENTS = "Use at most two decimal places."
PERCENT_RANGE = "Enter a share between 0 and 100 per cent."
HOURS_RANGE = "Enter a number of hours between 0 and 336 (two weeks)."
LATE_TERM_INCOMPLETE = "A late-cancellation charge needs both a number of hours and a share of the fee."
SESSIONS_RANGE = "A package holds between 1 and 100 sessions."
IN_FUTURE = "This date is in the future. Enter the day it happened."
CHOICE_NEEDED = "Choose one of the options."
WHAT_NEEDED = "Say what the gift was, in a few words."
NO_AGREEMENT = "Agree a fee with the client first: nothing is charged without an agreement."
NOTHING_TO_INVOICE = "Every charge is already on an invoice: there is nothing new to invoice."
PACKAGE_CLOSED = "This package is already closed and its unused sessions refunded."
INVOICE_OTHER_CLIENT = "This invoice is for another client."
PACKAGE_OTHER_CLIENT = "This package is for another client."


def _own(coach, client: Client) -> None:
    if client.coach_id != coach.pk:
        raise PermissionError(NOT_YOURS)


def _text(value: str | None) -> str:
    return (value or "").strip()[:TEXT_MAX]


def parse_amount(value, name: str = "amount", *, allow_zero: bool = True) -> Decimal:
    """Read an amount as a Decimal of at most two places; never a float, never a rounding surprise."""
    if isinstance(value, float):
        raise TypeError("Amounts are Decimal, never float.")
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({name: [AMOUNT_NEEDED]}) from None
    if not amount.is_finite():
        raise ValidationError({name: [AMOUNT_NEEDED]})
    if amount < 0:
        raise ValidationError({name: [AMOUNT_NEGATIVE]})
    if amount == 0 and not allow_zero:
        raise ValidationError({name: [AMOUNT_ZERO]})
    if amount > AMOUNT_MAX:
        raise ValidationError({name: [AMOUNT_TOO_BIG]})
    if amount != amount.quantize(CENT):
        raise ValidationError({name: [AMOUNT_CENTS]})
    return amount.quantize(CENT)


def _past(day: datetime.date, name: str) -> None:
    if day > timezone.localdate():
        raise ValidationError({name: [IN_FUTURE]})


def _open_client(client: Client) -> None:
    if not Client.objects.filter(
        pk=client.pk, status__in=(Client.Status.ACTIVE, Client.Status.PAUSED)
    ).exists():
        raise ValidationError(NOT_OPEN)


# -- Agreements and packages (P12) ---------------------------------------------------------------


def agreement_make(
    *,
    coach,
    client: Client,
    fee,
    late_cancel_hours: int = 0,
    late_cancel_percent: int = 0,
    terms: str = "",
    agreed_on: datetime.date,
    minimum: str = "",
) -> Agreement:
    """Agree the fee per session and the cancellation terms (P12: never a minimum length or frequency).

    `minimum` is here only to be refused: no form offers it, and any minimum number of sessions,
    period or frequency a caller passes stops the action at package.create under P12.
    """
    _own(coach, client)
    fee = parse_amount(fee, "fee")
    errors = {}
    if not 0 <= int(late_cancel_hours) <= 336:
        errors["late_cancel_hours"] = [HOURS_RANGE]
    if not 0 <= int(late_cancel_percent) <= 100:
        errors["late_cancel_percent"] = [PERCENT_RANGE]
    if not errors and bool(late_cancel_hours) != bool(late_cancel_percent):
        errors["late_cancel_percent"] = [LATE_TERM_INCOMPLETE]
    if errors:
        raise ValidationError(errors)
    _past(agreed_on, "agreed_on")
    agreement = Agreement(
        coach=coach,
        client=client,
        data_key_id=client.data_key_id,
        fee=fee,
        late_cancel_hours=int(late_cancel_hours),
        late_cancel_percent=int(late_cancel_percent),
        terms=_text(terms) or None,
        agreed_on=agreed_on,
    )
    with action():
        enforce(
            coach=coach,
            point=Point.PACKAGE_CREATE,
            facts=Facts(package_minimum_term=bool(_text(minimum))),
            subject=Subject.of(agreement),
        )
        _open_client(client)
        agreement.save(force_insert=True)
        audit_append(
            coach=coach,
            action=Action.MONEY_AGREEMENT_MADE,
            target_type="client",
            target_id=str(client.pk),
            clauses=["P12", "P2"],
            details={
                "agreement": str(agreement.pk),
                "late_cancel_hours": agreement.late_cancel_hours,
                "late_cancel_percent": agreement.late_cancel_percent,
            },
        )
    return agreement


def package_sell(
    *,
    coach,
    client: Client,
    sessions: int,
    price,
    bought_on: datetime.date,
    expires_on: datetime.date | None = None,
    refunds_unused: bool = True,
) -> Package:
    """Record sessions paid for in advance; they never expire and unused ones are refunded (P12).

    `expires_on` and `refunds_unused=False` are here only to be refused under P12, as `minimum` is.
    """
    _own(coach, client)
    price = parse_amount(price, "price")
    if not 1 <= int(sessions) <= 100:
        raise ValidationError({"sessions": [SESSIONS_RANGE]})
    _past(bought_on, "bought_on")
    package = Package(
        coach=coach,
        client=client,
        data_key_id=client.data_key_id,
        sessions=int(sessions),
        price=price,
        bought_on=bought_on,
    )
    with action():
        enforce(
            coach=coach,
            point=Point.PACKAGE_CREATE,
            facts=Facts(
                package_minimum_term=False, package_refunds_unused=bool(refunds_unused) and expires_on is None
            ),
            subject=Subject.of(package),
        )
        _open_client(client)
        package.save(force_insert=True)
        Charge(
            coach=coach,
            client=client,
            data_key_id=client.data_key_id,
            kind=Charge.Kind.PACKAGE,
            amount=price,
            package=package,
            description=f"Prepaid package of {package.sessions} sessions (they never expire; "
            "unused ones are refunded pro rata)",
            charged_on=bought_on,
        ).save(force_insert=True)
        audit_append(
            coach=coach,
            action=Action.MONEY_PACKAGE_SOLD,
            target_type="client",
            target_id=str(client.pk),
            clauses=["P12"],
            details={"package": str(package.pk), "sessions": package.sessions},
        )
    return package


@dataclass(frozen=True)
class Refund:
    """What a package's unused sessions come to (P12), computed, never chosen."""

    used: int
    unused: int
    amount: Decimal


def refund_due(package: Package, used: int | None = None) -> Refund:
    """Compute the pro-rata refund of a package's unused sessions: price x unused / sessions."""
    if used is None:
        used = package.charges.filter(kind=Charge.Kind.FROM_PACKAGE).count()
    unused = max(package.sessions - used, 0)
    amount = (package.price * unused / package.sessions).quantize(CENT, rounding=ROUND_HALF_UP)
    return Refund(used=used, unused=unused, amount=amount)


def package_close(*, coach, package: Package, refund=None) -> Charge:
    """Close a package when the client stops or asks: its unused sessions are owed back, pro rata (P12).

    The refund is computed; a smaller `refund` (or none) is refusing part of it, and P12 stops that
    at payment.record.
    """
    if package.coach_id != coach.pk:
        raise PermissionError(NOT_YOURS)
    with action():
        locked = Package.objects.select_for_update().get(pk=package.pk)
        if locked.status != Package.Status.OPEN:
            raise ValidationError(PACKAGE_CLOSED)
        due = refund_due(locked)
        given = due.amount if refund is None else parse_amount(refund, "refund")
        enforce(
            coach=coach,
            point=Point.PAYMENT_RECORD,
            facts=Facts(
                transaction=Transaction.REFUND,
                package_refunds_unused=given >= due.amount,
                fee_for_coach_cancelled_session=False,
            ),
            subject=Subject.of(locked),
        )
        locked.status = Package.Status.CLOSED
        locked.closed_at = timezone.now()
        locked.save(update_fields=["status", "closed_at"])
        line = Charge(
            coach=coach,
            client_id=locked.client_id,
            data_key_id=locked.data_key_id,
            kind=Charge.Kind.REFUND_DUE,
            amount=-given,
            package=locked,
            description=f"Refund of {due.unused} unused prepaid "
            f"{'session' if due.unused == 1 else 'sessions'} of {locked.sessions}, pro rata",
            charged_on=timezone.localdate(),
        )
        line.save(force_insert=True)
        audit_append(
            coach=coach,
            action=Action.MONEY_PACKAGE_CLOSED,
            target_type="client",
            target_id=str(locked.client_id),
            clauses=["P12"],
            details={"package": str(locked.pk), "used": due.used, "unused": due.unused},
        )
    package.refresh_from_db(fields=["status", "closed_at"])
    return line


# -- Charges from sessions (P2) ------------------------------------------------------------------


def _late_cancellation(session: Session, agreement: Agreement) -> Decimal | None:
    """Hours before the session the client cancelled, when that falls in the agreement's late window."""
    if not agreement.late_cancel_hours or session.cancelled_at is None:
        return None
    notice = session.starts_at - session.cancelled_at
    if notice >= datetime.timedelta(hours=agreement.late_cancel_hours):
        return None
    return Decimal(max(notice.total_seconds(), 0) / 3600).quantize(Decimal("0.1"))


def _line_for(session: Session, agreement: Agreement | None, package: Package | None, left: int):
    """Return (kind, amount, description, agreement, package) for a session that has no line yet."""
    day = f"{timezone.localtime(session.starts_at):%d %b %Y}"
    if session.no_fee:
        reason = Session.NoFee(session.no_fee_reason).label if session.no_fee_reason else "no fee"
        return Charge.Kind.NO_FEE, Decimal("0.00"), f"Session on {day}: no fee. {reason}.", None, None
    if session.status == Session.Status.CANCELLED:
        if agreement is None or session.cancelled_by != Session.CancelledBy.CLIENT:
            return Charge.Kind.NO_FEE, Decimal("0.00"), f"Session on {day}, cancelled: no fee.", None, None
        hours = _late_cancellation(session, agreement)
        if hours is None or agreement.late_fee == 0:
            return (
                Charge.Kind.NO_FEE,
                Decimal("0.00"),
                f"Session on {day}, cancelled by you in good time: no fee.",
                agreement,
                None,
            )
        return (
            Charge.Kind.LATE_CANCEL,
            agreement.late_fee,
            f"Late cancellation of the session on {day}: cancelled {hours} hours before it. Your agreement "
            f"of {agreement.agreed_on:%d %b %Y} charges {agreement.late_cancel_percent}% of the fee for a "
            f"cancellation less than {agreement.late_cancel_hours} hours before.",
            agreement,
            None,
        )
    if package is not None and left > 0:
        return (
            Charge.Kind.FROM_PACKAGE,
            Decimal("0.00"),
            f"Session on {day}, from your prepaid package.",
            None,
            package,
        )
    if agreement is None:
        return None
    return Charge.Kind.SESSION, agreement.fee, f"Session on {day}", agreement, None


def charges_bring_up_to_date(*, coach, client: Client) -> list[Charge]:
    """Add a line for each held or cancelled session without one: a fee, a late cancellation or no fee (P2).

    A session the coach cancelled, started late or cut short gets a line of nothing that says why.
    A client's cancellation is charged only under the agreement's own late-cancellation term.
    """
    _own(coach, client)
    with transaction.atomic():
        agreement = Agreement.objects.filter(client=client).order_by("-created_at").first()
        package = (
            Package.objects.filter(client=client, status=Package.Status.OPEN)
            .annotate(used=Count("charges", filter=Q(charges__kind=Charge.Kind.FROM_PACKAGE)))
            .order_by("created_at")
            .first()
        )
        left = package.sessions - package.used if package else 0
        sessions = (
            Session.objects.filter(
                client=client,
                charge__isnull=True,
                status__in=(Session.Status.CLOSED, Session.Status.CANCELLED),
            )
            .select_related("data_key")
            .order_by("starts_at")
        )
        added = []
        for session in sessions:
            line = _line_for(session, agreement, package, left)
            if line is None:
                continue
            kind, amount, description, used_agreement, used_package = line
            if kind == Charge.Kind.FROM_PACKAGE:
                left -= 1
            charge = Charge(
                coach=coach,
                client=client,
                data_key_id=client.data_key_id,
                kind=kind,
                amount=amount,
                session=session,
                agreement=used_agreement,
                package=used_package,
                description=description,
                charged_on=timezone.localtime(session.starts_at).date(),
            )
            charge.save(force_insert=True)
            added.append(charge)
        if added:
            audit_append(
                coach=coach,
                action=Action.MONEY_CHARGES_ADDED,
                target_type="client",
                target_id=str(client.pk),
                clauses=["P2"],
                details={
                    "lines": len(added),
                    "no_fee": sum(1 for c in added if c.kind == Charge.Kind.NO_FEE),
                    "late_cancellations": sum(1 for c in added if c.kind == Charge.Kind.LATE_CANCEL),
                },
            )
    return added


# -- Payments and gifts (P9) ---------------------------------------------------------------------


def _number(coach, series: str) -> int:
    """Take the next number of a series: the counter row is locked until this transaction ends.

    PostgreSQL queues a second writer on the row lock; SQLite's IMMEDIATE transactions already
    queue writers at BEGIN. A number taken by a transaction that rolls back is given again, so the
    series has no gaps.
    """
    Counter.objects.get_or_create(coach=coach, series=series)
    counter = Counter.objects.select_for_update().get(coach=coach, series=series)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def _document(*, coach, client: Client, series: str, total: Decimal, receipt_for=None) -> Invoice:
    document = Invoice(
        coach=coach,
        client=client,
        data_key_id=client.data_key_id,
        series=series,
        number=_number(coach, series),
        total=total,
        currency=profile_for(coach).currency,
        client_name=client.name,
        issued_on=timezone.localdate(),
        receipt_for=receipt_for,
    )
    document.save(force_insert=True)
    return document


def payment_record(
    *,
    coach,
    client: Client,
    kind: str,
    amount,
    method: str,
    paid_on: datetime.date,
    reference: str = "",
    invoice: Invoice | None = None,
) -> Payment:
    """Record money for coaching (a fee, a package, a refund paid back) and give its receipt (P9).

    Anything else (a loan, a sale, an investment, a gift, paid work, barter) stops here under P9,
    whatever its size, and the refusal is kept in the compliance report.
    """
    _own(coach, client)
    try:
        transaction_kind = Transaction(kind)
    except ValueError:
        raise ValidationError({"kind": [CHOICE_NEEDED]}) from None
    with action():
        enforce(
            coach=coach,
            point=Point.PAYMENT_RECORD,
            facts=Facts(transaction=transaction_kind, fee_for_coach_cancelled_session=False),
            subject=Subject(type="client", id=str(client.pk)),
        )
        if transaction_kind not in COACHING_TRANSACTIONS:  # pragma: no cover - P9 has stopped it
            raise ValidationError({"kind": [CHOICE_NEEDED]})
        amount = parse_amount(amount, allow_zero=False)
        if method not in Payment.Method.values:
            raise ValidationError({"method": [CHOICE_NEEDED]})
        _past(paid_on, "paid_on")
        if invoice is not None and (invoice.client_id != client.pk or invoice.coach_id != coach.pk):
            raise ValidationError({"invoice": [INVOICE_OTHER_CLIENT]})
        payment = Payment(
            coach=coach,
            client=client,
            data_key_id=client.data_key_id,
            kind=transaction_kind.value,
            amount=amount,
            method=method,
            paid_on=paid_on,
            reference=_text(reference)[:200] or None,
            invoice=invoice,
        )
        payment.save(force_insert=True)
        receipt = None
        if payment.kind != Payment.Kind.REFUND:
            receipt = _document(
                coach=coach, client=client, series=Invoice.Series.RECEIPT, total=amount, receipt_for=payment
            )
        audit_append(
            coach=coach,
            action=Action.MONEY_PAYMENT_RECORDED,
            target_type="client",
            target_id=str(client.pk),
            clauses=["P9"],
            details={
                "payment": str(payment.pk),
                "kind": payment.kind,
                "method": method,
                "receipt": receipt.number if receipt else None,
            },
        )
    return payment


def gift_record(*, coach, client: Client, offered_on: datetime.date, what: str, outcome: str) -> Gift:
    """Record a gift the client offered, as declined or returned: the only way a gift is kept (P9)."""
    _own(coach, client)
    errors = {}
    if outcome not in Gift.Outcome.values:
        errors["outcome"] = [CHOICE_NEEDED]
    if not _text(what):
        errors["what"] = [WHAT_NEEDED]
    if errors:
        raise ValidationError(errors)
    _past(offered_on, "offered_on")
    with transaction.atomic():
        gift = Gift(
            coach=coach,
            client=client,
            data_key_id=client.data_key_id,
            offered_on=offered_on,
            what=_text(what),
            outcome=outcome,
        )
        gift.save(force_insert=True)
        audit_append(
            coach=coach,
            action=Action.MONEY_GIFT_RECORDED,
            target_type="client",
            target_id=str(client.pk),
            clauses=["P9"],
            details={"gift": str(gift.pk), "outcome": outcome},
        )
    return gift


# -- Invoices (P9) -------------------------------------------------------------------------------


def invoice_issue(*, coach, client: Client) -> Invoice:
    """Put every line not yet invoiced on a new, numbered invoice (no-fee lines too)."""
    _own(coach, client)
    with transaction.atomic():
        lines = list(
            Charge.objects.select_for_update()
            .filter(client=client, invoice__isnull=True)
            .only("pk", "amount")
        )
        if not lines:
            raise ValidationError(NOTHING_TO_INVOICE)
        total = sum((line.amount for line in lines), Decimal("0.00"))
        invoice = _document(coach=coach, client=client, series=Invoice.Series.INVOICE, total=total)
        Charge.objects.filter(pk__in=[line.pk for line in lines]).update(invoice=invoice)
        audit_append(
            coach=coach,
            action=Action.MONEY_INVOICE_ISSUED,
            target_type="client",
            target_id=str(client.pk),
            clauses=["P9"],
            details={"invoice": invoice.number, "lines": len(lines)},
        )
    return invoice


def document_printed(*, coach, document: Invoice) -> None:
    """Note in the log that an invoice or receipt was printed, for the client (their own copy, C1)."""
    audit_append(
        coach=coach,
        action=Action.MONEY_DOCUMENT_PRINTED,
        target_type="client",
        target_id=str(document.client_id),
        details={"series": document.series, "number": document.number},
    )


# -- When coaching ends (P12) --------------------------------------------------------------------


@on_release
def refund_packages_at_the_end(*, coach, client: Client, ending) -> None:
    """Coaching that ends owes back every prepaid session not used, without anyone having to ask (P12).

    The sessions held so far are brought onto the ledger first, so the refund counts only those
    truly unused. A pause keeps a package open: it never expires, and the client may come back.
    """
    if ending.kind != "end":
        return
    open_packages = list(Package.objects.filter(client=client, status=Package.Status.OPEN))
    if not open_packages:
        return
    charges_bring_up_to_date(coach=coach, client=client)
    for package in open_packages:
        package_close(coach=coach, package=package)

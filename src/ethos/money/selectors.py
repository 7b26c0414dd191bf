"""Read a coach's money: access helpers (404 for anyone else's), a client's ledger, the practice summary.

Every read here takes a fixed number of queries whatever the number of charges, payments and
invoices: sums are computed by the database, and lists show the newest rows only.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field, fields
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Case, Count, DecimalField, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, TruncMonth
from django.http import Http404
from django.utils import timezone

from ethos.clients.models import Client
from ethos.clients.pages import client_records, records_kept
from ethos.coaching.models import Session
from ethos.coaching.selectors import next_session_of
from ethos.memo import once
from ethos.practice.models import PracticeProfile
from ethos.practice.selectors import profile_for
from ethos.prepared import as_decimal, prepared
from ethos.standards.kept import kept, kept_counts

from .models import Agreement, Charge, Gift, Invoice, Package, Payment
from .services import Refund, refund_due

ZERO = Decimal("0.00")
PAGE_SIZE = 25
# The newest lines of each kind the client's ledger shows; the balance counts every line.
LEDGER_SHOWN = 50
SUMMARY_MONTHS = 12

_money = DecimalField(max_digits=14, decimal_places=2)


def _sum(expression) -> Coalesce:
    return Coalesce(Sum(expression, output_field=_money), Value(ZERO), output_field=_money)


# Payments lower what the client owes; a refund paid back to them raises it again.
_PAID = Case(When(kind=Payment.Kind.REFUND, then=-F("amount")), default=F("amount"), output_field=_money)


def get_package_for_coach(coach, client: Client, pk) -> Package:
    package = Package.objects.filter(coach=coach, client=client, pk=pk).first()
    if package is None:
        raise Http404("No such package.")
    return package


def get_invoice_for_coach(coach, client: Client, pk) -> Invoice:
    try:
        pk = pk if isinstance(pk, uuid.UUID) else uuid.UUID(str(pk))
    except ValueError:
        raise Http404("No such invoice or receipt.") from None
    found = _document_of(coach, client, pk)
    if not found:
        raise Http404("No such invoice or receipt.")
    return found[0]


@prepared
def _document_of(coach, client: Client, pk: uuid.UUID):
    # Read on every download of an invoice or receipt: its SQL is built once per process (ethos.prepared).
    return Invoice.objects.select_related("data_key").filter(coach=coach, client=client, pk=pk)[:1]


def currency_of(coach) -> str:
    found = _currency(coach)
    # A coach without a practice profile yet gets one, with the default currency.
    return found[0][0] if found else profile_for(coach).currency


@prepared
def _currency(coach) -> list[tuple]:
    # Read on every client page: the SQL is built once per process (ethos.prepared).
    return list(PracticeProfile.objects.filter(coach=coach).values_list("currency"))


@dataclass(frozen=True)
class OpenPackage:
    package: Package
    refund: Refund


@dataclass(frozen=True)
class NextCharge:
    """What the client's next booked session will cost, said before it is owed."""

    session: Session
    amount: Decimal | None
    from_package: bool
    late_cancel_hours: int = 0
    late_fee: Decimal = ZERO


@dataclass(frozen=True)
class Balance:
    """What the client owes, on what terms, and what their next session will cost: no ledger lines."""

    agreement: Agreement | None
    packages: list[OpenPackage]
    charged: Decimal
    paid: Decimal
    refunds: Decimal
    uninvoiced: int
    next_charge: NextCharge | None
    # The practice's currency, read with the sums (None for a coach without a practice profile yet).
    currency: str | None = None

    @property
    def balance(self) -> Decimal:
        """What the client owes now (below zero: what the practice owes them)."""
        return self.charged - self.paid


@dataclass(frozen=True)
class Ledger(Balance):
    """A client's money in a fixed number of queries, however long the history.

    Each charge carries its invoice's `invoice_series` and `invoice_number` (None if not invoiced
    yet), each payment its receipt's `receipt_pk`, `receipt_series` and `receipt_number`.
    """

    charges: list[Charge] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    invoices: list[Invoice] = field(default_factory=list)
    gifts: list[Gift] = field(default_factory=list)
    more: bool = False


@client_records("fee_agreement")
def agreement_rows(client_id):
    return Agreement.objects.filter(client_id=client_id)


@client_records("prepaid_package")
def package_rows(client_id):
    return Package.objects.filter(client_id=client_id)


@client_records("charge")
def charge_rows(client_id):
    return Charge.objects.filter(client_id=client_id)


@client_records("payment")
def payment_rows(client_id):
    return Payment.objects.filter(client_id=client_id)


@client_records("gift")
def gift_rows(client_id):
    return Gift.objects.filter(client_id=client_id)


@once
def balance_of(client: Client) -> Balance:
    """The client's balance, agreement, open packages and next charge, without reading ledger lines.

    The client page shows only these; the ledger page adds the lines (`ledger_of`). The sums, the
    newest agreement and the practice's currency are one query; packages are read only when the
    client has any (most have none).
    """
    kept = records_kept(client)
    [(charged, uninvoiced, paid, refunds, currency, *agreement)] = _balance_row(client)
    # The newest agreement's columns, as a query of the agreement alone gives them: none if there is none.
    agreement = Agreement.from_db(connection.alias, _AGREEMENT_COLUMNS, agreement) if agreement[0] else None
    packages = _open_packages_of(client) if "prepaid_package" in kept else []
    open_packages = [OpenPackage(p, refund_due(p, used=p.used)) for p in packages]
    return Balance(
        agreement=agreement,
        packages=open_packages,
        # A sum over no rows is None: zero.
        charged=as_decimal(charged, places=2) or ZERO,
        paid=as_decimal(paid, places=2) or ZERO,
        refunds=as_decimal(refunds, places=2) or ZERO,
        uninvoiced=uninvoiced or 0,
        next_charge=_next_charge(client, agreement, open_packages),
        currency=currency,
    )


@prepared
def _open_packages_of(client: Client):
    # Read on every client page of a client with packages: the SQL is built once per process (ethos.prepared).
    return (
        Package.objects.filter(client=client, status=Package.Status.OPEN)
        .annotate(used=Count("charges", filter=Q(charges__kind=Charge.Kind.FROM_PACKAGE)))
        .order_by("created_at")
    )


_AGREEMENT_COLUMNS = tuple(f.attname for f in Agreement._meta.concrete_fields)
# Each column read as its own field; a foreign key as the id it holds (its target's field), which the
# database driver hands back as the ORM reads it (SQLite's text as a UUID).
_AGREEMENT_FIELDS = tuple(f.target_field if f.is_relation else f for f in Agreement._meta.concrete_fields)


@prepared
def _balance_row(client: Client) -> list[tuple]:
    """What was charged and paid, refunds, lines not invoiced yet, the practice's currency and every
    column of the newest agreement: one prepared query, on every client page.

    Each of these was a query of its own, and the client page cost more in queries than in anything
    else. The agreement's columns are each the same newest row (`-created_at`, as the agreement was
    read on its own); with no agreement they are all None.
    """
    charges = Charge.objects.filter(client=OuterRef("pk")).order_by().values("client")
    payments = Payment.objects.filter(client=OuterRef("pk")).order_by().values("client")
    newest = Agreement.objects.filter(client=OuterRef("pk")).order_by("-created_at")
    agreement = {
        f"agreement_{name}": Subquery(newest.values(name)[:1], output_field=field)
        for name, field in zip(_AGREEMENT_COLUMNS, _AGREEMENT_FIELDS, strict=True)
    }
    return (
        Client.objects.filter(pk=client.pk)
        .annotate(
            charged=Subquery(charges.annotate(t=Sum("amount")).values("t")[:1], output_field=_money),
            uninvoiced=Subquery(charges.filter(invoice__isnull=True).annotate(n=Count("pk")).values("n")[:1]),
            paid=Subquery(payments.annotate(t=Sum(_PAID)).values("t")[:1], output_field=_money),
            refunds=Subquery(
                payments.filter(kind=Payment.Kind.REFUND).annotate(t=Sum("amount")).values("t")[:1],
                output_field=_money,
            ),
            currency=Subquery(PracticeProfile.objects.filter(coach=OuterRef("coach")).values("currency")[:1]),
            **agreement,
        )
        .values_list("charged", "uninvoiced", "paid", "refunds", "currency", *agreement)
    )


# The columns a ledger line shows: a line's other links (session, agreement, package, coach) cost
# a conversion each on 150 rows and are not shown. A column left out is still read if asked for
# (one query), and every sealed field is kept, as a sealed field left out would read as empty.
# Of its invoice or receipt a line shows the number only, read with it: not a second model a row.
_CHARGE_SHOWN = ("id", "data_key_id", "kind", "amount", "description", "charged_on", "created_at", "invoice")
_PAYMENT_SHOWN = ("id", "data_key_id", "kind", "amount", "method", "paid_on", "reference", "created_at")
_INVOICE_NUMBER = {"invoice_series": F("invoice__series"), "invoice_number": F("invoice__number")}
_RECEIPT_NUMBER = {
    "receipt_pk": F("receipt__id"),
    "receipt_series": F("receipt__series"),
    "receipt_number": F("receipt__number"),
}


# The ledger page's lists, the newest lines of each kind: their SQL is built once per process
# (ethos.prepared), as building four queries cost the page more than running them.
@prepared
def _newest_charges(client: Client):
    return (
        Charge.objects.filter(client=client)
        .order_by("-charged_on", "-created_at")
        .only(*_CHARGE_SHOWN)
        .annotate(**_INVOICE_NUMBER)[: LEDGER_SHOWN + 1]
    )


@prepared
def _newest_payments(client: Client):
    return (
        Payment.objects.filter(client=client)
        .order_by("-paid_on", "-created_at")
        .only(*_PAYMENT_SHOWN)
        .annotate(**_RECEIPT_NUMBER)[:LEDGER_SHOWN]
    )


@prepared
def _newest_invoices(client: Client):
    # Invoices only, not receipts: a receipt is listed with its payment.
    return Invoice.objects.filter(client=client, series=Invoice.Series.INVOICE).order_by("-number")[
        :LEDGER_SHOWN
    ]


@prepared
def _newest_gifts(client: Client):
    return Gift.objects.filter(client=client).order_by("-offered_on")[:LEDGER_SHOWN]


@once
def ledger_of(client: Client) -> Ledger:
    """The client's balance (`balance_of`) and the newest lines of each kind of record they have."""
    kept = records_kept(client)
    charges, invoices, payments, gifts = [], [], [], []
    if "charge" in kept:
        charges = _newest_charges(client)
        # An invoice is only ever issued for charges: without charges there is none to list.
        invoices = _newest_invoices(client)
    if "payment" in kept:
        payments = _newest_payments(client)
    if "gift" in kept:
        gifts = _newest_gifts(client)
    balance = balance_of(client)
    return Ledger(
        **{f.name: getattr(balance, f.name) for f in fields(Balance)},
        charges=charges[:LEDGER_SHOWN],
        payments=payments,
        invoices=invoices,
        gifts=gifts,
        more=len(charges) > LEDGER_SHOWN,
    )


def _next_charge(
    client: Client, agreement: Agreement | None, packages: list[OpenPackage]
) -> NextCharge | None:
    # The sessions section has read the client's next sessions for the page already: no second read.
    session = next_session_of(client)
    if session is None:
        return None
    left = any(p.refund.unused > 0 for p in packages)
    if left:
        return NextCharge(session=session, amount=ZERO, from_package=True)
    if agreement is None:
        return NextCharge(session=session, amount=None, from_package=False)
    return NextCharge(
        session=session,
        amount=agreement.fee,
        from_package=False,
        late_cancel_hours=agreement.late_cancel_hours,
        late_fee=agreement.late_fee,
    )


def documents_page(coach, *, page=None, series: str | None = None) -> Page:
    """One page of the coach's invoices and receipts, newest first, with their clients' names."""
    documents = (
        Invoice.objects.filter(coach=coach)
        .select_related("data_key", "client", "client__data_key")
        .order_by("-created_at", "-number")
    )
    if series in Invoice.Series.values:
        documents = documents.filter(series=series)
    return Paginator(documents, PAGE_SIZE).get_page(page)


@dataclass(frozen=True)
class Month:
    month: datetime.date
    income: Decimal
    refunds: Decimal

    @property
    def net(self) -> Decimal:
        return self.income - self.refunds


@dataclass(frozen=True)
class Outstanding:
    client: Client
    balance: Decimal


@dataclass(frozen=True)
class Summary:
    months: list[Month]
    owed_to_you: list[Outstanding]
    owed_by_you: list[Outstanding]
    income: Decimal
    refunds: Decimal

    @property
    def outstanding(self) -> Decimal:
        return sum((o.balance for o in self.owed_to_you), ZERO)


# The money page's two aggregates read every payment and ledger line of the practice, so they are
# kept between views like the compliance report's counts (ethos.standards.kept): computed again
# only after a write to the tables they read. Neither reads the clock: every month is kept and the
# page picks the last year's. The balances are client ids and amounts, which the ledger's own
# tables hold in plaintext already (docs/security.md).
@kept(Payment)
def _months(coach) -> list[list[str]]:
    """Income and refunds per month, every month with a payment, newest first (as strings)."""
    return [
        [month.isoformat(), str(income), str(refunds)] for month, income, refunds in _income_by_month(coach)
    ]


@prepared
def _income_by_month(coach):
    return (
        Payment.objects.filter(coach=coach)
        .annotate(month=TruncMonth("paid_on"))
        .order_by()
        .values("month")
        .annotate(
            income=_sum(Case(When(~Q(kind=Payment.Kind.REFUND), then=F("amount")), default=Value(ZERO))),
            refunds=_sum(Case(When(kind=Payment.Kind.REFUND, then=F("amount")), default=Value(ZERO))),
        )
        .order_by("-month")
        .values_list("month", "income", "refunds")
    )


@kept(Charge, Payment)
def _balances(coach) -> dict[str, str]:
    """Every client's balance that is not zero: charged less paid (refunds paid back count against)."""
    charged = dict(_charged_by_client(coach))
    paid = dict(_paid_by_client(coach))
    balances = {pk: charged.get(pk, ZERO) - paid.get(pk, ZERO) for pk in set(charged) | set(paid)}
    return {str(pk): str(balance) for pk, balance in balances.items() if balance != 0}


@prepared
def _charged_by_client(coach):
    return (
        Charge.objects.filter(coach=coach)
        .order_by()
        .values("client")
        .annotate(t=_sum("amount"))
        .values_list("client", "t")
    )


@prepared
def _paid_by_client(coach):
    return (
        Payment.objects.filter(coach=coach)
        .order_by()
        .values("client")
        .annotate(t=_sum(_PAID))
        .values_list("client", "t")
    )


@prepared
def _clients_owing(coach, ids: list):
    return Client.objects.filter(coach=coach, pk__in=ids).select_related("data_key")


def summary(coach, *, today: datetime.date | None = None) -> Summary:
    """Income and refunds per month for a year, and every client's balance that is not zero.

    The two aggregates are kept between views (`_months`, `_balances`); what the page adds live is
    one query for the names of the clients with a balance.
    """
    today = today or timezone.localdate()
    since = (today.replace(day=1) - datetime.timedelta(days=366)).replace(day=1)
    with kept_counts(coach):
        rows = _months(coach)
        balances = {pk: Decimal(balance) for pk, balance in _balances(coach).items()}
    months = [
        Month(month, Decimal(income), Decimal(refunds))
        for month, income, refunds in ((datetime.date.fromisoformat(m), i, r) for m, i, r in rows)
        if month >= since
    ][:SUMMARY_MONTHS]
    clients = _clients_owing(coach, [uuid.UUID(pk) for pk in balances]) if balances else []
    owed = sorted((Outstanding(c, balances[str(c.pk)]) for c in clients), key=lambda o: -abs(o.balance))
    return Summary(
        months=months,
        owed_to_you=[o for o in owed if o.balance > 0],
        owed_by_you=[o for o in owed if o.balance < 0],
        income=sum((m.income for m in months), ZERO),
        refunds=sum((m.refunds for m in months), ZERO),
    )


@prepared
def invoice_lines(document: Invoice) -> list[Charge]:
    # Read on every print of an invoice, which lists all its lines: its SQL is built once per process.
    return (
        Charge.objects.filter(invoice=document)
        .select_related("data_key")
        .order_by("charged_on", "created_at")
    )

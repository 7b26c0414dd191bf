"""The ledger page's lines, written in Python: a day, an amount and a link for each of 150 rows.

The page lists up to LEDGER_SHOWN charges, payments and invoices. Written in the template, each
row ran a date filter, a money filter and a `{% url %}`, which cost more than reading the rows;
here each is written once, with the same words (`pages.day` is `date:"j M Y"`, `money` is the
`money` filter) and the same addresses.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from ethos.clients.pages import day
from ethos.links import link
from ethos.practice.currencies import money

from .models import Gift, Invoice, Payment
from .selectors import Ledger

_PAYMENT_KINDS = dict(Payment.Kind.choices)
_PAYMENT_METHODS = dict(Payment.Method.choices)
_GIFT_OUTCOMES = dict(Gift.Outcome.choices)


def _written(amount, currency: str) -> str:
    # As the `money` filter writes it: the practice's currency, or the default when none is set.
    return money(amount, currency) if currency else money(amount)


# A document's number as printed (INV-000042), from its series and number, without an Invoice.
document_label = Invoice.label_for


def document_link(client) -> Callable[[uuid.UUID], str]:
    """The address of each of a client's invoices and receipts (`ethos.links`: one `reverse` for all)."""
    return lambda pk: link("money:document_pdf", [client.pk, pk])


@dataclass(frozen=True)
class ChargeLine:
    day: str
    description: str
    amount: str
    invoice_url: str = ""
    invoice_label: str = ""


@dataclass(frozen=True)
class PaymentLine:
    day: str
    kind: str
    method: str
    reference: str
    amount: str
    receipt_url: str = ""
    receipt_label: str = ""


@dataclass(frozen=True)
class InvoiceLine:
    url: str
    label: str
    day: str
    total: str


@dataclass(frozen=True)
class GiftLine:
    day: str
    what: str
    outcome: str


@dataclass(frozen=True)
class Lines:
    charges: list[ChargeLine]
    payments: list[PaymentLine]
    invoices: list[InvoiceLine]
    gifts: list[GiftLine]


def ledger_lines(client, ledger: Ledger, currency: str) -> Lines:
    """Write the ledger's charges, payments, invoices and gifts as the page shows them."""
    link = document_link(client)
    charges = []
    for charge in ledger.charges:
        invoiced = charge.invoice_id is not None
        label = document_label(charge.invoice_series, charge.invoice_number) if invoiced else ""
        charges.append(
            ChargeLine(
                day=day(charge.charged_on),
                description=charge.description,
                amount=_written(charge.amount, currency),
                invoice_url=link(charge.invoice_id) if invoiced else "",
                invoice_label=label,
            )
        )
    payments = []
    for payment in ledger.payments:
        receipted = payment.receipt_pk is not None
        label = document_label(payment.receipt_series, payment.receipt_number) if receipted else ""
        payments.append(
            PaymentLine(
                day=day(payment.paid_on),
                kind=_PAYMENT_KINDS.get(payment.kind, payment.kind),
                method=_PAYMENT_METHODS.get(payment.method, payment.method),
                reference=payment.reference or "",
                amount=_written(payment.amount, currency),
                receipt_url=link(payment.receipt_pk) if receipted else "",
                receipt_label=label,
            )
        )
    invoices = [
        InvoiceLine(
            url=link(invoice.pk),
            label=invoice.label,
            day=day(invoice.issued_on),
            total=_written(invoice.total, invoice.currency),
        )
        for invoice in ledger.invoices
    ]
    gifts = [
        GiftLine(
            day=day(gift.offered_on),
            what=gift.what,
            outcome=_GIFT_OUTCOMES.get(gift.outcome, gift.outcome).lower(),
        )
        for gift in ledger.gifts
    ]
    return Lines(charges=charges, payments=payments, invoices=invoices, gifts=gifts)

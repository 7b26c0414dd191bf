"""The ledger page's lines, written in Python: a day, an amount and a link for each of 150 rows.

The page lists up to LEDGER_SHOWN charges, payments and invoices. Written in the template, each
row ran a date filter, a money filter and a `{% url %}`, which cost more than reading the rows;
here each is written once, with the same words (`pages.day` is `date:"j M Y"`, `money` is the
`money` filter) and the same addresses. Each row's HTML is written here too, escaped as the
template escaped it (Django's `escape` is the standard library's, with quotes): a dozen template
nodes a row were a third of the page, and `format_html` on each row's cells still a tenth.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

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

    @property
    def html(self) -> str:
        """The charge's table row, escaped."""
        invoice = (
            f'<a href="{escape(self.invoice_url)}">{escape(self.invoice_label)}</a>'
            if self.invoice_url
            else "Not yet"
        )
        return (
            f"<tr><td>{escape(self.day)}</td><td>{escape(self.description)}</td>"
            f"<td>{escape(self.amount)}</td><td>{invoice}</td></tr>"
        )


@dataclass(frozen=True)
class PaymentLine:
    day: str
    kind: str
    method: str
    reference: str
    amount: str
    receipt_url: str = ""
    receipt_label: str = ""

    @property
    def html(self) -> str:
        """The payment's table row, escaped."""
        receipt = (
            f'<a href="{escape(self.receipt_url)}">{escape(self.receipt_label)}</a>'
            if self.receipt_url
            else ""
        )
        return (
            f"<tr><td>{escape(self.day)}</td><td>{escape(self.kind)}</td><td>{escape(self.method)}</td>"
            f"<td>{escape(self.reference)}</td><td>{escape(self.amount)}</td><td>{receipt}</td></tr>"
        )


@dataclass(frozen=True)
class InvoiceLine:
    url: str
    label: str
    day: str
    total: str

    @property
    def html(self) -> str:
        """The invoice's list item, escaped."""
        link = f'<a href="{escape(self.url)}">{escape(self.label)}</a>'
        return f"<li>{link}, {escape(self.day)}: {escape(self.total)}</li>"


@dataclass(frozen=True)
class GiftLine:
    day: str
    what: str
    outcome: str

    @property
    def html(self) -> str:
        """The gift's list item, escaped."""
        return f"<li>{escape(self.day)}: {escape(self.what)} ({escape(self.outcome)})</li>"


@dataclass(frozen=True)
class Lines:
    charges: list[ChargeLine]
    payments: list[PaymentLine]
    invoices: list[InvoiceLine]
    gifts: list[GiftLine]

    # Each list as the page writes it, rows and the whitespace the template's loops left between them.
    @property
    def charge_rows(self) -> SafeString:
        return _rows(self.charges)

    @property
    def payment_rows(self) -> SafeString:
        return _rows(self.payments)

    @property
    def invoice_items(self) -> SafeString:
        return mark_safe("".join(invoice.html for invoice in self.invoices))  # noqa: S308  # nosec B308 B703 - each escaped

    @property
    def gift_items(self) -> SafeString:
        return mark_safe("".join(gift.html for gift in self.gifts))  # noqa: S308  # nosec B308 B703 - each escaped


def _rows(lines) -> SafeString:
    return mark_safe("".join(f"\n    {line.html}\n    " for line in lines))  # noqa: S308  # nosec B308 B703 - each escaped


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

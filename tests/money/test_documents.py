"""An invoice of a long history prints what it printed before, drawn directly (issue 18)."""

from __future__ import annotations

import datetime
import io

import pytest
from django.http import Http404
from pypdf import PdfReader

from ethos.coaching.models import Session
from ethos.money import documents, services
from tests.coaching.conftest import active_client
from tests.test_pdf import _as_fpdf_would, embedded_fonts

from .conftest import agree, booked, cancel
from .test_ledger import harbour_practice, needs_fallback_face, pdf_text

pytestmark = pytest.mark.django_db

# A name with the characters a PDF string escapes, and letters outside ASCII.
NAME = "Zoë (Łukasz) Back\\slash"
LATE = (
    "Late cancellation of the session on {day}: cancelled {hours} hours before it. Your agreement "
    "of {agreed} charges 50% of the fee for a cancellation less than 24 hours before."
)
FOOTER = (
    "Coaching has no minimum length or frequency: you can stop at any time. Sessions paid for in "
    "advance never expire, and unused ones are refunded pro rata. A session your coach cancelled, "
    "started late or cut short is never charged."
)


def _invoice(coach, client):
    """An invoice of a late cancellation (a line that wraps) and a coach's cancellation (one that fits)."""
    agree(coach, client, fee="80", hours=24, percent=50)
    cancel(coach, booked(coach, client, in_hours=3), by=Session.CancelledBy.CLIENT)
    cancel(coach, booked(coach, client, in_hours=5), by=Session.CancelledBy.COACH)
    services.charges_bring_up_to_date(coach=coach, client=client)
    return services.invoice_issue(coach=coach, client=client)


def _long(monkeypatch, invoice, times: int) -> None:
    """Print `invoice` with its lines repeated `times` times: a history over several pages."""
    lines = documents.invoice_lines(invoice)
    monkeypatch.setattr(documents, "invoice_lines", lambda document: lines * times)


def _words(text: str) -> list[str]:
    return " ".join(text.split()).split(" ")


def test_an_invoice_prints_the_practice_the_client_every_line_and_the_total(coach, vault):
    # Written against the invoice as fpdf's cells printed it before issue 18: the same words, in order.
    harbour_practice(coach)
    client = active_client(coach, name=NAME)
    invoice = _invoice(coach, client)
    lines = documents.invoice_lines(invoice)
    late = next(line for line in lines if line.kind == "late_cancel")

    text = pdf_text(documents.document_pdf(coach=coach, document=invoice))

    expected = [
        "Harbour Coaching",
        coach.name,
        "0100 000 000",
        "hello@example.org",
        "Invoice INV-000001",
        f"Date: {invoice.issued_on:%d %B %Y}",
        f"For: {NAME}",
        "Description Amount",
    ]
    for line in lines:
        expected += [line.description, f"£{line.amount:,.2f}"]
    expected += [f"Total £{invoice.total:,.2f}", FOOTER]
    assert _words(text) == _words(" ".join(expected))
    assert len(late.description) > 100 and "£40.00" in text  # the wrapped line and its half fee
    assert invoice.total == 40 and "\ufffd" not in text


def test_an_invoice_of_a_long_history_is_byte_for_byte_what_fpdf_alone_would_print(coach, vault, monkeypatch):
    harbour_practice(coach)
    invoice = _invoice(coach, active_client(coach, name=NAME))
    _long(monkeypatch, invoice, 30)

    def build():
        document = documents.document_layout(coach=coach, document=invoice)
        document.set_creation_date(datetime.datetime(2026, 1, 2, tzinfo=datetime.UTC))
        document.compression_level = None  # as fpdf packs pages (ethos.pdf tests the level)
        return document

    ours = bytes(build().output())
    assert len(PdfReader(io.BytesIO(ours)).pages) >= 3
    assert ours == _as_fpdf_would(build, monkeypatch)
    text = " ".join(_words(pdf_text(ours)))  # a justified line's spaces are moved: read as one space
    assert text.count("Session on") == 30 and text.count("Late cancellation of the session") == 30


def test_invoices_of_different_clients_embed_the_same_subsets(coach, vault):
    # Their printable ASCII is embedded whether drawn or not: one cut of each face serves them all.
    first = _invoice(coach, active_client(coach, name="Robin Ash"))
    second = _invoice(coach, active_client(coach, name="Kim Yu"))

    first_data = documents.document_pdf(coach=coach, document=first)
    second_data = documents.document_pdf(coach=coach, document=second)

    assert "Robin Ash" in pdf_text(first_data) and "Kim Yu" in pdf_text(second_data)
    assert embedded_fonts(first_data) == embedded_fonts(second_data)
    assert sorted(embedded_fonts(first_data)) == ["DejaVuSansBold", "DejaVuSansBook"]


@pytest.mark.parametrize("name", ["محمد العلي", "王小明"])
def test_an_invoice_prints_the_clients_name_in_its_own_script(coach, vault, name, monkeypatch):
    needs_fallback_face(name)
    harbour_practice(coach)
    invoice = _invoice(coach, active_client(coach, name=name))
    _long(monkeypatch, invoice, 20)  # over pages: the shaped name and the rows after it

    text = pdf_text(documents.document_pdf(coach=coach, document=invoice))

    for word in name.split():
        assert word in text, (word, text)
    assert text.count("Session on") == 20 and f"Total £{invoice.total:,.2f}" in text
    assert "\ufffd" not in text


def test_the_prepared_reads_of_a_document_and_the_ledger_are_what_the_orm_reads(coach, vault):
    from ethos.money import selectors

    from .conftest import pay

    client = active_client(coach, name=NAME)
    invoice = _invoice(coach, client)
    pay(coach, client, reference="R&D", invoice=invoice)
    services.gift_record(
        coach=coach, client=client, offered_on=invoice.issued_on, what="Tea", outcome="declined"
    )

    def seen(records, *names):
        return [tuple(getattr(record, name) for name in ("pk", *names)) for record in records]

    charge = ("description", "amount", "invoice_series", "invoice_number", "charged_on")
    payment = ("reference", "amount", "receipt_pk", "receipt_series", "receipt_number")
    for read, names in [
        (selectors._newest_charges, charge),
        (selectors._newest_payments, payment),
        (selectors._newest_invoices, ("label", "total", "issued_on", "client_name")),
        (selectors._newest_gifts, ("what", "outcome")),
    ]:
        assert seen(read(client), *names) == seen(read.build(client), *names) != []
    assert seen(documents.invoice_lines(invoice), "description", "amount") == seen(
        documents.invoice_lines.build(invoice), "description", "amount"
    )
    assert len(documents.invoice_lines(invoice)) == 2
    assert selectors.get_invoice_for_coach(coach, client, str(invoice.pk)).client_name == NAME
    with pytest.raises(Http404):
        selectors.get_invoice_for_coach(coach, client, "not-an-id")
    with pytest.raises(Http404):
        selectors.get_invoice_for_coach(coach, active_client(coach, name="Kim Yu"), invoice.pk)

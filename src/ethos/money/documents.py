"""Invoices and receipts as PDFs: the practice's details, the number, the client's name, the lines.

The client's name is decrypted only to be printed here; it is drawn in whatever script it is
written in (ethos.pdf reads a fallback face for Arabic, Devanagari, CJK and others).

An invoice of a long history is printed on each download (issue 18): its rows are lines of plain
text, which ethos.pdf writes directly as fpdf's cell would, and its faces embed every printable
ASCII character whether drawn or not, so that one invoice after another embeds the same subsets,
cut once per process.
"""

from __future__ import annotations

from fpdf.enums import XPos, YPos

from ethos.pdf import SANS, Document
from ethos.practice.currencies import money
from ethos.practice.selectors import profile_for

from .models import Invoice
from .selectors import invoice_lines

LINE = 6


def _row(pdf: Document, left: str, right: str, *, bold: bool = False) -> None:
    pdf.set_font(SANS, "B" if bold else "", 10)
    width = pdf.epw - 40
    y = pdf.get_y()
    pdf.multi_cell(width, LINE, left, new_x=XPos.RIGHT, new_y=YPos.TOP)
    end = pdf.get_y()
    pdf.set_xy(pdf.l_margin + width, y)
    pdf.cell(40, LINE, right, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(max(end + LINE * 0, pdf.get_y()))


def document_pdf(*, coach, document: Invoice) -> bytes:
    """Print an invoice (its lines and total) or a receipt (the payment it acknowledges)."""
    return bytes(document_layout(coach=coach, document=document).output())


def document_layout(*, coach, document: Invoice) -> Document:
    """Lay an invoice or a receipt out as a document, ready to print."""
    profile = profile_for(coach)
    currency = document.currency
    kind = "Receipt" if document.is_receipt else "Invoice"
    if document.is_receipt:
        payment = document.receipt_for
        lines = [
            (
                f"Payment received: {payment.get_kind_display()} ({payment.get_method_display()})",
                payment.amount,
            )
        ]
        reference = payment.reference or ""
    else:
        lines = [(line.description, line.amount) for line in invoice_lines(document)]
        reference = ""
    name = document.client_name
    pdf = Document(title=f"{kind} {document.label}")
    pdf.printed_on_every_download()
    pdf.cover(name, *(text for text, _ in lines), reference, profile.practice_name, coach.name)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font(SANS, "B", 16)
    pdf.multi_cell(0, 9, profile.practice_name or coach.name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(SANS, "", 10)
    details = [coach.name if profile.practice_name else "", profile.phone, profile.email, profile.website]
    where = profile.jurisdiction
    for text in (*details, where):
        if text:
            pdf.multi_cell(0, 5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(6)
    pdf.set_font(SANS, "B", 14)
    pdf.cell(0, 8, f"{kind} {document.label}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(SANS, "", 10)
    pdf.cell(0, LINE, f"Date: {document.issued_on:%d %B %Y}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.multi_cell(
        0,
        LINE,
        f"{'Received from' if document.is_receipt else 'For'}: {name}",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    if reference:
        pdf.multi_cell(0, LINE, f"Reference: {reference}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    _row(pdf, "Description", "Amount", bold=True)
    for text, amount in lines:
        _row(pdf, text, money(amount, currency))
    pdf.ln(2)
    _row(pdf, "Total", money(document.total, currency), bold=True)
    pdf.ln(6)
    pdf.set_font(SANS, "", 9)
    pdf.multi_cell(
        0,
        5,
        "Coaching has no minimum length or frequency: you can stop at any time. Sessions paid for in "
        "advance never expire, and unused ones are refunded pro rata. A session your coach cancelled, "
        "started late or cut short is never charged.",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    return pdf

"""Export the compliance report as JSON and PDF for the association. No client identity in either."""

from __future__ import annotations

import datetime
import hashlib
import json

from django.utils import timezone

from ethos.pdf import MONO, PRINTABLE, SANS, Document

from .catalog import CODE_SAYS_LABEL, PRACTICE_RULE_LABEL
from .evidence import count
from .selectors import ComplianceReport

REPORT_TITLE = "Code of Ethics compliance report"
REPORT_INTRO = (
    "Produced by Ethos from the coach's own records. It holds counts and dates only, never a "
    "client's identity. The audit chain head below lets the association check that the records "
    "behind it have not been rewritten since. Each status claims only what Ethos's records show; "
    "where Ethos adds a rule of its own, it is shown apart from what the code says."
)
# Every character the report's checkpoint lines may hold (the root hash, the signed checkpoint's
# base64 and em dashes), embedded in the monospaced face whether drawn or not, as
# `Document.printed_on_every_download` does for the sans faces.
CHECKPOINT_CHARACTERS = PRINTABLE + "\u2014"


def when(moment: datetime.datetime, *, time: bool = True) -> str:
    """Write a moment as people read it, in the practice's time zone: "2 December 2026, 06:10"."""
    local = timezone.localtime(moment)
    day = f"{local.day} {local:%B %Y}"
    return f"{day}, {local:%H:%M}" if time else day


def report_data(report: ComplianceReport) -> dict:
    """Return the report as plain data: clauses in catalog order, the chain head, the time."""
    return {
        "title": REPORT_TITLE,
        "coach": report.coach_name,
        "generated_at": report.generated_at.isoformat(),
        "audit_chain": {
            "size": report.chain.size,
            "root_hex": report.chain.root_hex,
            "checkpoint": report.chain.checkpoint,
        },
        "clauses": [
            {
                "id": row.clause.id,
                "section": row.clause.section.label,
                "title": row.clause.title,
                "code_says": row.clause.text,
                "ethos_practice_rule": row.clause.practice_rule or None,
                "status": row.status.label,
                "status_note": row.status.note,
                "evidence": [line.display for line in row.evidence],
                "open_items": row.open_items,
                "open_since": row.open_since.isoformat() if row.open_since else None,
            }
            for row in report.rows
        ],
    }


def report_fingerprint(report: ComplianceReport) -> str:
    """Hash everything the report says except when it was generated and the chain head under it."""
    facts = {k: v for k, v in report_data(report).items() if k not in ("generated_at", "audit_chain")}
    return hashlib.sha256(json.dumps(facts, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def report_json(report: ComplianceReport) -> bytes:
    return json.dumps(report_data(report), indent=2, ensure_ascii=False).encode()


def report_pdf(report: ComplianceReport) -> bytes:
    """Print the report: the same content as the JSON, laid out for reading."""
    return bytes(report_document(report).output())


def report_document(report: ComplianceReport) -> Document:
    """Lay the report out as a document, ready to print."""
    data = report_data(report)
    pdf = Document(title=REPORT_TITLE)
    pdf.printed_on_every_download()
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    face = None

    def line(text: str, *, size: int = 10, style: str = "", height: float = 5, static: bool = False) -> None:
        # `static`: the catalog's own wording, the same in every report, whose lines are kept.
        nonlocal face
        if face != (style, size):
            face = (style, size)
            pdf.set_font(SANS, style=style, size=size)
        pdf.paragraph(text, height=height, static=static)

    line(REPORT_TITLE, size=16, style="B", height=9, static=True)
    pdf.cover(data["coach"])  # a name in Arabic, Hindi or Chinese prints as written, shaped
    line(f"Coach: {data['coach']}")
    pdf.uncover()  # the rest is the catalog's wording and counts, in the body faces
    line(f"Generated: {when(report.generated_at)}")
    line(REPORT_INTRO, size=9, static=True)
    pdf.ln(3)
    section = None
    for clause, row in zip(data["clauses"], report.rows, strict=True):
        if clause["section"] != section:
            section = clause["section"]
            pdf.ln(2)
            line(section, size=12, style="B", height=7, static=True)
        line(f"{clause['id']}  {clause['title']}  --  {clause['status']}", style="B", static=True)
        # Lines in one face go in one paragraph, a line each: the same lines, drawn in one loop.
        wording = [f"    {CODE_SAYS_LABEL}: {clause['code_says']}"]
        if clause["ethos_practice_rule"]:
            wording.append(f"    {PRACTICE_RULE_LABEL}: {clause['ethos_practice_rule']}")
        wording.append(f"    {clause['status_note']}")
        line("\n".join(wording), size=9, static=True)
        counts = [f"    {text}" for text in clause["evidence"]]
        if clause["open_items"]:
            oldest = f", the oldest since {when(row.open_since, time=False)}" if row.open_since else ""
            counts.append(f"    {count(clause['open_items'], 'open item')}{oldest}")
        if counts:
            line("\n".join(counts), size=9)
    pdf.ln(4)
    chain = data["audit_chain"]
    line("Audit chain head", size=12, style="B", height=7, static=True)
    line(f"Events: {chain['size']}")
    line(f"Root hash: {chain['root_hex']}", size=8)
    if chain["checkpoint"]:
        line("Signed checkpoint:", size=9, static=True)
        pdf.set_font(MONO, size=7)
        pdf.embed_glyphs(CHECKPOINT_CHARACTERS)
        pdf.paragraph(chain["checkpoint"], height=3.5)
    return pdf


# Each export format: its media type and how it is built from a report.
FORMATS = {
    "json": ("application/json", report_json),
    "pdf": ("application/pdf", report_pdf),
}

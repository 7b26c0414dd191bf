"""The documents that leave: a disclosure's bundle, and the accounting of disclosures for the client.

Every page of a bundle carries who it went to, when, on what basis and the activity log's
checkpoint, so a page that travels alone still says where it came from. A bundle holds one
client's records, read by that client's id only.
"""

from __future__ import annotations

from django.utils import timezone
from fpdf.enums import XPos, YPos

from ethos.clients.models import Goal
from ethos.coaching.models import Addendum, Session, SessionNote
from ethos.coaching.notes import NOTE_SECTIONS
from ethos.pdf import SANS, Document

from .models import RECORD_KINDS, AtRisk

CONFIDENTIAL = (
    "Confidential. Shared only with the recipient named above, for the purpose and on the basis given."
)


def _when(moment, *, time: bool = True) -> str:
    local = timezone.localtime(moment)
    return f"{local.day} {local:%B %Y}" + (f", {local:%H:%M}" if time else "")


def _day(day) -> str:
    return f"{day.day} {day:%B %Y}"


class StampedDocument(Document):
    """A document whose every page starts with its stamp and ends with the log checkpoint."""

    def __init__(self, *, title: str, stamp: list[str], checkpoint: str) -> None:
        super().__init__(title=title)
        self.stamp = stamp
        self.checkpoint = checkpoint
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(auto=True, margin=24)

    def header(self) -> None:
        self.set_font(SANS, "B", 9)
        for line in self.stamp:
            self.paragraph(line, height=4.5)
        self.ln(3)
        self.set_font(SANS, "", 11)

    def footer(self) -> None:
        self.set_y(-20)
        self.set_font(SANS, "", 7.5)
        self.paragraph(f"Audit checkpoint: {self.checkpoint}. Page {self.page_no()} of {{nb}}.", height=3.8)

    def heading(self, text: str) -> None:
        self.ln(2)
        self.set_font(SANS, "B", 12)
        self.paragraph(text, height=7)
        self.set_font(SANS, "", 11)

    def line(self, text: str, *, indent: float = 0) -> None:
        self.paragraph(text, height=5.5, indent=indent)


def _identity(pdf: StampedDocument, client) -> None:
    pdf.line(f"Name: {client.name}")
    pdf.line(f"Date of birth: {_day(client.date_of_birth)}")
    contact = client.contact or {}
    for key, label in (("email", "Email"), ("phone", "Phone")):
        if contact.get(key):
            pdf.line(f"{label}: {contact[key]}")


def _attendance(pdf: StampedDocument, client) -> None:
    held = Session.objects.filter(client=client, status=Session.Status.CLOSED).order_by("starts_at")
    days = [_when(s.starts_at) for s in held.only("starts_at")]
    pdf.line("; ".join(days) if days else "No sessions held.")


def _goals(pdf: StampedDocument, client) -> None:
    goals = list(Goal.objects.filter(client=client).select_related("data_key").order_by("created_at"))
    for goal in goals:
        pdf.line(f"“{goal.words}” ({goal.get_status_display().lower()})")
    if not goals:
        pdf.line("No goals recorded.")


def _notes(pdf: StampedDocument, client) -> None:
    notes = list(
        SessionNote.objects.filter(client=client).select_related("data_key", "session").order_by("created_at")
    )
    addenda: dict = {}
    for addendum in (
        Addendum.objects.filter(note__client=client).select_related("data_key").order_by("written_at")
    ):
        addenda.setdefault(addendum.note_id, []).append(addendum)
    for note in notes:
        state = "signed" if note.is_signed else "draft, not signed"
        pdf.set_font(SANS, "B", 11)
        pdf.line(f"Session of {_when(note.session.starts_at)} ({state})")
        pdf.set_font(SANS, "", 11)
        for key, label in NOTE_SECTIONS.items():
            text = (note.sections or {}).get(key, "").strip()
            if text:
                pdf.line(f"{label}: {text}", indent=4)
        for addendum in addenda.get(note.pk, []):
            pdf.line(
                f"Addendum of {_when(addendum.written_at)} ({addendum.reason}): {addendum.text}", indent=4
            )
    if not notes:
        pdf.line("No session notes.")


def _concern(pdf: StampedDocument, task) -> None:
    if task is None:
        pdf.line("No safeguarding concern is part of this disclosure.")
        return
    pdf.line(f"Who is at risk: {dict(AtRisk.choices).get(task.at_risk, task.at_risk)}")
    pdf.line(f"Learned of on: {_when(task.learned_at)}")
    pdf.line(f"What was disclosed: {task.details}")


def disclosure_bundle(disclosure, *, task=None) -> bytes:
    """Lay out the records a disclosure sends, each page stamped with recipient, date, basis, checkpoint."""
    client = disclosure.client
    stamp = [
        f"Disclosed to: {disclosure.recipient}",
        f"Date: {_when(disclosure.disclosed_at)}. Basis: {disclosure.basis_label}.",
        f"Purpose: {disclosure.purpose}",
    ]
    pdf = StampedDocument(title="Disclosure of client records", stamp=stamp, checkpoint=disclosure.checkpoint)
    pdf.add_page()
    pdf.set_font(SANS, "B", 14)
    pdf.paragraph(f"Records of {client.name}", height=8)
    pdf.set_font(SANS, "", 10)
    pdf.paragraph(CONFIDENTIAL, height=5)
    if disclosure.what:
        pdf.heading("What was passed on")
        pdf.line(disclosure.what)
    writers = {
        "identity": lambda: _identity(pdf, client),
        "attendance": lambda: _attendance(pdf, client),
        "goals": lambda: _goals(pdf, client),
        "notes": lambda: _notes(pdf, client),
        "concern": lambda: _concern(pdf, task),
    }
    for kind in disclosure.record_kinds:
        pdf.heading(RECORD_KINDS[kind])
        writers[kind]()
    pdf.set_x(pdf.l_margin)
    pdf.cell(0, 6, "", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def accounting_pdf(*, client, entries, since, checkpoint: str, coach_name: str) -> bytes:
    """Lay out the accounting of disclosures for the client to keep: every disclosure since `since`."""
    stamp = [
        f"Accounting of disclosures for {client.name}",
        f"From {_day(since)} to {_day(timezone.localdate())}, prepared by {coach_name}.",
    ]
    pdf = StampedDocument(title="Accounting of disclosures", stamp=stamp, checkpoint=checkpoint)
    pdf.add_page()
    pdf.set_font(SANS, "", 10)
    pdf.paragraph(
        "Every time information about you left my practice in this period, it is listed here: when, to "
        "whom, what, why and on what basis. Nothing on this list can be changed or removed; later notes "
        "are added under the disclosure they are about.",
        height=5,
    )
    for entry in entries:
        pdf.heading(f"{_when(entry.disclosed_at)}: to {entry.recipient}")
        pdf.line(f"What: {'; '.join(entry.record_labels)}")
        if entry.what:
            pdf.line(f"What was said: {entry.what}")
        pdf.line(f"Why: {entry.purpose}")
        pdf.line(f"Basis: {entry.basis_label}")
        for annotation in entry.annotations.all():
            pdf.line(f"Note added {_when(annotation.written_at)}: {annotation.text}", indent=4)
    if not entries:
        pdf.heading("No information about you left my practice in this period.")
    return bytes(pdf.output())

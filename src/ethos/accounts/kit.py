"""The printable recovery kit, as text and as a one-page PDF."""

from __future__ import annotations

from django.utils import timezone

from ethos.pdf import MONO, SANS, Document
from ethos.vault import crypto

INTRO = (
    "This recovery key opens your Ethos practice if you forget your passphrase. "
    "Without your passphrase or this key, nobody can read your clients' records: not the "
    "person who runs the server, and not Ethos. Keep this page somewhere safe and private, "
    "apart from the device you use Ethos on."
)


def kit_text(*, email: str, recovery_key: bytes) -> str:
    return (
        "ETHOS RECOVERY KIT\n\n"
        f"Account: {email}\nMade: {timezone.now():%Y-%m-%d}\n\n"
        f"Recovery key:\n{crypto.format_recovery_key(recovery_key)}\n\n"
        f"{INTRO}\n\nTo use it: open Ethos, choose 'Forgot your passphrase?' on the sign-in page, "
        "and type this key with a new passphrase.\n"
    )


def kit_pdf(*, email: str, recovery_key: bytes) -> bytes:
    pdf = Document(title="Ethos recovery kit")
    pdf.add_page()
    pdf.set_font(SANS, "B", 20)
    pdf.cell(0, 12, "Ethos recovery kit", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(SANS, "", 11)
    pdf.cell(0, 8, f"Account: {email}", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 8, f"Made: {timezone.now():%Y-%m-%d}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(MONO, "B", 15)
    groups = crypto.format_recovery_key(recovery_key).split("-")
    for row in range(0, len(groups), 4):
        pdf.cell(0, 10, "  ".join(groups[row : row + 4]), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(SANS, "", 11)
    pdf.multi_cell(0, 6, INTRO)
    pdf.ln(3)
    pdf.multi_cell(
        0,
        6,
        "To use it: open Ethos, choose 'Forgot your passphrase?' on the sign-in page, and type this "
        "key with a new passphrase.",
    )
    return bytes(pdf.output())

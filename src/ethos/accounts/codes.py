"""The two-step recovery codes, as text and as a one-page PDF to print (like the recovery kit)."""

from __future__ import annotations

from django.utils import timezone

from ethos.pdf import MONO, SANS, Document

INTRO = (
    "If you lose your phone, each of these codes lets you sign in once instead of a code from "
    "your authenticator app. Keep them somewhere safe and private, apart from your passphrase. "
    "Cross a code off once you have used it."
)


def codes_text(*, email: str, codes: list[str]) -> str:
    listed = "\n".join(f"  {number:2}. {code}" for number, code in enumerate(codes, start=1))
    return (
        "ETHOS TWO-STEP RECOVERY CODES\n\n"
        f"Account: {email}\nMade: {timezone.now():%Y-%m-%d}\n\n"
        f"{listed}\n\n{INTRO}\n"
    )


def codes_pdf(*, email: str, codes: list[str]) -> bytes:
    pdf = Document(title="Ethos two-step recovery codes")
    pdf.add_page()
    pdf.set_font(SANS, "B", 20)
    pdf.cell(0, 12, "Ethos two-step recovery codes", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(SANS, "", 11)
    pdf.cell(0, 8, f"Account: {email}", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 8, f"Made: {timezone.now():%Y-%m-%d}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(MONO, "B", 15)
    for number, code in enumerate(codes, start=1):
        pdf.cell(0, 10, f"{number:2}.  {code}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(SANS, "", 11)
    pdf.multi_cell(0, 6, INTRO)
    return bytes(pdf.output())

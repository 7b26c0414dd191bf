"""Printable documents in an embedded Unicode font, so that every name prints as it is written.

fpdf's core fonts only know Latin-1, so "Łukasz" or "Дмитрий" used to print as "?". Every
document Ethos prints is a `Document`, which draws its text in DejaVu Sans (shipped in
`ethos/fonts`, with its licence): Latin with its extensions, Greek, Cyrillic, Armenian, Georgian
and common symbols (trimmed to those scripts by tools/subset_fonts.py, which makes each face
quicker to read). Only the glyphs a document uses are embedded, so a letter stays small.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import TextEmphasis, XPos, YPos
from fpdf.fonts import TTFFont

FONTS_DIR = Path(__file__).resolve().parent / "fonts"
SANS = "dejavusans"
MONO = "dejavusansmono"
FONT_FILES = {
    (SANS, ""): "DejaVuSans.ttf",
    (SANS, "B"): "DejaVuSans-Bold.ttf",
    (MONO, ""): "DejaVuSansMono.ttf",
    (MONO, "B"): "DejaVuSansMono-Bold.ttf",
}
# Drawn in place of a character the font has no glyph for (a CJK name, an emoji), so the reader
# sees that something is missing instead of a name that silently lost letters.
MISSING_GLYPH = "\ufffd"
KEEP = frozenset("\r\n\t")  # line breaks and tabs are layout, handled by fpdf, not glyphs


def _stand_in(char: str) -> str:
    category = unicodedata.category(char)
    if category in ("Cc", "Cf", "Mn", "Me"):
        return ""  # controls, joiners, variation selectors and marks draw nothing on their own
    if category == "Zs":
        return " "
    return MISSING_GLYPH


class Document(FPDF):
    """An A4 PDF whose text is drawn in DejaVu (regular, bold, mono), embedded as a subset."""

    def __init__(self, *, title: str, compress: bool = True) -> None:
        super().__init__(format="A4")
        self.set_compression(compress)
        self.set_title(title)
        self.set_creator("Ethos")
        self.set_font(SANS, size=11)

    def set_font(self, family: str | None = None, style: str | TextEmphasis = "", size: float = 0) -> None:
        # Each face is read on first use: parsing one costs tens of milliseconds, and a letter
        # never uses the monospaced ones.
        name = (family or self.font_family).lower()
        letters = style.style if isinstance(style, TextEmphasis) else style.upper()
        weight = "B" if "B" in letters else ""
        file = FONT_FILES.get((name, weight))
        if file and name + weight not in self.fonts:
            self.add_font(name, weight, FONTS_DIR / file)
        super().set_font(family, style, size)

    def normalize_text(self, text: str) -> str:
        """Compose accents, and stand in for characters the current font cannot draw."""
        font = self.current_font
        if not isinstance(font, TTFFont):
            return super().normalize_text(text)
        # fpdf would drop a character with no glyph and log it, name and all; we never hand it one.
        cmap = font.cmap
        text = unicodedata.normalize("NFC", text)
        return "".join(char if ord(char) in cmap or char in KEEP else _stand_in(char) for char in text)

    def paragraph(self, text: str, *, height: float, indent: float = 0) -> None:
        """Write `text` left-aligned from the left margin plus `indent` to the right margin.

        fpdf's multi_cell measures a line again for every character it adds, which made a
        two-page report take a third of a second; this measures each word once. A word longer
        than a line is cut where it reaches the edge; line breaks in `text` are kept.
        """
        width = self.epw - indent
        for line in self.lines(self.normalize_text(text), width):
            self.set_x(self.l_margin + indent)
            self.cell(width, height, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def lines(self, text: str, width: float) -> list[str]:
        """Break `text` into lines that fit `width` in the current font, at spaces where possible."""
        measure = self._width
        space = measure(" ")
        lines: list[str] = []
        for source in text.split("\n"):
            indent = source[: len(source) - len(source.lstrip(" "))]
            line, used = indent, measure(indent)
            for word in source.split():
                size = measure(word)
                gap = space if line.strip() else 0
                if used + gap + size <= width:
                    line, used = (f"{line} {word}" if gap else line + word), used + gap + size
                    continue
                if line.strip():
                    lines.append(line)
                line, used = "", 0.0
                while size > width:  # a hash or an address with no space in it
                    cut = self._fitting(word, width)
                    lines.append(word[:cut])
                    word = word[cut:]
                    size = measure(word)
                line, used = word, size
            lines.append(line)
        return lines

    def _fitting(self, word: str, width: float) -> int:
        """Return how many leading characters of `word` fit in `width` (at least one)."""
        low, high = 1, len(word)
        while low < high:
            middle = (low + high + 1) // 2
            if self._width(word[:middle]) <= width:
                low = middle
            else:
                high = middle - 1
        return low

    def _width(self, text: str) -> float:
        """The width of already normalised `text` in the current font, in page units."""
        widths = self.current_font.cw
        return sum(widths[ord(char)] for char in text) * self.font_size_pt * 0.001 / self.k

"""Printable documents in an embedded Unicode font, so that every name prints as it is written.

fpdf's core fonts only know Latin-1, so "Łukasz" or "Дмитрий" used to print as "?". Every
document Ethos prints is a `Document`, which draws its text in DejaVu Sans (shipped in
`ethos/fonts`, with its licence): Latin with its extensions, Greek, Cyrillic, Armenian, Georgian
and common symbols (trimmed to those scripts by tools/subset_fonts.py, which makes each face
quicker to read). Only the glyphs a document uses are embedded, so a letter stays small. Each face
is parsed once per process; a document gets its own copy of whatever printing it changes.
"""

from __future__ import annotations

import threading
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

from fontTools import ttLib
from fontTools.ttLib.tables._g_l_y_f import Glyph
from fpdf import FPDF
from fpdf.enums import TextEmphasis, XPos, YPos
from fpdf.fonts import SubsetMap, TTFFont

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

# Scripts DejaVu does not draw, and the Noto face that does, where the machine has it (Debian's
# fonts-noto-core and fonts-noto-cjk). A face is read only when a document's text needs it (the
# CJK collection is large), and a machine without it still prints, with the stand-in glyph.
FALLBACK_DIRS = (Path("/usr/share/fonts/truetype/noto"), Path("/usr/share/fonts/opentype/noto"))
FALLBACK_FACES = (
    (
        "NotoSansArabic-Regular.ttf",
        ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF)),
    ),
    ("NotoSansHebrew-Regular.ttf", ((0x0590, 0x05FF), (0xFB1D, 0xFB4F))),
    ("NotoSansDevanagari-Regular.ttf", ((0x0900, 0x097F), (0xA8E0, 0xA8FF))),
    ("NotoSansBengali-Regular.ttf", ((0x0980, 0x09FF),)),
    ("NotoSansGurmukhi-Regular.ttf", ((0x0A00, 0x0A7F),)),
    ("NotoSansGujarati-Regular.ttf", ((0x0A80, 0x0AFF),)),
    ("NotoSansTamil-Regular.ttf", ((0x0B80, 0x0BFF),)),
    ("NotoSansTelugu-Regular.ttf", ((0x0C00, 0x0C7F),)),
    ("NotoSansThai-Regular.ttf", ((0x0E00, 0x0E7F),)),
    ("NotoSansEthiopic-Regular.ttf", ((0x1200, 0x139F),)),
    (
        "NotoSansCJK-Regular.ttc",
        (
            (0x1100, 0x11FF),
            (0x2E80, 0x2FDF),
            (0x3000, 0x30FF),
            (0x3100, 0x31FF),
            (0x3400, 0x4DBF),
            (0x4E00, 0x9FFF),
            (0xAC00, 0xD7AF),
            (0xF900, 0xFAFF),
            (0xFF00, 0xFFEF),
        ),
    ),
)


def _fallback_file(name: str) -> Path | None:
    return next((folder / name for folder in FALLBACK_DIRS if (folder / name).is_file()), None)


# Each face read once per process, as fpdf reads it: the character map, the widths, the
# descriptor and the glyph order. Parsing a face cost a document tens of milliseconds (most of a
# receipt's build time). These are never changed by a document; what a document changes (the
# glyphs it used, the fontTools font the subsetter cuts down in place) is made fresh for each.
_FACES: dict[Path, _Face] = {}
_FACES_LOCK = threading.Lock()


# The tables fpdf drops from an embedded subset (fpdf.output, `options.drop_tables`); its subsetter
# read the layout tables in full before dropping them. Shaping (HarfBuzz) reads the file itself.
UNUSED_TABLES = frozenset(
    {"FFTM", "GDEF", "GPOS", "GSUB", "MATH", "hdmx", "meta", "sbix", "SVG ", "CPAL", "COLR"}
    | {"CBDT", "CBLC", "EBDT", "EBLC", "EBSC"}
)


@dataclass(frozen=True)
class _Face:
    """A face as fpdf parsed it, with what a document's subset is cut from, read once per process."""

    font: TTFFont
    order: list[str]
    metrics: dict[str, tuple[int, int]]
    # Each glyph's outline as the file stores it; None for a face with CFF outlines (Noto CJK).
    outlines: dict[str, bytes] | None


class _Glyphs(dict):
    """A document's glyphs by name, each made from its stored bytes on first use.

    fontTools' subsetter reads only the glyphs a document uses (and their components), then
    keeps those; building all three thousand glyph objects of a face for that was most of it.
    """

    def __getitem__(self, name: str) -> Glyph:
        value = super().__getitem__(name)
        if isinstance(value, bytes):
            value = Glyph(value)
            super().__setitem__(name, value)
        return value

    def get(self, name: str, default=None):
        return self[name] if name in self else default  # noqa: SIM401 (self.get is this method)

    def values(self) -> list[Glyph]:
        return [self[name] for name in self]

    def items(self) -> list[tuple[str, Glyph]]:
        return [(name, self[name]) for name in self]


def _parsed(path: Path) -> _Face:
    """Return the face at `path` as fpdf parsed it, with its glyph order, read on first use."""
    face = _FACES.get(path)
    if face is None:
        with _FACES_LOCK:
            face = _FACES.get(path)
            if face is None:
                font = TTFFont(FPDF(), path, path.name, "")
                order = list(font.ttfont.getGlyphOrder())
                outlines = None
                if "glyf" in font.ttfont:
                    glyphs = font.ttfont["glyf"].glyphs  # not expanded: each holds its bytes
                    outlines = {name: getattr(glyphs[name], "data", b"") for name in order}
                metrics = dict(font.ttfont["hmtx"].metrics)
                font.ttfont.close()
                font.ttfont = None
                face = _FACES[path] = _Face(font, order, metrics, outlines)
    return face


def _fresh_font(path: Path, *, fontkey: str, style: str, number: int) -> TTFFont:
    """Return a document's own copy of the face at `path`, sharing only what it never changes.

    The fontTools font is opened again, lazily (only the table directory is read): fpdf's
    subsetter cuts it down to the document's glyphs in place, so it can never be shared. It is
    given the glyph order read the first time (a face without glyph names would rebuild it from
    its character map, about ten milliseconds), and it keeps the face's bounding boxes instead of
    expanding every embedded glyph to measure them again: the subset's boxes lie inside them.
    """
    parsed = _parsed(path)
    face = parsed.font
    font = TTFFont.__new__(TTFFont)
    for slot in TTFFont.__slots__:
        if hasattr(face, slot):
            setattr(font, slot, getattr(face, slot))
    font.i = number
    font.fontkey = fontkey
    font.emphasis = TextEmphasis.coerce(style)
    # fpdf's widths are a defaultdict, written to when a character is measured: one per document.
    font.cw = defaultdict(face.cw.default_factory, face.cw)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font._hbfont = None
    font.ttfont = ttLib.TTFont(
        path, lazy=True, recalcTimestamp=False, recalcBBoxes=False, fontNumber=face.collection_font_number
    )
    font.ttfont.setGlyphOrder(list(parsed.order))
    for tag in UNUSED_TABLES & set(font.ttfont.keys()):
        # fpdf's subsetter drops these, but only after reading the layout tables in full.
        del font.ttfont[tag]
    # The widths and outlines as decoded once: the subsetter replaces these dicts, never their
    # values, and changes (remaps, trims) only the glyph objects this document made for itself.
    metrics = font.ttfont["hmtx"] = ttLib.newTable("hmtx")
    metrics.metrics = dict(parsed.metrics)
    if parsed.outlines is not None:
        outlines = font.ttfont["glyf"] = ttLib.newTable("glyf")
        outlines.glyphs = _Glyphs(parsed.outlines)
        outlines.glyphOrder = font.ttfont.getGlyphOrder()
        outlines._reverseGlyphOrder = {}
    font.subset = SubsetMap(font)
    return font


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
            self.add_face(name, weight, FONTS_DIR / file)
        super().set_font(family, style, size)

    def add_face(self, family: str, style: str, path: Path) -> None:
        """Add the face at `path` as fpdf's add_font would, from the face parsed once per process."""
        fontkey = family + style
        if fontkey in self.fonts:
            return
        if _parsed(path).font.color_font is not None:
            self.add_font(family, style, path)  # drawn as pictures, tied to its document: never shared
            return
        font = _fresh_font(path, fontkey=fontkey, style=style, number=len(self.fonts) + 1)
        self.fonts[fontkey] = font
        if font.is_cff and font.is_cid_keyed:
            self._set_min_pdf_version("1.6")  # as add_font does for a CID-keyed CFF face (Noto CJK)

    def cover(self, *texts: str) -> None:
        """Read the fallback faces that `texts` need (a name in Arabic, Hindi or Chinese) before drawing them.

        Text in these scripts is then drawn from the fallback face; a script no face on this
        machine draws still prints the stand-in glyph. Draw such text with `cell`/`multi_cell`.
        """
        wanted = {ord(char) for text in texts for char in unicodedata.normalize("NFC", text)}
        loaded = list(getattr(self, "_fallbacks", []))
        for number, (name, ranges) in enumerate(FALLBACK_FACES):
            family = f"fallback{number}"
            if family in loaded or not any(low <= code <= high for code in wanted for low, high in ranges):
                continue
            path = _fallback_file(name)
            if path is None:
                continue
            self.add_face(family, "", path)
            loaded.append(family)
        if loaded:
            self._fallbacks = loaded
            self.set_fallback_fonts(loaded, exact_match=False)
            if not self.text_shaping and find_spec("uharfbuzz") is not None:
                # Arabic joins its letters and runs right to left; Devanagari moves and stacks its
                # vowel signs: only a shaping engine (HarfBuzz) draws them as they are written.
                self.set_text_shaping(use_shaping_engine=True)

    def _render_styled_text_line(self, *args, **kwargs):
        result = super()._render_styled_text_line(*args, **kwargs)
        font = self.current_font
        if getattr(self, "_fallbacks", None) and self.page and font is not None:
            # fpdf 2.8 sets the page's font inside the `q ... Q` it wraps around a line that ends in a
            # fallback face, so the font is gone after `Q` while fpdf believes it is set: the next
            # line in the body font was drawn with the fallback's glyph ids. Set it again outside.
            self._out(f"BT /F{font.i} {self.font_size_pt:.2f} Tf ET")
        return result

    def normalize_text(self, text: str) -> str:
        """Compose accents, and stand in for characters the current font cannot draw."""
        font = self.current_font
        if not isinstance(font, TTFFont):
            return super().normalize_text(text)
        # fpdf would drop a character with no glyph and log it, name and all; we never hand it one.
        cmap = font.cmap
        fallbacks = [self.fonts[family].cmap for family in getattr(self, "_fallbacks", ())]
        text = unicodedata.normalize("NFC", text)
        return "".join(
            char
            if ord(char) in cmap or char in KEEP or any(ord(char) in other for other in fallbacks)
            else _stand_in(char)
            for char in text
        )

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

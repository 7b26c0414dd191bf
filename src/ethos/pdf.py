"""Printable documents in an embedded Unicode font, so that every name prints as it is written.

fpdf's core fonts only know Latin-1, so "Łukasz" or "Дмитрий" used to print as "?". Every
document Ethos prints is a `Document`, which draws its text in DejaVu Sans (shipped in
`ethos/fonts`, with its licence): Latin with its extensions, Greek, Cyrillic, Armenian, Georgian
and common symbols (trimmed to those scripts by tools/subset_fonts.py, which makes each face
quicker to read). Only the glyphs a document uses are embedded, so a letter stays small. Each face
is parsed once per process; a document gets its own copy of whatever printing it changes.

Printing is kept cheap (issue 18) without changing a byte of what is printed; tests/test_pdf.py
prints the same documents with fpdf's own code and compares the files. fpdf 2.8 measures a line
again for every character it adds, looks every character up in the subset again for every line it
draws, and cuts each face with fontTools for every document. Here:
- a face measures text in linear time (`_Font.units`), and draws through its own map of characters
  to subset codes (`_Fragment`);
- a text that plainly fits its line is taken whole, and a wrapped one broken in one pass where
  fpdf's loop would break it (`_LineBreak`, `Document.multi_cell`, `Document.lines`);
- a paragraph's line of plain text, and a cell of one aligned left or right (an invoice's rows), is
  written as the one text object fpdf's `cell` would write, without the fragment and the walk
  through every option a line may have (`Document._plain_line`);
  and the lines of a paragraph marked `static` (a catalog's wording) are kept per process, with
  their bytes in a face whose glyphs every such document picks alike (`Document._static_drawn`);
- fpdf's objects are written from the names that can hold a value (`_object_dict`);
- the subset a face is cut down to is kept per set of glyphs, with its compressed file, in a small
  per-process LRU (`_cut`), as is its compressed glyph map (`_glyph_map`), and embedded as fpdf
  would embed it (`_Output`): a document drawing the same glyphs as a recent one embeds the same
  bytes without cutting the face again; one drawing them in the same order also finds its widths
  and map back to Unicode kept (`_font_tables`). `Document.embed_glyphs` makes documents whose
  changing text (a signature, a hash, the time) would draw other glyphs each time draw the same.
Nothing of a document's text is kept but the lines of what its caller marks static: otherwise only
what is cut from a face, keyed by the glyphs it draws.
"""

from __future__ import annotations

import copy
import threading
import types
import unicodedata
import zlib
from collections import OrderedDict, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.util import find_spec
from io import BytesIO
from pathlib import Path

import fpdf.fpdf
import fpdf.output
from fontTools import subset as ftsubset
from fontTools import ttLib
from fontTools.ttLib.tables._g_l_y_f import Glyph
from fpdf import FPDF
from fpdf.enums import Align, CharVPos, TextEmphasis, TextMode, WrapMode, XPos, YPos
from fpdf.fonts import SubsetMap, TTFFont
from fpdf.line_break import (
    BREAKING_SPACE_SYMBOLS_STR,
    FORM_FEED,
    NBSP,
    NEWLINE,
    SOFT_HYPHEN,
    CurrentLine,
    Fragment,
    MultiLineBreak,
)
from fpdf.output import (
    LOGGER,
    CIDSystemInfo,
    OutputProducer,
    PDFFont,
    PDFFontStream,
    _build_cmap_blocks,
    _dimensions_to_mediabox,
    _tt_font_widths,
)
from fpdf.syntax import Name, PDFArray, PDFContentStream, PDFObject, camel_case
from fpdf.syntax import create_dictionary_string as pdf_dict
from fpdf.util import FloatTolerance

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
    # The characters the face draws, and the layout characters fpdf handles itself.
    drawn: frozenset[str]


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
                drawn = frozenset(map(chr, font.cmap)) | KEEP
                face = _FACES[path] = _Face(font, order, metrics, outlines, drawn)
    return face


# How many strings a document's face remembers the width of before it starts again.
MEASURED = 4096


_TTFONT = TTFFont.ttfont  # where fpdf keeps a face's fontTools font (a slot)


class _Font(TTFFont):
    """A document's own copy of a face, which measures text in linear rather than quadratic time.

    fpdf's line breaking measures the line so far again for every character it adds, so a line
    of n characters costs n²/2 width lookups. The face remembers each string's width (in font
    units, exact integers, so the sum is the same whichever way it is added up) and measures a
    string one character longer than one it knows by adding that character's width.
    """

    __slots__ = ("_measured", "codes", "drawn", "escaped", "opener", "picked")

    @property
    def ttfont(self) -> ttLib.TTFont:
        """The document's own fontTools font, opened on first use."""
        ttfont = self.opened
        if ttfont is None and self.opener is not None:
            ttfont, self.opener = self.opener(), None
            _TTFONT.__set__(self, ttfont)
        return ttfont

    @ttfont.setter
    def ttfont(self, value) -> None:
        _TTFONT.__set__(self, value)
        self.opener = None

    @property
    def opened(self) -> ttLib.TTFont | None:
        """The fontTools font if the document opened it, without opening it."""
        try:
            return _TTFONT.__get__(self, _Font)
        except AttributeError:
            return None

    def units(self, text: str) -> int:
        """The width of `text` in thousandths of the font size, as fpdf sums it."""
        measured = self._measured
        units = measured.get(text)
        if units is None:
            widths = self.cw
            prefix = measured.get(text[:-1]) if len(text) > 1 else None
            if prefix is None:
                units = sum(map(widths.__getitem__, map(ord, text)))
            else:
                units = prefix + widths[ord(text[-1])]
            if len(measured) >= MEASURED:
                measured.clear()
            measured[text] = units
        return units

    def get_text_width(self, text, font_size_pt, text_shaping_params):
        if text_shaping_params or self.is_symbol or not hasattr(self, "_measured"):
            return super().get_text_width(text, font_size_pt, text_shaping_params)
        if font_size_pt > self.biggest_size_pt:
            self.biggest_size_pt = font_size_pt
        return len(text), self.units(text) * font_size_pt * 0.001


# Characters that make fpdf's line breaking do more than add a character to the line.
_SPECIAL = frozenset({NEWLINE, FORM_FEED, SOFT_HYPHEN, NBSP})
# How far inside its width a line must end to be taken whole: fpdf adds the widths up character by
# character, which can differ from the width of the whole in the last bits of a float.
SLACK = 1e-6
# The multi_cell options under which a text that fits on a line is drawn just as `cell` draws it.
_ONE_LINE = frozenset({"align", "border", "fill", "link", "new_x", "new_y"})
# The cell options under which a line of plain text is written directly (`Document.cell`), and the
# moves after it that are written there.
_DIRECT_CELL = _ONE_LINE
_DIRECT_X = (XPos.LEFT, XPos.RIGHT, XPos.LMARGIN)


class _LineBreak(MultiLineBreak):
    """fpdf's line breaking, which takes the rest of a text as one line when it plainly fits.

    fpdf adds a text to a line one character at a time, measuring the line again at each, even when
    the whole text fits (a name, an amount, the last line of a paragraph): most of a receipt's
    layout time. When what is left is one run in one of our faces, unshaped, with no line break,
    soft hyphen or no-break space in it, and its whole width is inside the line, no character could
    have broken it: this makes the very line fpdf's loop would have made, in one step. Anything
    else, and a text that only just fits, is broken by fpdf as before.
    """

    def get_line(self):
        return self._whole_rest() or super().get_line()

    def _whole_rest(self):
        if self.skip_leading_spaces or self.fragment_index != len(self.fragments) - 1:
            return None
        fragment = self.fragments[self.fragment_index]
        rest = fragment.characters[self.character_index :]
        if (
            not rest
            or not isinstance(fragment.font, _Font)
            or fragment.text_shaping_parameters
            or fragment.char_spacing
            or fragment.font_stretching != 100
            or not _SPECIAL.isdisjoint(rest)
            or fragment.font_size <= 0
        ):
            return None
        height = fragment.font_size
        max_width = self.get_width(height)
        line = CurrentLine(
            max_width=max_width,
            print_sh=self.print_sh,
            indent=self.first_line_indent if self._is_first_line else 0,
        )
        for margin in self.margins:
            max_width -= float(margin)
        if self._is_first_line:
            max_width -= self.first_line_indent
        piece = fragment.clone(characters=rest, link=fragment.link)
        width = piece.get_width(initial_cs=False)
        if not width:
            return None
        if width > max_width - SLACK:
            end = self._break_at(fragment, rest, max_width)
            if end is None:
                return None
            piece.trim(end)
            line.fragments = [piece]
            line.height = height * self.line_height
            line.number_of_spaces = sum(character in BREAKING_SPACE_SYMBOLS_STR for character in rest[:end])
            self.idx_last_forced_break = None
            self.character_index += end + 1  # the space the line broke at is dropped
            self._is_first_line = False
            return line.manual_break(self.align)
        line.fragments = [piece]
        line.height = height * self.line_height
        line.number_of_spaces = sum(character in BREAKING_SPACE_SYMBOLS_STR for character in rest)
        self.idx_last_forced_break = None
        self.fragment_index += 1
        self.character_index = 0
        self._is_first_line = False
        return line.manual_break(Align.L if self.align == Align.J else self.align)

    def _break_at(self, fragment, rest: list[str], max_width: float) -> int | None:
        """Where fpdf's loop would end the line `rest` begins: before the space it breaks at.

        fpdf adds characters while the line so far plus the next one fits (widths in the same
        floating point steps as fpdf's), and breaks at the character that does not fit if it is a
        space, else at the last space before it. None if it would break otherwise (no space yet,
        wrapping by character) or the text fits: then fpdf's own loop decides.
        """
        if self.wrapmode != WrapMode.WORD:
            return None
        widths = fragment.font.cw
        size = fragment.font_size_pt
        k = fragment.k
        units = 0
        space = None
        for index, character in enumerate(rest):
            unit = widths[ord(character)]
            if FloatTolerance.greater_than(units * size * 0.001 / k + unit * size * 0.001 / k, max_width):
                end = index if character in BREAKING_SPACE_SYMBOLS_STR else space
                return end or None  # a line must keep at least a character
            if character in BREAKING_SPACE_SYMBOLS_STR:
                space = index
            units += unit
        return None


class _Fragment(Fragment):
    """A run of text to draw, which maps its characters to the subset's codes once per document.

    fpdf looks each character of each line up in the subset again (`SubsetMap.pick`), through
    a property and a cache: most of drawing a line. The face keeps what each character maps to
    (looked up by `pick`, in the order the text uses them, so the codes are the ones fpdf gives).
    """

    def render_pdf_text_ttf(self, frag_ws: float, word_spacing: float) -> str:
        font = self.font
        if not isinstance(font, _Font):
            return super().render_pdf_text_ttf(frag_ws, word_spacing)
        codes = font.codes
        characters = self.characters
        if not codes.keys() >= set(characters):
            pick = font.subset.pick
            for char in characters:
                if char not in codes:
                    mapped_char = pick(ord(char))
                    codes[char] = chr(mapped_char) if mapped_char else ""
        mapped_text = "".join(map(codes.__getitem__, characters))
        if not word_spacing:
            return f"({font.escape_text(mapped_text)}) Tj"
        # A justified line, as fpdf writes it: each space moved by the spacing, word by word (two-byte
        # codes leave the PDF's own word spacing, Tw, without effect).
        if " " not in codes:
            mapped_char = font.subset.pick(ord(" "))
            codes[" "] = chr(mapped_char) if mapped_char else ""
        if not codes[" "]:
            return super().render_pdf_text_ttf(frag_ws, word_spacing)
        u_space = font.escape_text(" ")
        adj = -(frag_ws * self.k) * 1000 / self.font_size_pt
        first, *rest = (font.escape_text(word) for word in mapped_text.split(codes[" "]))
        words = [f"({first})", *(f"{adj:.3f}({u_space}{word})" for word in rest)]
        return f"[{' '.join(words)}] TJ"


# fpdf's multi_cell and write look the line breaking up in fpdf's module when they run: they find
# this one, which differs from fpdf's own only for text in the faces above.
fpdf.fpdf.MultiLineBreak = _LineBreak


def _open(path: Path, parsed: _Face) -> ttLib.TTFont:
    """Open the face at `path` for one document's subset, from what was read of it once."""
    ttfont = ttLib.TTFont(
        path,
        lazy=True,
        recalcTimestamp=False,
        recalcBBoxes=False,
        fontNumber=parsed.font.collection_font_number,
    )
    ttfont.setGlyphOrder(list(parsed.order))
    for tag in UNUSED_TABLES & set(ttfont.keys()):
        # fpdf's subsetter drops these, but only after reading the layout tables in full.
        del ttfont[tag]
    # The widths and outlines as decoded once: the subsetter replaces these dicts, never their
    # values, and changes (remaps, trims) only the glyph objects this document made for itself.
    metrics = ttfont["hmtx"] = ttLib.newTable("hmtx")
    metrics.metrics = dict(parsed.metrics)
    if parsed.outlines is not None:
        outlines = ttfont["glyf"] = ttLib.newTable("glyf")
        outlines.glyphs = _Glyphs(parsed.outlines)
        outlines.glyphOrder = ttfont.getGlyphOrder()
        outlines._reverseGlyphOrder = {}
    return ttfont


def _fresh_font(path: Path, *, fontkey: str, style: str, number: int) -> TTFFont:
    """Return a document's own copy of the face at `path`, sharing only what it never changes.

    The fontTools font is opened again when the document first needs it (to shape text, or to cut
    a subset not already cut), and then lazily (only the table directory is read): fpdf's
    subsetter cuts it down to the document's glyphs in place, so it can never be shared. It is
    given the glyph order read the first time (a face without glyph names would rebuild it from
    its character map, about ten milliseconds), and it keeps the face's bounding boxes instead of
    expanding every embedded glyph to measure them again: the subset's boxes lie inside them.
    """
    parsed = _parsed(path)
    face = parsed.font
    font = _Font.__new__(_Font)
    font._measured = {}
    font.codes = {}
    font.escaped = {}
    font.picked = None
    font.drawn = parsed.drawn
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
    # fpdf's output numbers the descriptor and points it at the document's font file: one each.
    font.desc = copy.copy(face.desc)
    font._hbfont = None
    font.opener = lambda: _open(path, parsed)
    font.subset = SubsetMap(font)
    return font


# -- the embedded subsets, cut once per set of glyphs --------------------------------------------
#
# At output fpdf cuts each face down to the glyphs the document used (fontTools' subsetter), which
# cost a receipt more than its layout. The cut depends only on the face and that set of glyphs, so
# it is kept, per process, for the most recently used sets: a document drawing the same glyphs as
# an earlier one embeds the very same bytes. What is kept is the font program alone (the glyphs),
# never a document: each document still writes its own text, widths and character map.
SUBSETS = 64  # sets of glyphs kept, per process, over all faces
_SUBSETS: OrderedDict[tuple, _Subset] = OrderedDict()
_SUBSETS_LOCK = threading.Lock()


@dataclass(frozen=True)
class _Subset:
    """A face cut down to some glyphs, as fpdf embeds it: the font file, its CFF program, its glyph ids."""

    data: bytes
    cff: bytes | None
    glyph_ids: dict[str, int]
    packed: bytes  # the font file compressed, as fpdf's output compresses it


class _Cut:
    """Stands in for a document's fontTools font once its subset is cut: what fpdf's output reads of it."""

    def __init__(self, subset: _Subset) -> None:
        self._subset = subset

    def getGlyphID(self, name: str) -> int:
        return self._subset.glyph_ids[name]

    def save(self, file) -> None:
        file.write(self._subset.data)

    def __contains__(self, tag: str) -> bool:
        return tag == "CFF " and self._subset.cff is not None

    def __getitem__(self, tag: str):
        if tag not in self:
            raise KeyError(tag)
        return types.SimpleNamespace(compile=lambda font: self._subset.cff)

    def close(self) -> None:
        pass


class _Subsetter(ftsubset.Subsetter):
    """fontTools' subsetter, which leaves a subset already cut (a `_Cut`) as it is."""

    def subset(self, font) -> None:
        if not isinstance(font, _Cut):
            super().subset(font)


# fpdf's output looks the subsetter up in its module at each document: it finds this one, which
# differs from fontTools' own only for the stand-in above.
fpdf.output.ftsubset = types.SimpleNamespace(Options=ftsubset.Options, Subsetter=_Subsetter)


# fpdf serialises most of a document's objects (pages, content streams, fonts) by reading every
# name `dir()` gives for the object, methods included, and camel-casing each name it keeps, for
# every object of every document: half the time it took to write the compliance report's file.
# `_object_dict` builds the same dictionary from the names that can hold a value (found once per
# class) and the camel-cased names kept; tests/test_pdf.py compares it with fpdf's for each object.
_FPDF_OBJECT_DICT = PDFObject._build_obj_dict
_VALUE_NAMES: dict[type, frozenset[str]] = {}
_PDF_NAMES: dict[str, str] = {}
# The sorted names by class and an instance's own attribute names: a few dozen pairs in all.
_SORTED_NAMES: dict[tuple[type, tuple[str, ...]], tuple[str, ...]] = {}


def _value_names(cls: type) -> frozenset[str]:
    """The names in `dir()` of an instance of `cls` that fpdf may write, but for its own attributes.

    fpdf skips a name starting with "_", "id", "ref" and any callable value: a method, or a class
    kept on the class, is callable on every instance; a property or a slot is read on each.
    """
    names = _VALUE_NAMES.get(cls)
    if names is None:
        names = frozenset(
            name
            for name in dir(cls)
            if not name.startswith("_") and name not in ("id", "ref") and not callable(getattr(cls, name))
        )
        _VALUE_NAMES[cls] = names
    return names


def _pdf_name(key: str) -> str:
    name = _PDF_NAMES.get(key)
    if name is None:
        name = _PDF_NAMES[key] = f"/{camel_case(key)}"
    return name


def _names(cls: type, own: tuple[str, ...]) -> tuple[str, ...]:
    """The names fpdf may write for an instance of `cls` with attributes `own`, sorted as dir() sorts them."""
    key = (cls, own)
    names = _SORTED_NAMES.get(key)
    if names is None:
        mine = (name for name in own if not name.startswith("_") and name not in ("id", "ref"))
        names = tuple(sorted(_value_names(cls).union(mine)))
        if len(_SORTED_NAMES) >= 1024:  # never reached by fpdf's objects; bounded all the same
            _SORTED_NAMES.clear()
        _SORTED_NAMES[key] = names
    return names


def _object_dict(self: PDFObject, security_handler=None) -> dict[str, object]:
    """fpdf 2.8's `PDFObject._build_obj_dict` and `build_obj_dict`, the same dictionary in the same order."""
    own = getattr(self, "__dict__", None)
    names = _names(type(self), tuple(own) if own else ())
    obj_id = self.id
    obj_dict = {}
    for key in names:
        value = getattr(self, key)
        if value is None or callable(value):
            continue
        if hasattr(value, "value"):  # e.g. an Enum
            value = value.value
        if isinstance(value, PDFObject):  # indirect object reference
            value = value.ref
        elif hasattr(value, "serialize"):  # e.g. PDFArray, PDFString, Name
            value = value.serialize(_security_handler=security_handler, _obj_id=obj_id)
        elif isinstance(value, bool):
            value = str(value).lower()
        obj_dict[_pdf_name(key)] = value
    return obj_dict


# Only for the fpdf this was written against; any other serialises as it always did.
if fpdf.FPDF_VERSION.startswith("2.8."):
    PDFObject._build_obj_dict = _object_dict


def _cut(font: TTFFont) -> _Subset:
    """Return `font` (a document's face) cut down to the glyphs it used, as fpdf's output cuts it."""
    names = frozenset(font.subset.get_all_glyph_names())
    key = (str(font.ttffile), font.collection_font_number, names)
    with _SUBSETS_LOCK:
        subset = _SUBSETS.get(key)
        if subset is not None:
            _SUBSETS.move_to_end(key)
            return subset
    # As fpdf.output cuts it (_add_fonts), with the same options and tables dropped.
    ttfont = font.ttfont
    options = ftsubset.Options(notdef_outline=True, recommended_glyphs=True)
    options.drop_tables += sorted(UNUSED_TABLES)
    subsetter = ftsubset.Subsetter(options)
    subsetter.populate(glyphs=sorted(names))
    subsetter.subset(ttfont)
    file = BytesIO()
    ttfont.save(file)
    cff = ttfont["CFF "].compile(ttfont) if font.is_cff and font.is_cid_keyed and "CFF " in ttfont else None
    data = file.getvalue()
    glyph_ids = {name: ttfont.getGlyphID(name) for name in names}
    subset = _Subset(data, cff, glyph_ids, zlib.compress(data, level=PDFContentStream._COMPRESSION_LEVEL))
    with _SUBSETS_LOCK:
        _SUBSETS[key] = subset
        while len(_SUBSETS) > SUBSETS:
            _SUBSETS.popitem(last=False)
    return subset


# Which glyph each character code of a subset draws (fpdf's CIDToGIDMap), compressed: a 128 KB table,
# almost all zeros, that fpdf built one character at a time and compressed for each face of each
# document. It depends only on which glyphs a document used, in the order it first used them.
GLYPH_MAPS = 64  # tables kept, per process
_GLYPH_MAPS: OrderedDict[bytes, bytes] = OrderedDict()


def _glyph_map(code_to_glyph: dict[int, int]) -> bytes:
    """Return fpdf's CIDToGIDMap for `code_to_glyph`, compressed as fpdf compresses it."""
    table = bytearray(256 * 256 * 2)
    for code, glyph in code_to_glyph.items():
        table[code * 2 : code * 2 + 2] = glyph.to_bytes(2, "big")
    used = bytes(table[: 2 * (max(code_to_glyph, default=0) + 1)])
    with _SUBSETS_LOCK:
        packed = _GLYPH_MAPS.get(used)
        if packed is not None:
            _GLYPH_MAPS.move_to_end(used)
            return packed
    packed = zlib.compress(table, level=PDFContentStream._COMPRESSION_LEVEL)
    with _SUBSETS_LOCK:
        _GLYPH_MAPS[used] = packed
        while len(_GLYPH_MAPS) > GLYPH_MAPS:
            _GLYPH_MAPS.popitem(last=False)
    return packed


def _packed(stream: PDFContentStream, packed: bytes) -> PDFContentStream:
    """Give `stream` contents already compressed, exactly as fpdf would have compressed them."""
    stream._contents = packed
    stream.filter = Name("FlateDecode")
    stream.length = len(packed)
    return stream


class _Output(OutputProducer):
    """fpdf's output, embedding each face from its subset cut once (see `_cut`).

    A document whose faces are all ours, with TrueType outlines, is embedded here as fpdf 2.8's
    `_add_fonts` embeds it, object for object and byte for byte, but from the kept subset and its
    compressed file, and with the glyph map built at once instead of character by character. Any
    other document (a colour or CFF face, PDF/A-1) goes through fpdf's own, with the subsets cut
    here all the same.
    """

    def _add_pages(self, _slice: slice = slice(0, None)):
        """fpdf 2.8's `_add_pages`, with the pages compressed at the document's `compression_level`."""
        fpdf = self.fpdf
        level = getattr(fpdf, "compression_level", None)
        if level is None or not fpdf.compress:
            return super()._add_pages(_slice)
        page_objs = []
        for page_obj in list(self._iter_pages_in_order())[_slice]:
            if fpdf.pdf_version > "1.3" and fpdf.allow_images_transparency:
                page_obj.group = pdf_dict(
                    {"/Type": "/Group", "/S": "/Transparency", "/CS": "/DeviceRGB"}, field_join=" "
                )
            if page_obj.dimensions() != fpdf.default_page_dimensions:
                page_obj.media_box = _dimensions_to_mediabox(page_obj.dimensions())
            self._add_pdf_obj(page_obj, "pages")
            page_objs.append(page_obj)
            contents = zlib.compress(page_obj.contents, level=level)
            cs_obj = _packed(PDFContentStream(b""), contents)
            self._add_pdf_obj(cs_obj, "pages")
            page_obj.contents = cs_obj
        return page_objs

    def _add_fonts(self, *args, **kwargs):
        fonts = sorted(self.fpdf.fonts.values(), key=lambda font: font.i)
        compliance = self.fpdf._compliance
        if all(
            isinstance(font, _Font) and not font.is_cff and not font.color_font for font in fonts
        ) and not (compliance and compliance.profile == "PDFA" and compliance.part == 1):
            return {font.i: self._embed(font) for font in fonts}
        for font in fonts:
            if isinstance(font, _Font) and not isinstance(font.opened, _Cut):
                _settle(font)
        return super()._add_fonts(*args, **kwargs)

    def _embed(self, font: _Font) -> PDFFont:
        """Embed one face as fpdf's `_add_fonts` embeds a TrueType face (its `TTFFont` branch)."""
        fontname = f"MPDFAA+{font.name}"
        if len(font.missing_glyphs) > 0:
            msg = ", ".join(
                f"'{chr(x)}' ({chr(x).encode('unicode-escape').decode()})" for x in font.missing_glyphs[:10]
            )
            if len(font.missing_glyphs) > 10:
                msg += f", ... (and {len(font.missing_glyphs) - 10} others)"
            LOGGER.warning("Font %s is missing the following glyphs: %s", fontname, msg)
        subset = _settle(font)
        tables = _font_tables(font, subset)
        composite_font_obj = PDFFont(subtype="Type0", base_font=fontname, encoding="Identity-H")
        self._add_pdf_obj(composite_font_obj, "fonts")
        cid_font_obj = PDFFont(
            subtype="CIDFontType2", base_font=fontname, d_w=font.desc.missing_width, w=tables.widths
        )
        self._add_pdf_obj(cid_font_obj, "fonts")
        composite_font_obj.descendant_fonts = PDFArray([cid_font_obj])
        to_unicode_obj = PDFContentStream(tables.to_unicode)
        self._add_pdf_obj(to_unicode_obj, "fonts")
        composite_font_obj.to_unicode = to_unicode_obj
        cid_system_info_obj = CIDSystemInfo()
        self._add_pdf_obj(cid_system_info_obj, "fonts")
        cid_font_obj.c_i_d_system_info = cid_system_info_obj
        font_descriptor_obj = font.desc
        font_descriptor_obj.font_name = Name(fontname)
        self._add_pdf_obj(font_descriptor_obj, "fonts")
        cid_font_obj.font_descriptor = font_descriptor_obj
        cid_to_gid_map_obj = _packed(PDFContentStream(b""), tables.glyph_map)
        self._add_pdf_obj(cid_to_gid_map_obj, "fonts")
        cid_font_obj.c_i_d_to_g_i_d_map = cid_to_gid_map_obj
        font_file_cs_obj = _packed(PDFFontStream(b""), subset.packed)
        font_file_cs_obj.length1 = len(subset.data)
        self._add_pdf_obj(font_file_cs_obj, "fonts")
        font_descriptor_obj.font_file2 = font_file_cs_obj
        font.subset.pick.cache_clear()
        font.subset.get_glyph.cache_clear()
        font.close()
        return composite_font_obj


# What a face's embedding says of the glyphs a document used, in the order it used them: the widths,
# the map back to Unicode (for copying and search) and the glyph map. A report drawing the same
# glyphs as the one before, in the same order (ethos.standards.export embeds its glyphs up front),
# embeds the same tables: they are kept for the most recent orders, per process.
FONT_TABLES = 64  # orders of glyphs kept, per process
_FONT_TABLES: OrderedDict[tuple, _Tables] = OrderedDict()


@dataclass(frozen=True)
class _Tables:
    widths: str
    to_unicode: bytes
    glyph_map: bytes  # compressed


def _font_tables(font: _Font, subset: _Subset) -> _Tables:
    """Return the tables fpdf's `_add_fonts` writes for `font`, the glyphs it used in `subset`."""
    used = [(glyph, char_id) for glyph, char_id in font.subset.items() if glyph is not None]
    key = (
        str(font.ttffile),
        font.collection_font_number,
        tuple(
            (glyph.glyph_id, glyph.glyph_name, glyph.unicode, glyph.glyph_width, char_id)
            for glyph, char_id in used
        ),
    )
    with _SUBSETS_LOCK:
        tables = _FONT_TABLES.get(key)
        if tables is not None:
            _FONT_TABLES.move_to_end(key)
            return tables
    code_to_glyph = {char_id: subset.glyph_ids[glyph.glyph_name] for glyph, char_id in used}

    def format_code(unicode: int) -> str:
        if unicode > 0xFFFF:
            code_high = 0xD800 | (unicode - 0x10000) >> 10
            code_low = 0xDC00 | (unicode & 0x3FF)
            return f"{code_high:04X}{code_low:04X}"
        return f"{unicode:04X}"

    bf_char = [
        f"<{code_mapped:04X}> <{''.join(format_code(code) for code in glyph.unicode)}>\n"
        for glyph, code_mapped in used
        if isinstance(glyph.unicode, tuple) and len(glyph.unicode) > 0
    ]
    to_unicode = (
        "/CIDInit /ProcSet findresource begin\n"
        "12 dict begin\n"
        "begincmap\n"
        "/CIDSystemInfo\n"
        "<</Registry (Adobe)\n"
        "/Ordering (UCS)\n"
        "/Supplement 0\n"
        ">> def\n"
        "/CMapName /Adobe-Identity-UCS def\n"
        "/CMapType 2 def\n"
        "1 begincodespacerange\n"
        "<0000> <FFFF>\n"
        "endcodespacerange\n"
        f"{_build_cmap_blocks(bf_char, 'bfchar')}"
        "endcmap\n"
        "CMapName currentdict /CMap defineresource pop\n"
        "end\n"
        "end"
    ).encode("latin-1")
    tables = _Tables(_tt_font_widths(font), to_unicode, _glyph_map(code_to_glyph))
    with _SUBSETS_LOCK:
        _FONT_TABLES[key] = tables
        while len(_FONT_TABLES) > FONT_TABLES:
            _FONT_TABLES.popitem(last=False)
    return tables


# The glyphs `Document.embed_glyphs` picked into a fresh face, by face and characters: the subset
# map's glyphs and codes, as picking them one by one leaves them, and what each character then
# maps to and is written as (`_Font.codes`, `_Font.escaped`). Glyphs are values (a face's id,
# name and width), never changed once made; each document gets its own copy of the maps.
EMBEDDED = 16
_EMBEDDED: dict[tuple, _Picked] = {}


@dataclass(frozen=True)
class _Picked:
    ids: dict
    after: int
    reserved: list[int]
    codes: dict[str, str]
    escaped: dict[str, str]
    # The static paragraphs drawn in a face so picked, by size, width and text: each line's bytes
    # after its position, the same in every such document (`Document._static_drawn`).
    drawn: dict[tuple, tuple[bytes, ...]] = field(default_factory=dict, compare=False)


def _settle(font: _Font) -> _Subset:
    """Cut `font`'s subset (or find it cut) and leave it in place of the document's fontTools font."""
    if isinstance(font.opened, _Cut):
        return font.opened._subset
    subset = _cut(font)
    if font.opened is not None:
        font.opened.close()
    font.ttfont = _Cut(subset)
    return subset


def _stand_in(char: str) -> str:
    category = unicodedata.category(char)
    if category in ("Cc", "Cf", "Mn", "Me"):
        return ""  # controls, joiners, variation selectors and marks draw nothing on their own
    if category == "Zs":
        return " "
    return MISSING_GLYPH


# The lines of paragraphs that are the same in every document (the compliance report's catalog
# wording), by face, size, width and text: breaking them again was a fifth of the report's build.
# Only text a caller marks `static` is kept, so nothing a document says about a person is.
def _drawn(font: _Font, text: str) -> str:
    """`text` as fpdf writes it in `font`: each character's code in the document's subset.

    Codes are picked in the order the document first draws each character, and written in
    UTF-16 with parentheses and backslashes escaped; each character is looked up once per face.
    """
    escaped = font.escaped
    try:
        return "".join(map(escaped.__getitem__, text))
    except KeyError:
        codes, pick = font.codes, font.subset.pick
        for char in text:
            if char not in escaped:
                if char not in codes:
                    mapped_char = pick(ord(char))
                    codes[char] = chr(mapped_char) if mapped_char else ""
                escaped[char] = font.escape_text(codes[char])
        return "".join(map(escaped.__getitem__, text))


STATIC_LINES = 1024  # paragraphs kept, per process
_STATIC: OrderedDict[tuple, tuple[str, ...]] = OrderedDict()
_STATIC_LOCK = threading.Lock()


# Every printable ASCII character: what the changing lines of a document printed on each download
# hold (numbers, dates, hashes, base64, ASCII names). See `Document.printed_on_every_download`.
PRINTABLE = "".join(map(chr, range(0x20, 0x7F)))


# The styles `Document.set_font` sets itself, as fpdf's set_font reads them (a new page sets the
# face again with its TextEmphasis).
_QUICK_STYLES = {"": "", "B": "B", "b": "B", TextEmphasis.NONE: "", TextEmphasis.B: "B"}


class Document(FPDF):
    """An A4 PDF whose text is drawn in DejaVu (regular, bold, mono), embedded as a subset."""

    # zlib's level for the pages' contents; None is fpdf's (zlib's default, 6). A long document
    # printed on every download (the compliance report) trades a few kilobytes for time with 1.
    compression_level: int | None = None

    def __init__(self, *, title: str, compress: bool = True) -> None:
        super().__init__(format="A4")
        self.set_compression(compress)
        self.set_title(title)
        self.set_creator("Ethos")
        self.set_font(SANS, size=11)

    def printed_on_every_download(self) -> None:
        """Set up a document built anew on each download (the compliance report, an invoice).

        Its pages are compressed at level 1 (a few kilobytes more, less time), and both sans
        faces embed PRINTABLE whether drawn or not, so that one document after another embeds
        the same subsets, cut once per process instead of on every download (`embed_glyphs`).
        Called before anything is drawn.
        """
        self.compression_level = 1
        for style in ("B", ""):
            self.set_font(SANS, style=style)
            self.embed_glyphs(PRINTABLE)

    def output(self, name="", *, linearize: bool = False, output_producer_class=_Output):
        return super().output(name, linearize=linearize, output_producer_class=output_producer_class)

    def cell(self, w: float | None = None, h: float | None = None, text: str = "", *args, **kwargs) -> bool:
        """fpdf's cell; a line of plain text (`_plain`), aligned left or right, is written directly.

        It draws the same bytes as fpdf's cell (`_plain_line`) without the fragment and the walk
        through every option a line may have: an invoice of a long history is mostly such cells.
        """
        if (
            not args
            and isinstance(w, int | float)
            and isinstance(h, int | float | None)
            and isinstance(text, str)
            and text
            and _DIRECT_CELL.issuperset(kwargs)
        ):
            align = Align.coerce(kwargs.get("align", Align.L))
            new_x = XPos.coerce(kwargs.get("new_x", XPos.RIGHT))
            new_y = YPos.coerce(kwargs.get("new_y", YPos.TOP))
            if (
                align in (Align.L, Align.R)
                and new_x in _DIRECT_X
                and new_y in (YPos.TOP, YPos.NEXT)
                and not kwargs.get("border")
                and not kwargs.get("fill")
                and not kwargs.get("link")
            ):
                font = self._plain(text)
                if font is not None:
                    height = self.font_size if h is None else h
                    broke = self._plain_line(font, height, text, w=w, align=align, new_x=new_x, new_y=new_y)
                    if broke is not None:
                        return broke
        return super().cell(w, h, text, *args, **kwargs)

    def multi_cell(self, w: float, h: float | None = None, text: str = "", *args, **kwargs):
        """fpdf's multi_cell; a text that plainly fits on one line is drawn as the cell fpdf would draw.

        fpdf lays such a text out as one line, left-aligned (a justified last line is), and draws it
        as `cell` draws a line: `cell` does that without breaking the text into lines first.
        """
        if not args and self.page and _ONE_LINE.issuperset(kwargs) and self._one_line(w, text, kwargs):
            return self.cell(
                w,
                h,
                text,
                align=Align.L,
                link=kwargs.get("link"),
                new_x=kwargs.get("new_x", XPos.RIGHT),
                new_y=kwargs.get("new_y", YPos.NEXT),
            )
        return super().multi_cell(w, h, text, *args, **kwargs)

    def _one_line(self, w: float, text: str, options: dict) -> bool:
        """Whether multi_cell would lay `text` out as one line drawn just as `cell` draws it."""
        font = self.current_font
        if (
            Align.coerce(options.get("align", Align.J)) not in (Align.J, Align.L)
            or options.get("border", 0)
            or options.get("fill", False)
            or not isinstance(font, _Font)
            or font.is_symbol
            or self.text_shaping
            or self._fallback_font_ids
            or self.char_spacing
            or self.font_stretching != 100
            or self.char_vpos != CharVPos.LINE
        ):
            return False
        text = self.normalize_text(text)
        if not text or "\r" in text or not _SPECIAL.isdisjoint(text):
            return False
        room = (w or self.w - self.r_margin - self.x) - 2 * self.c_margin
        width = self._width(text)
        return 0 < width <= room - SLACK

    def set_font(self, family: str | None = None, style: str | TextEmphasis = "", size: float = 0) -> None:
        quick = _QUICK_STYLES.get(style)
        if quick is not None:
            name = (family or self.font_family).lower()
            font = self.fonts.get(name + quick)
            if font is not None and name not in ("symbol", "zapfdingbats"):
                # What fpdf's set_font does for a face the document has, in a style with no
                # underline or strikethrough, without parsing the style and checking the name: a
                # long document changes face a hundred times.
                self.underline = self.strikethrough = False
                size = size or self.font_size_pt
                if (
                    self.font_family != name
                    or self.font_style != quick
                    or not FloatTolerance.equal(self.font_size_pt, size)
                    or (self.current_font is not None and self.current_font.fontkey != name + quick)
                ):
                    self.font_family, self.font_style, self.font_size_pt = name, quick, size
                    self.current_font = font
                    self.current_font_is_set_on_page = False
                return
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

    def embed_glyphs(self, characters: str) -> None:
        """Embed the current face's glyphs for `characters`, whether or not the document draws them.

        A face is embedded cut down to the glyphs a document draws, and a cut is kept per set of
        glyphs (`_cut`): a document that draws a signature, a hash or the time draws a different
        set each time, and had its face cut again (tens of milliseconds). Called before drawing in
        the face, with every character such text may hold, it makes these documents embed the same
        subset, in the same order, cut once per process. Characters the face does not draw are left out.

        Into a face the document has drawn nothing in yet, the glyphs are picked as they were for the
        last document that embedded the same characters in it (`_EMBEDDED`): picking each one again
        was a tenth of printing an invoice.
        """
        font = self.current_font
        if not isinstance(font, TTFFont):
            return
        subset = font.subset
        # Nothing picked yet: a pick of any glyph but the reserved two moves the next code on.
        fresh = isinstance(font, _Font) and subset._next == 0 and not font.codes
        key = (str(font.ttffile), font.collection_font_number, characters)
        if fresh:
            with _SUBSETS_LOCK:
                picked = _EMBEDDED.get(key)
            if picked is not None:
                subset._char_id_per_glyph, subset._next = dict(picked.ids), picked.after
                subset._reserved = list(picked.reserved)
                # The same glyphs in the same order: each character maps to the same code.
                font.codes.update(picked.codes)
                font.escaped.update(picked.escaped)
                font.picked = picked
                return
        pick, cmap = subset.pick, font.cmap
        embedded = [char for char in unicodedata.normalize("NFC", characters) if ord(char) in cmap]
        for char in embedded:
            pick(ord(char))
        if fresh:
            # What `_drawn` and `_Fragment` would look up for each character, picked already.
            codes = {char: chr(code) if (code := pick(ord(char))) else "" for char in embedded}
            escaped = {char: font.escape_text(code) for char, code in codes.items()}
            ids, reserved = dict(subset._char_id_per_glyph), list(subset._reserved)
            font.picked = _Picked(ids, subset._next, reserved, codes, escaped)
            with _SUBSETS_LOCK:
                _EMBEDDED[key] = font.picked
                while len(_EMBEDDED) > EMBEDDED:
                    _EMBEDDED.pop(next(iter(_EMBEDDED)))

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
                self._shaped_by_cover = True

    def uncover(self) -> None:
        """Draw what follows in the document's own faces again, unshaped, as before `cover`.

        What was drawn from the fallback faces stays as it is, and they stay embedded. A long
        document that names a person once (the compliance report's coach) covers that line only:
        shaping every line of it took the report from about 15 ms to over half a second.
        """
        if getattr(self, "_fallbacks", None):
            self.set_fallback_fonts([])
            self._fallbacks = []
        if getattr(self, "_shaped_by_cover", False):
            self.set_text_shaping(use_shaping_engine=False)
            self._shaped_by_cover = False

    def _render_styled_text_line(self, *args, **kwargs):
        result = super()._render_styled_text_line(*args, **kwargs)
        font = self.current_font
        if getattr(self, "_fallbacks", None) and self.page and font is not None:
            # fpdf 2.8 sets the page's font inside the `q ... Q` it wraps around a line that ends in a
            # fallback face, so the font is gone after `Q` while fpdf believes it is set: the next
            # line in the body font was drawn with the fallback's glyph ids. Set it again outside.
            self._out(f"BT /F{font.i} {self.font_size_pt:.2f} Tf ET")
        return result

    def _preload_font_styles(self, *args, **kwargs):
        fragments = super()._preload_font_styles(*args, **kwargs)
        for fragment in fragments:
            if type(fragment) is Fragment:
                fragment.__class__ = _Fragment  # draws its characters through the face's codes
        return fragments

    def normalize_text(self, text: str) -> str:
        """Compose accents, and stand in for characters the current font cannot draw."""
        font = self.current_font
        if not isinstance(font, TTFFont):
            return super().normalize_text(text)
        # fpdf would drop a character with no glyph and log it, name and all; we never hand it one.
        text = unicodedata.normalize("NFC", text)
        if isinstance(font, _Font) and font.drawn.issuperset(text):
            return text  # the face draws every character: nothing to stand in for
        cmap = font.cmap
        fallbacks = [self.fonts[family].cmap for family in getattr(self, "_fallbacks", ())]
        return "".join(
            char
            if ord(char) in cmap or char in KEEP or any(ord(char) in other for other in fallbacks)
            else _stand_in(char)
            for char in text
        )

    def paragraph(self, text: str, *, height: float, indent: float = 0, static: bool = False) -> None:
        """Write `text` left-aligned from the left margin plus `indent` to the right margin.

        fpdf's multi_cell measures a line again for every character it adds, which made a
        two-page report take a third of a second; this measures each word once. A word longer
        than a line is cut where it reaches the edge; line breaks in `text` are kept.

        `static` says the text is the same in every document (a catalog's wording, never anything
        about a person): its lines are then kept per process, by face, size and width.
        """
        width = self.epw - indent
        text = self.normalize_text(text)
        plain = self._plain(text)
        left = self.l_margin + indent
        lines = self._static_lines(text, width) if static else self.lines(text, width)
        if plain is not None:
            drawn = self._static_drawn(plain, text, width, lines) if static else None
            lines = lines[self._plain_lines(plain, height, lines, left, drawn) :]
        for line in lines:
            self.set_x(left)
            if plain is None or self._plain_line(plain, height, line) is None:
                super().cell(width, height, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                plain = self._plain(text)  # a page break ran the header and footer, which may change it

    def _plain(self, text: str) -> _Font | None:
        """The current face, if the lines of `text` drawn now are plain text in the document's default state.

        That is: one of our faces, which draws every character of `text` (no tab, no carriage
        return, no page count alias), unshaped, with no fallback faces, in the fill colour, without
        underline, spacing, stretching, rise or a rendering mode. None otherwise.
        """
        font = self.current_font
        alias = self.str_alias_nb_pages
        if (
            not self.page
            or (alias and alias in text)
            or "\t" in text
            or "\r" in text
            or not isinstance(font, _Font)
            or font.is_symbol
            or self.text_shaping
            or self._fallback_font_ids
            or self._record_text_quad_points
            or self.underline
            or self.strikethrough
            or self.char_spacing
            or self.font_stretching != 100
            or self.char_vpos != CharVPos.LINE
            or self.text_mode != TextMode.FILL
            or self.text_color != self.fill_color
            or not font.drawn.issuperset(text)
        ):
            return None
        return font

    def _plain_line(
        self,
        font: _Font,
        height: float,
        text: str,
        *,
        w: float | None = None,
        align: Align = Align.L,
        new_x: XPos = XPos.LMARGIN,
        new_y: YPos = YPos.NEXT,
    ) -> bool | None:
        """Draw `text` as `cell(w, height, text, align, new_x, new_y)` would draw it, byte for byte.

        fpdf's cell makes a fragment with a copy of the graphics state and walks every option a line
        may have (colour, spacing, rise, underline, links, borders): most of a long document's build
        time. A line of plain text (`_plain`) in `font`, the current face, aligned left or right, needs
        none of it: this writes its one text object directly, after a page break if it needs one, and
        returns whether it broke the page, as cell does. A line that is not as cell would normalise
        it, or starts a page with a header or footer of the document's own, is left to `cell`: None,
        having drawn nothing. `w` is needed only to align right or move right (0: to the right margin).
        """
        if not text or not unicodedata.is_normalized("NFC", text):
            return None
        if w == 0:
            w = self.w - self.r_margin - self.x  # as cell takes it, before any page break
        broke = self.will_page_break(height)
        if broke:
            if type(self).header is not FPDF.header or type(self).footer is not FPDF.footer:
                return None  # they may change the face before the line is drawn: cell draws it as fpdf would
            self._perform_page_break_if_need_be(height)  # as cell breaks: the new page has the same state
        size = self.font_size_pt
        if not self.current_font_is_set_on_page:
            self._out(self._set_font_for_page(font, size))
        if size > font.biggest_size_pt:
            font.biggest_size_pt = size
        drawn = _drawn(font, text)
        k = self.k
        font_size = size / k  # fpdf's font_size
        # Where cell starts the text: inside its left margin, or its width less the text's and a margin.
        dx = self.c_margin if align is Align.L else w - self.c_margin - font.units(text) * size * 0.001 / k
        line = (
            f"BT {(self.x + dx) * k:.2f} "
            f"{(self.h - self.y - 0.5 * height - 0.3 * font_size) * k:.2f} Td ({drawn}) Tj ET"
        ).encode("latin-1")
        contents = self.pages[self.page].contents
        if self.buffer or not isinstance(contents, bytearray):
            self._out(line)
        else:  # what _out does
            contents += line
            contents.append(0x0A)
        self._lasth = height or font_size
        if new_x is XPos.LMARGIN:
            self.x = self.l_margin
        elif new_x is XPos.RIGHT:
            self.x += w
        if new_y is YPos.NEXT:
            self.y += height
        return broke

    def _plain_lines(
        self,
        font: _Font,
        height: float,
        lines: Sequence[str],
        left: float,
        drawn: Sequence[bytes] | None = None,
    ) -> int:
        """Draw the first of `lines` as `_plain_line` would, each from `left`, in one loop; return how many.

        A paragraph of the compliance report is a line or two, and the report is some two hundred of
        them: calling `_plain_line` (and set_x) for each line was most of drawing one. This stops at
        the first line that would break the page or that `_plain_line` would leave to cell, and the
        caller draws the rest line by line. The bytes are `_plain_line`'s, computed the same way;
        `drawn`, when given, holds each line's bytes after its position (`_static_drawn`).
        """
        contents = self.pages[self.page].contents
        if self.buffer or not isinstance(contents, bytearray):
            return 0
        size, k = self.font_size_pt, self.k
        font_size = size / k
        trigger, page_height = self.page_break_trigger, self.h
        start = f"BT {(left + self.c_margin) * k:.2f} "
        count = 0
        for line in lines:
            y = self.y
            if (
                not line
                or y + height > trigger
                or (drawn is None and not unicodedata.is_normalized("NFC", line))
            ):
                break
            if not count:
                if not self.current_font_is_set_on_page:
                    self._out(self._set_font_for_page(font, size))
                if size > font.biggest_size_pt:
                    font.biggest_size_pt = size
            position = f"{start}{(page_height - y - 0.5 * height - 0.3 * font_size) * k:.2f}"
            if drawn is None:
                contents += f"{position} Td ({_drawn(font, line)}) Tj ET\n".encode("latin-1")
            else:
                contents += position.encode("latin-1")
                contents += drawn[count]
            self.y = y + height
            count += 1
        if count:
            self._lasth = height or font_size
            self.x = self.l_margin
        return count

    def _static_drawn(
        self, font: _Font, text: str, width: float, lines: Sequence[str]
    ) -> tuple[bytes, ...] | None:
        """The bytes after each line's position for a static paragraph, when every document draws them alike.

        A line is written with the codes its characters have in the document's subset. Those are
        the same in every document whose face had its glyphs picked alike (`embed_glyphs`) when the
        line has no character but those picked, so the bytes are kept with that pick. None
        otherwise (the line is then written as `_plain_lines` writes any line).
        """
        picked = font.picked
        if picked is None:
            return None
        key = (self.font_size_pt, self.k, width, text)
        kept = picked.drawn.get(key)
        if kept is not None:
            return kept
        escaped = picked.escaped
        if not all(
            line and escaped.keys() >= set(line) and unicodedata.is_normalized("NFC", line) for line in lines
        ):
            return None
        kept = tuple(
            f" Td ({''.join(map(escaped.__getitem__, line))}) Tj ET\n".encode("latin-1") for line in lines
        )
        with _STATIC_LOCK:
            if len(picked.drawn) >= STATIC_LINES:
                picked.drawn.clear()
            picked.drawn[key] = kept
        return kept

    def _static_lines(self, text: str, width: float) -> tuple[str, ...]:
        """`lines(text, width)` for text that is the same in every document, kept per process."""
        font = self.current_font
        if not isinstance(font, _Font):
            return tuple(self.lines(text, width))
        key = (str(font.ttffile), font.collection_font_number, self.font_size_pt, self.k, width, text)
        with _STATIC_LOCK:
            lines = _STATIC.get(key)
            if lines is not None:
                _STATIC.move_to_end(key)
                return lines
        lines = tuple(self.lines(text, width))
        with _STATIC_LOCK:
            _STATIC[key] = lines
            while len(_STATIC) > STATIC_LINES:
                _STATIC.popitem(last=False)
        return lines

    def lines(self, text: str, width: float) -> list[str]:
        """Break `text` into lines that fit `width` in the current font, at spaces where possible."""
        measure = self._measure()
        space = measure(" ")
        lines: list[str] = []
        for source in text.split("\n"):
            indent = source[: len(source) - len(source.lstrip(" "))]
            if measure(source) <= width - SLACK and source == indent + " ".join(source.split()):
                lines.append(source)  # fits as it is: the words below would make this very line
                continue
            # `filled` says whether the line holds a word yet (a word never holds a space).
            line, used, filled = indent, measure(indent), False
            for word in source.split():
                size = measure(word)
                gap = space if filled else 0
                if used + gap + size <= width:
                    line, used, filled = (f"{line} {word}" if gap else line + word), used + gap + size, True
                    continue
                if filled:
                    lines.append(line)
                while size > width:  # a hash or an address with no space in it
                    cut = self._fitting(word, width)
                    lines.append(word[:cut])
                    word = word[cut:]
                    size = measure(word)
                line, used, filled = word, size, bool(word)
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
        return self._measure()(text)

    def _measure(self):
        """A function giving the width of already normalised text in the current font, in page units."""
        font, size, k = self.current_font, self.font_size_pt, self.k
        if isinstance(font, _Font):
            units = font.units
            return lambda text: units(text) * size * 0.001 / k
        widths = font.cw
        return lambda text: sum(widths[ord(char)] for char in text) * size * 0.001 / k

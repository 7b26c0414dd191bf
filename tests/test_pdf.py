"""Every printed document draws names as written: Latin Extended, Greek and Cyrillic (ethos.pdf)."""

from __future__ import annotations

import datetime
import io
import logging

import pytest
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from ethos.accounts.kit import kit_pdf
from ethos.clients import endings
from ethos.clients.models import Ending
from ethos.pdf import FONT_FILES, FONTS_DIR, MISSING_GLYPH, MONO, SANS, Document
from ethos.standards.export import report_data
from ethos.standards.selectors import compliance_report
from ethos.vault import crypto
from ethos.vault.context import unlocked
from tests.clients.conftest import intake, vetted_resource
from tests.conftest import make_coach, open_vault, sign_in_browser

NAME = "Zoë Łukasz François"
GREEK = "Σοφία"
CYRILLIC = "Дмитрий"
# What the body font promises, in regular and bold: Latin with its extensions (Polish, Czech,
# Turkish, Vietnamese, Romanian), polytonic Greek, Cyrillic (Russian, Ukrainian, Serbian),
# Armenian and Georgian, with typographic punctuation and currency signs.
COVERAGE = (
    "Łódź Čeština Ğğİı Nguyễn Thị Đặng Ștefan Ærøskøbing ß ẞ Ǆ ŉ "
    "Ἀθῆναι Σοφία ΑΩαω Дмитрий Їжак Ґанок Ђорђе Ћирилица "
    "Արամ ქართული \u2018\u2019 \u201c\u201d \u201e \u2013 \u2014 \u2026 \u20ac \u20b4 \u20bd \u2116"
)


def pdf_text(data: bytes) -> str:
    """Return the text a PDF reader extracts from every page."""
    assert data.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_it_ships_every_font_it_registers_with_the_licence():
    for file in FONT_FILES.values():
        assert (FONTS_DIR / file).stat().st_size > 100_000
    assert "Bitstream Vera" in (FONTS_DIR / "LICENSE").read_text()


@pytest.mark.parametrize("face", [(SANS, ""), (SANS, "B")])
def test_it_draws_latin_extended_greek_cyrillic_armenian_and_georgian_in_the_body_font(face):
    pdf = Document(title="Coverage")
    pdf.add_page()
    pdf.set_font(*face, size=11)
    pdf.multi_cell(0, 6, COVERAGE, align="L", new_x="LMARGIN", new_y="NEXT")

    assert pdf_text(bytes(pdf.output())).split() == COVERAGE.split()


@pytest.mark.django_db
def test_it_prints_the_names_in_the_ending_letter_as_written():
    coach = make_coach(name=f"{GREEK} {CYRILLIC}")
    with unlocked(open_vault(coach)):
        client = intake(coach, name=NAME).client
        harbour = vetted_resource(coach, name=f"Harbour {CYRILLIC}")
        ending = endings.client_release(
            coach=coach,
            client=client,
            kind=Ending.Kind.END,
            initiated_by=Ending.InitiatedBy.COACH,
            referral_resources=[harbour],
            explanation=f"Moving to Αθήνα and then Санкт-Петербург \u2014 \u201cwith care\u201d, {NAME}.",
            explained_on=timezone.localdate(),
            explained_how="in_session",
        )

        text = pdf_text(endings.ending_letter(coach=coach, ending=ending))

    assert f"Dear {NAME}," in text
    assert f"Harbour {CYRILLIC} (" in text
    assert "Αθήνα and then Санкт-Петербург \u2014 \u201cwith care\u201d" in text
    assert f"{GREEK} {CYRILLIC}" in text  # the coach's signature
    assert MISSING_GLYPH not in text


@pytest.mark.parametrize("email", ["zoë.łukasz.françois@σοφία.дмитрий.example", f"{NAME} {GREEK} {CYRILLIC}"])
def test_it_prints_the_account_on_the_recovery_kit_as_written(email):
    key = bytes(range(32))

    text = pdf_text(kit_pdf(email=email, recovery_key=key))

    assert f"Account: {email}" in text
    groups = crypto.format_recovery_key(key).split("-")
    assert "  ".join(groups[:4]) in text  # the key, in the monospaced face


@pytest.mark.django_db
def test_it_prints_the_coach_and_the_signed_checkpoint_in_the_compliance_report_as_written():
    coach = make_coach(name=f"{NAME} {GREEK} {CYRILLIC}")
    browser = sign_in_browser(Browser(), coach)

    response = browser.get(reverse("standards:compliance_export", args=["pdf"]))

    text = pdf_text(response.content)
    assert f"Coach: {NAME} {GREEK} {CYRILLIC}" in text
    assert "Audit chain head" in text
    checkpoint = report_data(compliance_report(coach=coach))["audit_chain"]["checkpoint"]
    assert checkpoint.count("\u2014") >= 1  # C2SP signature lines start with an em dash
    # A signature line longer than the page wraps at its space; the words stay exact.
    flowing = " ".join(text.split())
    for line in filter(None, checkpoint.splitlines()):
        assert " ".join(line.split()) in flowing


def test_it_stands_in_for_a_character_outside_the_font_and_never_logs_it(caplog):
    with caplog.at_level(logging.DEBUG):
        pdf = Document(title="Test")
        pdf.add_page()
        for family in (SANS, MONO):
            pdf.set_font(family, size=11)
            pdf.multi_cell(0, 6, f"{NAME} 🌱 中文 ❤\ufe0f a\u200db\n", new_x="LMARGIN", new_y="NEXT")
        text = pdf_text(bytes(pdf.output()))

    assert text.count(f"{NAME} {MISSING_GLYPH} {MISSING_GLYPH * 2}") == 2
    assert "中" not in caplog.text and "missing" not in caplog.text


def test_it_prints_decomposed_accents_as_one_letter():
    pdf = Document(title="Test")
    pdf.add_page()
    pdf.cell(0, 6, "Zoe\u0308 Franc\u0327ois")

    assert "Zoë François" in pdf_text(bytes(pdf.output()))


# -- paragraph: our own line breaking (issue 12) ---------------------------------------------


def _document():
    pdf = Document(title="Lines")
    pdf.add_page()
    pdf.set_font(SANS, size=10)
    return pdf


def test_lines_fit_the_width_and_lose_no_word():
    pdf = _document()
    text = "Ethos keeps the record of what was agreed, in the client's own words, " * 12
    lines = pdf.lines(text, 80)
    assert len(lines) > 5
    assert all(pdf.get_string_width(line) <= 80 + 1e-6 for line in lines)
    assert " ".join(lines).split() == text.split()


def test_a_word_wider_than_a_line_is_cut_at_the_edge_and_kept_whole_across_lines():
    pdf = _document()
    word = "f3a9" * 40
    lines = pdf.lines(f"Root hash: {word} end", 60)
    assert all(pdf.get_string_width(line) <= 60 + 1e-6 for line in lines)
    assert "".join(lines).replace(" ", "") == f"Roothash:{word}end"


def test_line_breaks_and_a_leading_indent_are_kept():
    pdf = _document()
    lines = pdf.lines("    indented line\nsecond\n\nfourth", 150)
    assert lines == ["    indented line", "second", "", "fourth"]


def test_a_paragraph_prints_every_script_it_can_and_marks_what_it_cannot(tmp_path):
    pdf = _document()
    pdf.paragraph("Łukasz Дмитрий Σοφία 李雷 " * 10, height=5)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(bytes(pdf.output()))).pages)
    assert "Łukasz" in text and "Дмитрий" in text and "Σοφία" in text and "\ufffd" in text


# -- faces parsed once per process (issue 18) -------------------------------------------------


def embedded_fonts(data: bytes) -> dict[str, bytes]:
    """Return each embedded face of a PDF by its base name (without the subset prefix), as a font file."""
    fonts = {}
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            file = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
            fonts[str(font["/BaseFont"]).split("+", 1)[1]] = file.get_object().get_data()
    return fonts


def glyphs_of(font_file: bytes) -> set[int]:
    """The characters an embedded subset can draw, having read every table and outline in it."""
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(font_file))
    font.ensureDecompiled()
    if "glyf" in font:
        assert all(font["glyf"][name].numberOfContours is not None for name in font.getGlyphOrder())
    return set(font.getBestCmap())


def test_each_document_embeds_only_its_own_glyphs_though_the_faces_are_parsed_once():
    first, second = Document(title="First"), Document(title="Second")
    for pdf, text in ((first, f"Dear {CYRILLIC}"), (second, "Dear Zoe")):
        pdf.add_page()
        pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    second_data = bytes(second.output())  # the second is finished while the first is still open
    first.set_font(SANS, "B", 11)
    first.multi_cell(0, 6, GREEK, new_x="LMARGIN", new_y="NEXT")
    first_data = bytes(first.output())

    assert pdf_text(first_data).split() == ["Dear", CYRILLIC, GREEK]
    assert pdf_text(second_data).split() == ["Dear", "Zoe"]
    [regular] = (file for name, file in embedded_fonts(second_data).items() if "Bold" not in name)
    assert {ord(char) for char in "DearZoe"} <= glyphs_of(regular)
    assert not {ord(char) for char in CYRILLIC + GREEK} & glyphs_of(regular)
    [bold] = (file for name, file in embedded_fonts(first_data).items() if "Bold" in name)
    assert {ord(char) for char in GREEK} <= glyphs_of(bold)
    assert not {ord(char) for char in CYRILLIC} & glyphs_of(bold)
    # Printing again gives the same document: nothing of an earlier one stayed in the faces.
    again = Document(title="Second")
    again.add_page()
    again.multi_cell(0, 6, "Dear Zoe", new_x="LMARGIN", new_y="NEXT")
    assert embedded_fonts(bytes(again.output())) == embedded_fonts(second_data)


def test_a_document_embeds_a_fallback_face_only_for_text_that_needs_it():
    from tests.money.test_ledger import needs_fallback_face

    arabic = "محمد العلي"
    needs_fallback_face(arabic)
    latin, other = Document(title="Latin"), Document(title="Arabic")
    for pdf, name in ((latin, NAME), (other, arabic)):
        pdf.cover(name)
        pdf.add_page()
        pdf.multi_cell(0, 6, f"Received from: {name}", new_x="LMARGIN", new_y="NEXT")
    latin_data, arabic_data = bytes(latin.output()), bytes(other.output())

    assert sorted(embedded_fonts(latin_data)) == ["DejaVuSansBook"]
    assert sorted(embedded_fonts(arabic_data)) == ["DejaVuSansBook", "NotoSansArabic"]
    drawn = glyphs_of(embedded_fonts(arabic_data)["NotoSansArabic"])
    assert any(0x0600 <= code <= 0x06FF or 0xFE70 <= code <= 0xFEFF for code in drawn)  # joined forms
    for word in arabic.split():
        assert word in pdf_text(arabic_data).replace("\x00", "")


# -- subsets cut once, line breaking and widths in linear time (issue 18) --------------------------


def _letter(text: str, *, title: str = "Letter") -> Document:
    """A short document in the body faces: `text` in regular, a heading in bold, a line in mono."""
    pdf = Document(title=title)
    pdf.set_creation_date(datetime.datetime(2026, 1, 2, tzinfo=datetime.UTC))
    pdf.add_page()
    pdf.set_font(SANS, "B", 14)
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(SANS, "", 10)
    pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.paragraph(text, height=5, indent=4)
    pdf.set_font(MONO, size=7)
    pdf.paragraph("f3a9" * 40, height=3.5)
    return pdf


def _as_fpdf_would(build, monkeypatch) -> bytes:
    """Print `build()` with fpdf's own line breaking, measuring and embedding, none of ours."""
    import fpdf.fpdf
    from fpdf.line_break import Fragment, MultiLineBreak
    from fpdf.output import OutputProducer

    from ethos import pdf

    with monkeypatch.context() as patch:
        patch.setattr(fpdf.fpdf, "MultiLineBreak", MultiLineBreak)  # fpdf's own loop, character by character
        patch.setattr(pdf, "SLACK", float("inf"))  # no line taken whole, in paragraph() either
        patch.setattr(pdf._Font, "units", lambda font, text: sum(font.cw[ord(char)] for char in text))
        patch.setattr(pdf._Fragment, "render_pdf_text_ttf", Fragment.render_pdf_text_ttf)
        patch.setattr(pdf.Document, "_plain", lambda document, text: None)  # every line drawn by fpdf's cell
        patch.setattr(pdf.Document, "_static_lines", pdf.Document.lines)  # no lines kept from before
        patch.setattr(pdf.PDFObject, "_build_obj_dict", pdf._FPDF_OBJECT_DICT)  # every name dir() gives
        patch.setattr(pdf, "_QUICK_STYLES", {})  # every face set by fpdf's set_font
        document = build()
        return bytes(document.output(output_producer_class=OutputProducer))  # fpdf's _add_fonts


TEXTS = [
    f"Dear {NAME}, {GREEK} {CYRILLIC}: " + "Ethos keeps the record of what was agreed. " * 9,
    COVERAGE,
    "Short",
    "  two  spaces,\ttab, trailing space \nnew line\n\nand\u00a0no-break, soft\u00adhyphen, f3a9" * 3,
    "x" * 89,  # about a line of x
]


@pytest.mark.parametrize("text", TEXTS)
def test_a_document_is_byte_for_byte_what_fpdf_alone_would_print(text, monkeypatch):
    ours = bytes(_letter(text).output())
    theirs = _as_fpdf_would(lambda: _letter(text), monkeypatch)

    assert ours == theirs
    assert pdf_text(ours).split()[:2] == ["Letter", text.split()[0].replace("\u00ad", "")]


@pytest.mark.parametrize("width", [20.0, 33.3, 47.1, 80.0, 150.0])
def test_lines_that_only_just_fit_break_as_fpdf_breaks_them(width, monkeypatch):
    from ethos.pdf import _Font

    def build():
        pdf = _letter("")
        pdf.set_font(SANS, size=10)
        for words in range(1, 12):
            text = " ".join(["Łukasz"] * words)
            fit = pdf.get_string_width(text) + 2 * pdf.c_margin  # exactly the width the text needs
            for w in (fit - 1e-9, fit, fit + 1e-9, width):
                pdf.multi_cell(w, 5, text, new_x="LMARGIN", new_y="NEXT")
        assert isinstance(pdf.current_font, _Font)
        return pdf

    assert bytes(build().output()) == _as_fpdf_would(build, monkeypatch)


def test_documents_with_fallback_faces_are_what_fpdf_alone_would_print(monkeypatch):
    from tests.money.test_ledger import needs_fallback_face

    names = "محمد العلي 李雷"
    needs_fallback_face(names)

    def build():
        pdf = _letter("")
        pdf.cover(names)
        pdf.multi_cell(0, 6, f"Received from: {names} {NAME}", new_x="LMARGIN", new_y="NEXT")
        return pdf

    assert bytes(build().output()) == _as_fpdf_would(build, monkeypatch)


def test_widths_are_the_sums_of_the_character_widths_however_often_they_are_measured(monkeypatch):
    import random

    from ethos import pdf as module

    monkeypatch.setattr(module, "MEASURED", 50)  # the face forgets, and starts again, many times
    pdf = _document()
    font = pdf.current_font
    chars = COVERAGE + "abcdefghij "
    rng = random.Random(18)
    for _ in range(500):
        text = "".join(rng.choice(chars) for _ in range(rng.randrange(0, 40)))
        for end in range(len(text) + 1):  # every prefix, as fpdf measures a line it is filling
            expected = sum(font.cw[ord(char)] for char in text[:end]) * 10 * 0.001 / pdf.k
            assert pdf.get_string_width(text[:end]) == pytest.approx(expected, abs=0)
    assert len(font._measured) <= 50


@pytest.fixture
def empty_caches(monkeypatch):
    """Start with no subsets and no glyph maps kept, and put back what was kept afterwards."""
    from collections import OrderedDict

    from ethos import pdf

    monkeypatch.setattr(pdf, "_SUBSETS", OrderedDict())
    monkeypatch.setattr(pdf, "_GLYPH_MAPS", OrderedDict())
    monkeypatch.setattr(pdf, "_FONT_TABLES", OrderedDict())
    return pdf


def test_a_document_with_the_glyphs_of_an_earlier_one_embeds_the_subset_cut_for_it(empty_caches, monkeypatch):
    cut = []
    subset = empty_caches.ftsubset.Subsetter.subset
    monkeypatch.setattr(
        empty_caches.ftsubset.Subsetter, "subset", lambda self, font: cut.append(1) or subset(self, font)
    )

    first = bytes(_letter(f"Dear {CYRILLIC}", title="Invoice").output())
    cut_first = len(cut)
    # The same letters in another order and another title: the same glyphs, another text.
    second = bytes(_letter(f"{CYRILLIC[::-1]} Dear", title="Invoice").output())

    assert cut_first == 3  # regular, bold, mono
    assert len(cut) == cut_first  # nothing cut again
    assert embedded_fonts(first) == embedded_fonts(second)
    assert pdf_text(second).split()[:3] == ["Invoice", CYRILLIC[::-1], "Dear"]
    assert len(empty_caches._SUBSETS) == 3


def test_a_document_with_new_characters_gets_a_subset_with_them(empty_caches):
    bytes(_letter("Dear Zoe").output())
    data = bytes(_letter(f"Dear Zoe {GREEK}").output())

    regular = next(file for name, file in embedded_fonts(data).items() if name == "DejaVuSansBook")
    assert {ord(char) for char in f"DearZoe{GREEK}"} <= glyphs_of(regular)
    assert GREEK in pdf_text(data)
    assert len(empty_caches._SUBSETS) == 4  # the second regular face; bold and mono were the same


def test_the_subsets_and_glyph_maps_kept_are_bounded(empty_caches, monkeypatch):
    monkeypatch.setattr(empty_caches, "SUBSETS", 4)
    monkeypatch.setattr(empty_caches, "GLYPH_MAPS", 4)
    monkeypatch.setattr(empty_caches, "FONT_TABLES", 4)
    letters = "abcdefghijklmnopqrstuvwxyz"
    for index in range(8):
        data = bytes(_letter(f"Dear {letters[index : index + 6]}").output())
        assert f"Dear {letters[index : index + 6]}" in pdf_text(data)

    assert len(empty_caches._SUBSETS) == 4
    assert len(empty_caches._GLYPH_MAPS) == 4
    assert len(empty_caches._FONT_TABLES) == 4
    # The most recent survive: printing the last letter again cuts nothing.
    kept = dict(empty_caches._SUBSETS)
    bytes(_letter(f"Dear {letters[7:13]}").output())
    assert dict(empty_caches._SUBSETS).keys() == kept.keys()


def test_a_document_never_opens_a_face_whose_subset_is_already_cut(empty_caches):
    bytes(_letter("Dear Zoe").output())
    pdf = _letter("Dear Zoe")
    fonts = list(pdf.fonts.values())

    assert all(font.opened is None for font in fonts)
    bytes(pdf.output())
    assert all(font.opened is not None and not hasattr(font.opened, "tables") for font in fonts)


def test_rows_across_pages_are_what_fpdf_alone_would_print(monkeypatch):
    def build():
        pdf = _letter("")
        pdf.set_auto_page_break(auto=True, margin=15)
        for row in range(70):  # three pages of rows, as an invoice of a long history
            pdf.set_font(SANS, "B" if row % 9 == 0 else "", 10)
            y = pdf.get_y()
            text = f"Session on {row} March 2026 with {NAME}" + (" and a description too long" * (row % 4))
            pdf.multi_cell(pdf.epw - 40, 6, text, new_x="RIGHT", new_y="TOP")
            end = pdf.get_y()
            pdf.set_xy(pdf.l_margin + pdf.epw - 40, y)
            pdf.cell(40, 6, "\u20ac80.00", align="R", new_x="LMARGIN", new_y="NEXT")
            pdf.set_y(max(end, pdf.get_y()))
            pdf.multi_cell(0, 5, "", new_x="LMARGIN", new_y="NEXT")
        return pdf

    ours = bytes(build().output())
    assert len(PdfReader(io.BytesIO(ours)).pages) >= 3
    assert ours == _as_fpdf_would(build, monkeypatch)


@pytest.mark.parametrize("seed", range(6))
def test_paragraphs_wrap_where_fpdf_alone_would_wrap_them(seed, monkeypatch):
    import random

    rng = random.Random(seed)
    words = [*NAME.split(), GREEK, CYRILLIC, "a", "of", "—", "f3a9" * 12, "agreed.", "Łódź"]

    def build():
        rng.seed(seed)
        pdf = _letter("")
        for _ in range(12):
            pdf.set_font(SANS, rng.choice(["", "B"]), rng.choice([8, 9, 10, 11.5]))
            text = " ".join(rng.choice(words) for _ in range(rng.randrange(1, 60)))
            text = text.replace(" ", "  ", rng.randrange(0, 3))
            width = rng.choice([0, 20, 47.3, 80, 123.45])
            pdf.multi_cell(width, 5, text, align=rng.choice(["J", "L", "R"]), new_x="LMARGIN", new_y="NEXT")
        return pdf

    assert bytes(build().output()) == _as_fpdf_would(build, monkeypatch)


# -- paragraphs drawn without fpdf's cell, static lines kept (issue: the compliance PDF) -----------


class _Stamped(Document):
    """A document whose header and footer draw paragraphs and change the font, as record bundles do."""

    def header(self) -> None:
        self.set_font(SANS, "B", 9)
        self.paragraph("Copy (for the association) \\ page {nb}", height=4.5)
        self.paragraph(f"Held by {NAME}", height=4.5)
        self.set_font(MONO, "", 8)

    def footer(self) -> None:
        self.set_y(-20)
        self.set_font(SANS, "", 7.5)
        self.paragraph(f"Page {self.page_no()} of {{nb}}.", height=3.8)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("document", [Document, _Stamped])  # pages broken directly, or by cell
def test_paragraphs_drawn_directly_are_what_fpdf_cell_would_draw(document, seed, monkeypatch):
    import random

    words = [*NAME.split(), GREEK, CYRILLIC, "(a)", "b\\c", "中文", "f3a9" * 12, "\u20ac80.00", "{nb}"]

    def build():
        rng = random.Random(seed)
        pdf = document(title="Direct")
        pdf.set_creation_date(datetime.datetime(2026, 1, 2, tzinfo=datetime.UTC))
        pdf.set_auto_page_break(auto=True, margin=24)
        pdf.add_page()
        for number in range(160):
            pdf.set_font(rng.choice([SANS, MONO]), rng.choice(["", "B"]), rng.choice([7, 9, 12]))
            if number % 23 == 5:
                pdf.set_text_color(200, 0, 0)  # drawn by cell, with its colour
            elif number % 23 == 9:
                pdf.set_text_color(0)
            text = " ".join(rng.choice(words) for _ in range(rng.randrange(0, 40)))
            height = rng.choice([0, 3.5, 5, 9])
            pdf.paragraph(text, height=height, indent=rng.choice([0, 8]), static=rng.random() < 0.5)
            if number % 31 == 0:
                pdf.cell(30, 5, "\u20ac80.00", align="R", new_x="LMARGIN", new_y="NEXT")
        return pdf

    ours = bytes(build().output())
    assert len(PdfReader(io.BytesIO(ours)).pages) >= 4
    assert ours == _as_fpdf_would(build, monkeypatch)
    assert MISSING_GLYPH in pdf_text(ours) and "b\\c" in pdf_text(ours)


@pytest.fixture
def no_static_lines(monkeypatch):
    """Start with no static lines kept, and put back what was kept afterwards."""
    from collections import OrderedDict

    from ethos import pdf

    monkeypatch.setattr(pdf, "_STATIC", OrderedDict())
    return pdf


def test_static_paragraphs_keep_their_lines_and_nothing_else_is_kept(no_static_lines, monkeypatch):
    monkeypatch.setattr(no_static_lines, "STATIC_LINES", 2)
    pdf = _document()
    pdf.paragraph(f"Dear {NAME}, " * 20, height=5)
    assert not no_static_lines._STATIC  # a letter's text is never kept

    wording = "The coach neither takes on nor goes on coaching anyone whose behaviour endangers them. " * 3
    pdf.paragraph(wording, height=5, static=True)
    assert list(no_static_lines._STATIC.values()) == [tuple(pdf.lines(wording, pdf.epw))]
    pdf.paragraph(wording, height=5, static=True)  # found, not broken again
    assert len(no_static_lines._STATIC) == 1
    pdf.set_font(SANS, size=12)
    pdf.paragraph(wording, height=5, indent=10, static=True)  # another size and width: its own lines
    assert list(no_static_lines._STATIC.values())[-1] == tuple(pdf.lines(wording, pdf.epw - 10))
    pdf.paragraph("Section", height=5, static=True)
    assert len(no_static_lines._STATIC) == 2  # bounded: the oldest went

    text = pdf_text(bytes(pdf.output()))
    assert " ".join(text.split()).count(" ".join(wording.split())) == 3


def test_static_paragraphs_drawn_again_in_a_later_document_are_what_fpdf_alone_would_print(monkeypatch):
    wording = "The coach neither takes on nor goes on coaching anyone whose behaviour endangers them. " * 3
    texts = [wording, f"{wording}\nCaf\u00e9 \u2014 a character not picked beforehand", "x" * 300, "Section"]

    def build():
        pdf = Document(title="Static")
        pdf.set_creation_date(datetime.datetime(2026, 1, 2, tzinfo=datetime.UTC))
        pdf.printed_on_every_download()  # the body faces' glyphs picked alike in every document
        pdf.compression_level = None  # as fpdf packs pages (the level has its own test)
        pdf.add_page()
        for size in (9, 12):
            pdf.set_font(SANS, size=size)
            for text in texts:
                pdf.paragraph(text, height=5, static=True)
        return pdf

    first = build()
    picked = first.current_font.picked
    kept = {key[-1] for key in picked.drawn}  # with whatever earlier documents in this process kept
    assert {wording, "x" * 300, "Section"} <= kept
    assert texts[1] not in kept  # not the paragraph with characters picked later
    second = build()  # draws the kept bytes
    assert second.current_font.picked is picked

    assert bytes(second.output()) == bytes(first.output()) == _as_fpdf_would(build, monkeypatch)


@pytest.mark.django_db
def test_the_compliance_report_is_byte_for_byte_what_fpdf_alone_would_print(monkeypatch):
    from ethos.standards.export import report_document

    report = compliance_report(coach=make_coach(name=f"{NAME} {GREEK} (Ltd) \\ 中文"))

    def build():
        document = report_document(report)
        document.set_creation_date(datetime.datetime(2026, 1, 2, tzinfo=datetime.UTC))
        document.compression_level = None  # as fpdf packs pages (the level has its own test)
        return document

    assert bytes(build().output()) == _as_fpdf_would(build, monkeypatch)


def test_documents_that_embed_the_same_characters_embed_one_subset_cut_once(empty_caches, monkeypatch):
    cut = []
    subset = empty_caches.ftsubset.Subsetter.subset
    monkeypatch.setattr(
        empty_caches.ftsubset.Subsetter, "subset", lambda self, font: cut.append(1) or subset(self, font)
    )
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/= \u2014\u4e2d"

    def signed(signature: str) -> bytes:
        pdf = Document(title="Signed")
        pdf.add_page()
        pdf.set_font(MONO, size=7)
        pdf.embed_glyphs(alphabet)  # 中 is not in the face: left out, never logged as missing
        pdf.paragraph(f"\u2014 origin {signature}", height=3.5)
        return bytes(pdf.output())

    first, second = signed("Qm9va3M+/w=="), signed("c2lnbmVkIGFnYWlu")

    assert len(cut) == 2  # the body face (nothing drawn in it) and the mono face, for the first only
    assert embedded_fonts(first) == embedded_fonts(second)
    assert {ord(char) for char in alphabet[:-1]} <= glyphs_of(embedded_fonts(second)["DejaVuSansMonoBook"])
    assert pdf_text(second).split() == ["\u2014", "origin", "c2lnbmVkIGFnYWlu"]


@pytest.mark.django_db
def test_reports_with_another_chain_head_embed_the_same_subsets(empty_caches):
    import dataclasses

    from ethos.standards.export import report_pdf

    report = compliance_report(coach=make_coach(name=NAME))
    first = report_pdf(report)
    kept, tables = dict(empty_caches._SUBSETS), dict(empty_caches._FONT_TABLES)
    head = "ethos/audit/x\n7\nqrs+TUV/0129=\n\n\u2014 ethos/audit/x XYZxyz+/0345678==\n"
    chain = dataclasses.replace(report.chain, root_hex="9f" * 32, checkpoint=head)
    later = dataclasses.replace(report, chain=chain)
    second = report_pdf(later)

    assert dict(empty_caches._SUBSETS) == kept  # nothing cut again
    assert dict(empty_caches._FONT_TABLES) == tables  # the same glyphs in the same order
    assert embedded_fonts(first) == embedded_fonts(second)
    assert "\u2014 ethos/audit/x XYZxyz+/0345678==" in pdf_text(second)


@pytest.mark.django_db
def test_the_compliance_report_prints_the_coach_name_in_any_script():
    from ethos.standards.export import report_pdf
    from tests.money.test_ledger import needs_fallback_face

    name = "محمد العلي 李雷"
    needs_fallback_face(name)

    text = pdf_text(report_pdf(compliance_report(coach=make_coach(name=name)))).replace("\x00", "")

    for word in name.split():
        assert word in text
    assert MISSING_GLYPH not in text and "Audit chain head" in text


def test_uncover_draws_what_follows_in_the_body_faces_and_keeps_what_was_covered():
    from tests.money.test_ledger import needs_fallback_face

    arabic = "محمد العلي"
    needs_fallback_face(arabic)
    pdf = _document()
    pdf.cover(arabic)
    pdf.multi_cell(0, 6, f"Coach: {arabic}", new_x="LMARGIN", new_y="NEXT")
    pdf.uncover()

    assert not pdf.text_shaping and pdf._plain("Dear Zoe") is pdf.current_font
    pdf.paragraph(f"Dear {NAME}", height=5)
    data = bytes(pdf.output())
    assert sorted(embedded_fonts(data)) == ["DejaVuSansBook", "NotoSansArabic"]
    text = pdf_text(data).replace("\x00", "")
    assert all(word in text for word in arabic.split()) and f"Dear {NAME}" in text


def test_a_documents_own_compression_level_changes_only_how_its_pages_are_packed():
    import zlib

    def build(level) -> bytes:
        pdf = _letter(TEXTS[0] * 4)
        pdf.compression_level = level
        return bytes(pdf.output())

    def streams(data: bytes):
        return [page["/Contents"].get_object() for page in PdfReader(io.BytesIO(data)).pages]

    default, quick = build(None), build(1)

    contents = [stream.get_data() for stream in streams(default)]
    assert [stream.get_data() for stream in streams(quick)] == contents
    assert all(stream._data == zlib.compress(stream.get_data(), 1) for stream in streams(quick))
    assert all(stream._data == zlib.compress(stream.get_data()) for stream in streams(default))
    assert pdf_text(quick) == pdf_text(default)


# -- cells written directly (issue 18: the invoice of a long history) ------------------------------


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("document", [Document, _Stamped])  # pages broken directly, or by cell
def test_cells_drawn_directly_are_what_fpdf_cell_would_draw(document, seed, monkeypatch):
    import random

    from ethos import pdf as module

    words = [*NAME.split(), GREEK, "(a)", "b\\c", "中文", "\u20ac80.00", "Session", "on", "{nb}", "\u00a0"]
    drawn = []
    plain_line = module.Document._plain_line

    def counted(*args, **kwargs):
        drawn.append(plain_line(*args, **kwargs))  # None: left to fpdf's cell
        return drawn[-1]

    monkeypatch.setattr(module.Document, "_plain_line", counted)

    def build():
        rng = random.Random(seed)
        pdf = document(title="Cells")
        pdf.set_creation_date(datetime.datetime(2026, 1, 2, tzinfo=datetime.UTC))
        pdf.set_auto_page_break(auto=True, margin=24)
        pdf.add_page()
        for number in range(220):
            pdf.set_font(SANS, rng.choice(["", "B"]), rng.choice([8, 10, 14]))
            if number % 37 == 3:
                pdf.set_text_color(0, 0, 200)  # drawn by fpdf, with its colour
            elif number % 37 == 7:
                pdf.set_text_color(0)
            text = " ".join(rng.choice(words) for _ in range(rng.randrange(0, 6)))
            width = rng.choice([0, 40, 70.5])
            if width == 0 or pdf.x + width > pdf.w - pdf.r_margin:
                pdf.set_x(pdf.l_margin)
            pdf.cell(
                width,
                rng.choice([None, 0, 5, 6]),
                text,
                align=rng.choice(["L", "R", "C"]),
                new_x=rng.choice(["RIGHT", "LMARGIN", "LEFT"]),
                new_y=rng.choice(["TOP", "NEXT", "NEXT"]),
                border=rng.choice([0, 0, 0, 1]),
            )
            if number % 11 == 0:
                pdf.ln(rng.choice([2, 12]))
        return pdf

    ours = bytes(build().output())
    assert len(PdfReader(io.BytesIO(ours)).pages) >= 2
    assert drawn.count(None) < drawn.count(True) + drawn.count(False)  # most of them written directly
    drawn.clear()
    assert ours == _as_fpdf_would(build, monkeypatch)
    assert not drawn  # fpdf alone drew every one
    assert "b\\c" in pdf_text(ours) and "\u20ac80.00" in pdf_text(ours)


def test_glyphs_embedded_again_are_picked_as_the_first_time_without_picking_them(monkeypatch):
    from fpdf.fonts import SubsetMap

    from ethos import pdf as module

    class NeverKept(dict):
        def __setitem__(self, key, value) -> None:
            pass

    printable = "".join(map(chr, range(0x20, 0x7F)))
    monkeypatch.setattr(module, "_EMBEDDED", {})
    picked = []
    pick_glyph = SubsetMap.pick_glyph
    monkeypatch.setattr(
        SubsetMap, "pick_glyph", lambda self, glyph: picked.append(glyph) or pick_glyph(self, glyph)
    )

    def build(text: str) -> bytes:
        pdf = Document(title="Embedded")
        pdf.set_creation_date(datetime.datetime(2026, 1, 2, tzinfo=datetime.UTC))
        for style in ("B", ""):
            pdf.set_font(SANS, style)
            pdf.embed_glyphs(printable)
        pdf.add_page()
        pdf.set_font(SANS, "B", 12)
        pdf.paragraph(f"Dear {text}", height=5)
        pdf.set_font(SANS, "", 10)
        pdf.multi_cell(0, 5, f"{text} (paid) " * 20, new_x="LMARGIN", new_y="NEXT")
        return bytes(pdf.output())

    first = build(NAME)
    assert len(module._EMBEDDED) == 2 and len(picked) >= 2 * len(printable)
    picked.clear()
    again, greek = build(NAME), build(GREEK)
    assert len(picked) < len(printable)  # the printable glyphs were not picked one by one again

    monkeypatch.setattr(module, "_EMBEDDED", NeverKept())
    assert again == first == build(NAME)
    assert greek == build(GREEK)
    assert pdf_text(greek).split()[:2] == ["Dear", GREEK]


def test_a_face_embedded_again_knows_every_characters_code_before_it_draws(monkeypatch):
    from ethos import pdf as module

    monkeypatch.setattr(module, "_EMBEDDED", {})
    printable = "".join(map(chr, range(0x20, 0x7F)))

    def face() -> module._Font:
        pdf = Document(title="Codes")
        pdf.set_font(SANS)
        pdf.embed_glyphs(printable)
        return pdf.current_font

    first, again = face(), face()
    assert not first.codes  # the first document picks its codes as it draws
    assert again.codes.keys() == set(printable)
    # What each character maps to is what the subset picked for it, written as fpdf writes it.
    for char, code in again.codes.items():
        assert code == chr(again.subset.pick(ord(char)))
        assert again.escaped[char] == again.escape_text(code)


def test_the_lines_of_a_paragraph_on_one_page_are_drawn_in_one_loop(monkeypatch):
    pdf = _document()
    text = "The coach and the client agree the goals together, in the client's own words. " * 6

    def not_called(*args, **kwargs):
        raise AssertionError("a plain line that fits the page went line by line")

    from fpdf import FPDF

    with monkeypatch.context() as patch:
        patch.setattr(Document, "_plain_line", not_called)
        patch.setattr(FPDF, "cell", not_called)
        pdf.paragraph(text, height=5)
    lines = pdf.lines(text, pdf.epw)
    assert len(lines) > 2 and pdf_text(bytes(pdf.output())).split() == text.split()


@pytest.mark.django_db
def test_every_object_is_written_with_the_dictionary_fpdf_would_build(monkeypatch):
    from fpdf.output import OutputProducer

    from ethos import pdf as module
    from ethos.standards.export import report_document

    assert module.PDFObject._build_obj_dict is module._object_dict
    written = []

    def both(obj, security_handler=None):
        ours = module._object_dict(obj, security_handler)
        assert list(ours.items()) == list(module._FPDF_OBJECT_DICT(obj, security_handler).items())
        written.append(type(obj).__name__)
        return ours

    monkeypatch.setattr(module.PDFObject, "_build_obj_dict", both)
    linked = _letter(COVERAGE)
    linked.cell(40, 6, "Ethos", link="https://example.org/", new_x="LMARGIN", new_y="NEXT")
    linked.start_section("Coverage")  # an outline
    report = report_document(compliance_report(coach=make_coach(name=f"{NAME} 中文")))
    for document, producer in ((linked, OutputProducer), (report, module._Output)):
        document.output(output_producer_class=producer)

    assert {"PDFPage", "PDFContentStream", "PDFFont", "PDFInfo", "PDFCatalog"} <= set(written)

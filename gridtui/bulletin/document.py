"""The bulletin as a Word document (python-docx) in the usual 通报 form: on A4 with
the official margins, a centred title (宋体, 二号), the period and the issuing line
under it with a red rule, the sections 一、二、三… as headings (黑体), body text
(仿宋) indented two characters, tables with a shaded header row repeated on each
page, numbers right-aligned, and the closing line with the issuer and date at the
right. English bulletins keep the layout in Times New Roman.

Text goes into runs as text (python-docx escapes it for XML); control characters
never reach it (:func:`gridtui.bulletin.lists.outside`).
"""

from __future__ import annotations

import re
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.styles.style import ParagraphStyle
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph as DocxParagraph
from docx.text.run import Run

from gridtui.bulletin.model import Bulletin, Paragraph, Table, cell_kind, cell_value
from gridtui.bulletin.numbers import NUMERIC, show, text_width
from gridtui.bulletin.words import say

#: the fonts of each part, for zh (the East Asian face) and en
_FONTS = {"title": "宋体", "heading": "黑体", "body": "仿宋", "table": "宋体"}
_LATIN = "Times New Roman"
_SIZES = {"title": 22.0, "heading": 16.0, "body": 14.0, "table": 9.0, "caption": 12.0}
_HEAD_SHADE = "D9E2F3"
_TABLE_STYLE = "Bulletin Table"
#: the width of the text on an A4 page with these margins (21 − 2.8 − 2.6 cm)
_TEXT_WIDTH_CM = 15.6
#: the width of a narrow character of the tables' 9 pt (with room for a wider face than
#: the one named), and a cell's
#: padding, in cm
_CHAR_CM = 0.2
_PAD_CM = 0.4
#: a column should not be narrower than this many narrow characters (four Chinese
#: ones: a name), and must not be narrower than _MUST, unless all it holds is shorter
_SHORT = 8
_MUST = 6
_WORD = re.compile(r"[^\s\u2e80-\u9fff\uff00-\uffef]+")
_WIDE = re.compile(r"[\u2e80-\u9fff\uff00-\uffef]")


def _style(
    run: Run, part: str, lang: str, *, bold: bool = False, size: float | None = None
) -> None:
    run.font.size = Pt(size or _SIZES[part])
    run.font.bold = bold
    run.font.color.rgb = RGBColor(0, 0, 0)
    run.font.name = _LATIN
    if lang == "zh":
        run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), _FONTS[part])


def _para(
    doc: DocxDocument, text: str, part: str, lang: str, *, align: str = "", bold: bool = False,
    indent: bool = False, size: float | None = None,
) -> DocxParagraph:  # fmt: skip
    p = doc.add_paragraph()
    if align:
        p.alignment = getattr(WD_ALIGN_PARAGRAPH, align)
    if indent:
        p.paragraph_format.first_line_indent = Pt(2 * (size or _SIZES[part]))
    p.paragraph_format.space_after = Pt(4)
    _style(p.add_run(text), part, lang, bold=bold, size=size)
    return p


def _rule_below(p: DocxParagraph) -> None:
    """The red rule under the issuing line (版头分隔线)."""
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (
        ("w:val", "single"),
        ("w:sz", "12"),
        ("w:space", "4"),
        ("w:color", "C00000"),
    ):
        bottom.set(qn(key), value)
    borders.append(bottom)
    p._p.get_or_add_pPr().append(borders)


def _shade(cell_element: object, fill: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:fill"), fill)
    cell_element.get_or_add_tcPr().append(shading)  # type: ignore[attr-defined]


def _repeat_header(table: DocxTable) -> None:
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    table.rows[0]._tr.get_or_add_trPr().append(header)


def _longest_word(text: str) -> int:
    """The width of the longest piece of ``text`` a line cannot break (a Latin word, a
    number; a Chinese character breaks anywhere)."""
    return max([text_width(w) for w in _WORD.findall(text)] + [2 if _WIDE.search(text) else 1])


def _share(page: float, low: list[float], high: list[float]) -> list[float]:
    """Widths between ``low`` and ``high`` filling ``page``: each column gets its low
    and a share of what is left by how much more it wants (all of it, scaled up, when
    even ``high`` fits)."""
    if sum(high) <= page:
        return [w * page / sum(high) for w in high]
    want = sum(h - lo for h, lo in zip(high, low, strict=True)) or 1.0
    spare = page - sum(low)
    return [lo + spare * (h - lo) / want for h, lo in zip(high, low, strict=True)]


def _widths(table: Table, cols: list[int], lang: str) -> list[float]:
    """Each printed column's width (cm), from three wishes: what it must have (a
    number whole, three Chinese characters of text), what it should have (its
    longest unbreakable word, heading included) and what it would take (its longest
    value on one line): the page goes to the first, then the second, then the third."""
    must, should, would = [], [], []
    for i in cols:
        column = table.columns[i]
        texts = [show(cell_value(r[i]), cell_kind(r[i], column), lang) for r in table.rows]
        words = max(_longest_word(t) for t in [column.heading, *texts]) * 1.1  # bold heading
        full = max([words, *(text_width(t) for t in texts)])
        values = max((text_width(t) for t in texts), default=1)
        should.append(max(words, min(full, _SHORT)))
        must.append(values if column.kind in NUMERIC else min(should[-1], _MUST))
        would.append(full)
    cm = [[u * _CHAR_CM + _PAD_CM for u in wish] for wish in (must, should, would)]
    if sum(cm[1]) <= _TEXT_WIDTH_CM:
        return _share(_TEXT_WIDTH_CM, cm[1], cm[2])
    return _share(_TEXT_WIDTH_CM, cm[0], cm[1])


def _table_style(doc: DocxDocument, lang: str) -> ParagraphStyle:
    """The paragraph style of every table cell, made once (styling each cell's text
    one by one costs more than the rest of the document)."""
    style = doc.styles.add_style(_TABLE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    assert isinstance(style, ParagraphStyle)
    style.base_style = doc.styles["Normal"]
    style.font.size = Pt(_SIZES["table"])
    style.font.name = _LATIN
    style.font.color.rgb = RGBColor(0, 0, 0)
    if lang == "zh":
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), _FONTS["table"])
    style.paragraph_format.space_before = style.paragraph_format.space_after = Pt(0)
    style.paragraph_format.line_spacing = 1.0
    return style


def _cell_style(p: DocxParagraph, style_id: str) -> None:
    """Give ``p`` the table cells' style by its id (``Paragraph.style`` looks the style
    up among all of them each time: most of a long table's time)."""
    p._p.get_or_add_pPr().style = style_id


def _table(doc: DocxDocument, table: Table, lang: str) -> None:
    if table.caption:
        _para(doc, table.caption, "body", lang, align="CENTER", bold=True, size=_SIZES["caption"])
    if not table.rows:
        _para(doc, say("list.empty", lang), "body", lang, indent=True)
        return
    cols = table.printed()
    out = doc.add_table(rows=len(table.rows) + 1, cols=len(cols))
    out.style = doc.styles["Table Grid"]
    out.alignment = WD_TABLE_ALIGNMENT.CENTER
    out.autofit = False
    widths = [Cm(w) for w in _widths(table, cols, lang)]
    for column, width in zip(out.columns, widths, strict=True):
        column.width = width  # the grid (LibreOffice) and each cell (Word) say the same
    style = doc.styles[_TABLE_STYLE].style_id
    for cell, i, width in zip(out.rows[0].cells, cols, widths, strict=True):
        p = cell.paragraphs[0]
        _cell_style(p, style)
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.add_run(table.columns[i].heading).bold = True
        _shade(cell._tc, _HEAD_SHADE)
        cell.width = width
    _repeat_header(out)
    for row_out, row in zip(out.rows[1:], table.rows, strict=True):
        for cell, i, width in zip(row_out.cells, cols, widths, strict=True):
            kind = cell_kind(row[i], table.columns[i])
            p = cell.paragraphs[0]
            _cell_style(p, style)
            if kind in NUMERIC:
                p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            p.add_run(show(cell_value(row[i]), kind, lang))
            cell.width = width
    doc.add_paragraph()


def _page(doc: DocxDocument) -> None:
    """A4 with the margins of official documents (GB/T 9704)."""
    for section in doc.sections:
        section.page_height, section.page_width = Cm(29.7), Cm(21.0)
        section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
        section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)


def build_document(bulletin: Bulletin) -> DocxDocument:
    """The bulletin's Word document."""
    lang = bulletin.lang
    doc = Document()
    _page(doc)
    _table_style(doc, lang)
    _para(doc, bulletin.title, "title", lang, align="CENTER", bold=True)
    _para(doc, bulletin.period_line, "body", lang, align="CENTER", size=_SIZES["caption"])
    issuing = f"{bulletin.issuer}\u3000{bulletin.issued}".strip("\u3000")
    _rule_below(_para(doc, issuing, "body", lang, align="CENTER", size=_SIZES["caption"]))
    for section in bulletin.sections:
        heading = doc.add_heading(level=1)
        heading.paragraph_format.space_before = Pt(12)
        _style(heading.add_run(section.label), "heading", lang, bold=lang != "zh")
        for block in section.blocks:
            if isinstance(block, Paragraph):
                _para(doc, block.text, "body", lang, indent=True)
            else:
                _table(doc, block, lang)
    _para(doc, bulletin.closing, "body", lang, indent=True)
    _para(doc, bulletin.issuer, "body", lang, align="RIGHT")
    if bulletin.issued:
        _para(doc, bulletin.issued, "body", lang, align="RIGHT")
    doc.core_properties.title = bulletin.title
    doc.core_properties.author = "gridtui"
    return doc


def write_document(bulletin: Bulletin, path: Path) -> None:
    """Write the bulletin's Word document to ``path``."""
    build_document(bulletin).save(str(path))

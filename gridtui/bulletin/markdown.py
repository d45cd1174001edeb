"""The bulletin as Markdown: a title, the period line, ``##`` sections, paragraphs and
pipe tables (numbers right-aligned), the closing and issuing lines.

Every piece of text is escaped so that it stays text: the characters Markdown reads
as emphasis, code, links, images, HTML, entities, strike-through, headings or a
table's cell border get a backslash, and ``http://`` / ``www.`` are broken so that
no link is made of them. (Outside text reaches the writer on one line already:
:func:`gridtui.bulletin.lists.outside`.)
"""

from __future__ import annotations

import re
from pathlib import Path

from gridtui.bulletin.model import Bulletin, Paragraph, Table, cell_kind, cell_value
from gridtui.bulletin.numbers import NUMERIC, show
from gridtui.bulletin.words import say

_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&!#])")
_LINKS = re.compile(r"(?i)(://|www\.)")


def escape(text: str) -> str:
    """``text`` as Markdown text that renders as itself (on one line)."""
    out = _SPECIAL.sub(r"\\\1", " ".join(text.splitlines()))
    return _LINKS.sub(lambda m: m.group(1)[0] + "\\" + m.group(1)[1:], out)


def _table(table: Table, lang: str) -> list[str]:
    lines = [f"**{escape(table.caption)}**", ""] if table.caption else []
    if not table.rows:
        return [*lines, escape(say("list.empty", lang)), ""]
    heads = [escape(c.heading) for c in table.columns]
    rules = ["---:" if c.kind in NUMERIC else "---" for c in table.columns]
    lines += ["| " + " | ".join(heads) + " |", "| " + " | ".join(rules) + " |"]
    for row in table.rows:
        cells = [
            escape(show(cell_value(cell), cell_kind(cell, column), lang))
            for cell, column in zip(row, table.columns, strict=True)
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return [*lines, ""]


def render_markdown(bulletin: Bulletin) -> str:
    """The bulletin's Markdown text."""
    lang = bulletin.lang
    lines = [f"# {escape(bulletin.title)}", "", escape(bulletin.period_line), ""]
    for section in bulletin.sections:
        lines += [f"## {escape(section.label)}", ""]
        for block in section.blocks:
            if isinstance(block, Paragraph):
                lines += [escape(block.text), ""]
            else:
                lines += _table(block, lang)
    lines += [escape(bulletin.closing), "", escape(bulletin.issuer), ""]
    if bulletin.issued:
        lines += [escape(bulletin.issued), ""]
    return "\n".join(lines)


def write_markdown(bulletin: Bulletin, path: Path) -> None:
    """Write the bulletin's Markdown (UTF-8) to ``path``."""
    path.write_text(render_markdown(bulletin), encoding="utf-8", newline="\n")

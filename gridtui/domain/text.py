"""Outside text is data: strip what could drive a terminal before it is stored or shown.

Three uses, one home:

- :func:`clean_text` on the way **in** (imports, the API): escape sequences and
  control characters go; bidi and zero-width controls stay (data is data).
- :func:`shown_text` on the way **out** to a screen, and :func:`log_text` to a log:
  also the bidi and zero-width controls become visible (``<U+202E>``), so a title
  cannot be made to read backwards; in a log, a newline becomes ``\\n`` so a value
  cannot forge a line.
- :func:`spreadsheet_cell` for every CSV cell written: a value a spreadsheet would
  read as a formula (``=``, ``+``, ``-``, ``@``, tab, CR first) gets a leading ``'``.
"""

from __future__ import annotations

import re

# ESC/CSI/OSC sequences first (so their parameters go too), then any other C0/C1
# control character except tab and newline, and DEL.
_SEQUENCES = re.compile(
    r"(?:\x1b\[[0-?]*[ -/]*[@-~])"  # CSI … final byte
    r"|(?:\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?)"  # OSC … BEL or ST
    r"|(?:\x1b[PX^_][^\x1b]*(?:\x1b\\)?)"  # DCS / SOS / PM / APC … ST
    r"|(?:\x1b.?)"  # any other escape and the byte after it
    r"|(?:\x9b[0-?]*[ -/]*[@-~])"  # 8-bit CSI
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_ONE_LINE = re.compile(r"[\t\n]+")
#: invisible characters that reorder or hide text: the Arabic letter mark, the
#: Mongolian vowel separator, zero-width space/joiners and the LRM/RLM marks, the line
#: and paragraph separators, the bidi embeddings, overrides and isolates, word joiner
#: and invisible operators, the deprecated format controls, the byte-order mark and
#: the interlinear annotation controls
INVISIBLE = re.compile(
    "[\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]"
)


def clean_text(value: str, *, one_line: bool = False) -> str:
    """``value`` without escape sequences or control characters (tab and newline kept).

    With ``one_line``, runs of tabs and newlines become a single space (for titles,
    names and table cells).
    """
    out = _CONTROLS.sub("", _SEQUENCES.sub("", value))
    if one_line:
        out = _ONE_LINE.sub(" ", out)
    return out


def _visible(match: re.Match[str]) -> str:
    return f"<U+{ord(match.group()):04X}>"


def show_invisible(value: str) -> str:
    """``value`` with each bidi or zero-width control written out as ``<U+202E>``."""
    return INVISIBLE.sub(_visible, value)


def shown_text(value: str, *, one_line: bool = False) -> str:
    """Outside ``value`` safe to draw on a terminal: :func:`clean_text`, and every
    bidi or zero-width control made visible (``<U+202E>``)."""
    return show_invisible(clean_text(value, one_line=one_line))


_LOG_ESCAPES = {"\n": "\\n", "\t": "\\t"}


def log_text(value: str) -> str:
    """Outside ``value`` safe in a log line: :func:`shown_text`, with newlines and tabs
    written ``\\n`` and ``\\t`` (a value never starts a line of its own)."""
    out = shown_text(value)
    if "\n" in out or "\t" in out:
        out = out.replace("\n", "\\n").replace("\t", "\\t")
    return out


def cut(value: str, limit: int) -> tuple[str, int]:
    """The first ``limit`` characters of ``value`` and how many more there are."""
    if len(value) <= limit:
        return value, 0
    return value[:limit], len(value) - limit


#: first characters a spreadsheet reads as the start of a formula (OWASP "CSV injection")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object) -> object:
    """A CSV cell that no spreadsheet runs: a string starting with one of
    :data:`FORMULA_START` gets a leading ``'``; numbers and other values are kept."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value

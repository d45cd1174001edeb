"""Outside text is data: strip what could drive a terminal before it is stored or shown."""

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


def clean_text(value: str, *, one_line: bool = False) -> str:
    """``value`` without escape sequences or control characters (tab and newline kept).

    With ``one_line``, runs of tabs and newlines become a single space (for titles,
    names and table cells).
    """
    out = _CONTROLS.sub("", _SEQUENCES.sub("", value))
    if one_line:
        out = _ONE_LINE.sub(" ", out)
    return out

"""Write to the terminal only the cells that change on it (what curses does).

Textual repaints whole regions: every line of a widget that changed, every line of
the screen when the screen changes, each piece of text preceded by its full style and
followed by a reset. On a wall that rotates every few seconds for weeks that is most
of what it writes, though much of it is already on the glass: the frame, the tiles'
borders, the blank space, the text that did not change.

:class:`DiffOutput` sits between Textual and the terminal. It reads what Textual
writes (cursor moves, styles and text: all Textual's screen updates consist of), keeps
a copy of what the terminal shows, and writes only the cells that differ, with only
the style changes needed from one cell to the next. Anything else (modes, the bell,
queries) goes through unchanged, in order; whatever may move or clear the screen
behind its back (erase, scroll, the alternate screen, a resize) makes it forget what
is shown, so that the next writes go out in full. No Textual import: it works on the
strings alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rich.cells import get_character_cell_size

#: one token of terminal output: a CSI sequence, an OSC string, another escape, one
#: control character, or a run of printable text
TOKEN = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC, ended by BEL or ST
    r"|\x1b[^\[\]]?"  # any other escape
    r"|[\x00-\x1f\x7f]"  # a control character
    r"|[^\x00-\x1f\x7f\x1b]+"  # text
)
#: CSI finals that erase, insert, delete or scroll: what is shown is no longer known
FORGETTING = set("JKLMPSTX@")
#: an SGR state: the sorted SGR parameters in effect, colours as 38/48 groups
Pen = tuple[str, ...]
#: one cell on the glass: its text (empty: the right half of a wide character) and pen
Cell = tuple[str, Pen]

PLAIN: Pen = ()
#: cells of the right half of a wide character
WIDE_TAIL = ""


#: SGR codes that switch flags off, and the flags they switch off
OFF = {"22": ("1", "2"), "23": ("3",), "24": ("4", "21"), "25": ("5", "6"), "27": ("7",),
       "28": ("8",), "29": ("9",), "39": ("38",), "49": ("48",), "59": ("58",)}  # fmt: skip


def apply_sgr(pen: Pen, params: str) -> Pen:
    """The pen after ``ESC [ params m``."""
    state = dict(_split(pen))
    parts = params.split(";") if params else ["0"]
    i = 0
    while i < len(parts):
        code = parts[i] or "0"
        n = int(code) if code.isdigit() else -1
        if n == 0:
            state.clear()
        elif code in ("38", "48", "58"):
            size = 4 if i + 1 < len(parts) and parts[i + 1] == "2" else 2
            state[code] = ";".join(parts[i + 1 : i + 1 + size])
            i += size
        elif code in OFF:
            for flag in OFF[code]:
                state.pop(flag, None)
        elif 30 <= n <= 37 or 90 <= n <= 97:
            state["38"] = code  # a palette foreground
        elif 40 <= n <= 47 or 100 <= n <= 107:
            state["48"] = code  # a palette background
        else:
            state[code] = ""
        i += 1
    return tuple(sorted(f"{k}={v}" for k, v in state.items()))


def _split(pen: Pen) -> list[tuple[str, str]]:
    return [(k, v) for k, _, v in (item.partition("=") for item in pen)]


def _params(items: list[tuple[str, str]]) -> list[str]:
    """SGR parameters that set ``items`` (a colour is ``38;2;r;g;b`` or its code)."""
    return [f"{key};{value}" if ";" in value else (value or key) for key, value in items]


def transition(old: Pen, new: Pen) -> str:
    """The shortest plain way from SGR state ``old`` to ``new`` (empty if the same)."""
    if old == new:
        return ""
    before, after = dict(_split(old)), dict(_split(new))
    if any(k not in after for k in before):  # something must be switched off: reset
        return "\x1b[" + ";".join(["0", *_params(_split(new))]) + "m"
    changed = [(k, v) for k, v in _split(new) if before.get(k) != v]
    return "\x1b[" + ";".join(_params(changed)) + "m"


@dataclass
class DiffOutput:
    """What the terminal shows, and the writes that change only what must change."""

    #: rows of the glass: column → cell; a missing row or cell is unknown
    shown: dict[int, dict[int, Cell]] = field(default_factory=dict)
    #: bytes asked to write and bytes written, for the benchmark and tests
    asked: int = 0
    written: int = 0

    def forget(self) -> None:
        """Forget what is shown: the next writes go out in full (after a resize, a
        clear, or to repair whatever else wrote on the terminal)."""
        self.shown.clear()

    def filter(self, data: str) -> str:
        """What to write instead of ``data`` for the terminal to show the same."""
        out: list[str] = []
        pending: dict[int, dict[int, Cell]] = {}  # cells written since the last flush
        x = y = 0
        pen: Pen = PLAIN
        cursor_moved = False
        for match in TOKEN.finditer(data):
            token = match.group()
            first = token[0]
            if first != "\x1b" and first >= " " and first != "\x7f":
                row = pending.setdefault(y, {})
                for char in token:
                    width = get_character_cell_size(char)
                    if width == 0:  # a combining mark: joins the cell before
                        prev = row.get(x - 1) or self.shown.get(y, {}).get(x - 1)
                        if prev is not None:
                            row[x - 1] = (prev[0] + char, prev[1])
                        continue
                    row[x] = (char, pen)
                    if width == 2:
                        row[x + 1] = (WIDE_TAIL, pen)
                    x += width
                continue
            if token.startswith("\x1b[") and token[-1] in "Hf" and "?" not in token:
                row_s, _, col_s = token[2:-1].partition(";")
                y, x = int(row_s or 1) - 1, int(col_s or 1) - 1
                cursor_moved = True
                continue
            if token.startswith("\x1b[") and token[-1] == "m":
                pen = apply_sgr(pen, token[2:-1])
                continue
            if token == "\r":
                x = 0
                continue
            if token == "\n":
                y += 1
                continue
            # anything else goes out as it is, after the cells written before it
            out.append(self._flush(pending))
            pending = {}
            if (token.startswith("\x1b[") and token[-1] in FORGETTING) or token in (
                "\x1b[?1049h",
                "\x1b[?1049l",
                "\x1bc",
            ):
                self.forget()
            out.append(token)
        out.append(self._flush(pending))
        if cursor_moved:
            out.append(f"\x1b[{y + 1};{x + 1}H")
        result = "".join(out)
        self.asked += len(data.encode("utf-8", "replace"))
        self.written += len(result.encode("utf-8", "replace"))
        return result

    def _flush(self, pending: dict[int, dict[int, Cell]]) -> str:
        """Cursor moves, style changes and text for the cells of ``pending`` that
        differ from what is shown; what is shown is updated."""
        out: list[str] = []
        pen: Pen = PLAIN
        for y in sorted(pending):
            row, glass = pending[y], self.shown.setdefault(y, {})
            runs: list[list[int]] = []
            for x in sorted(x for x, cell in row.items() if glass.get(x) != cell):
                # a run goes on over a short known gap (cheaper than a cursor move)
                if (
                    runs
                    and x - runs[-1][-1] <= 4
                    and all(c in row or c in glass for c in range(runs[-1][-1] + 1, x))
                ):
                    runs[-1].extend(range(runs[-1][-1] + 1, x + 1))
                else:
                    runs.append([x])
            for run in runs:
                start, end = run[0], run[-1]
                while (
                    start > 0 and (row.get(start) or glass.get(start, ("?", PLAIN)))[0] == WIDE_TAIL
                ):
                    start -= 1  # never begin in the right half of a wide character
                tail = row.get(end + 1) or glass.get(end + 1)
                if tail is not None and tail[0] == WIDE_TAIL:
                    end += 1
                out.append(f"\x1b[{y + 1};{start + 1}H")
                for x in range(start, end + 1):
                    cell = row.get(x) or glass.get(x)
                    if cell is None:  # unknown and not written: stop here
                        break
                    text, cell_pen = cell
                    if text != WIDE_TAIL:
                        out.append(transition(pen, cell_pen))
                        pen = cell_pen
                        out.append(text)
                        if get_character_cell_size(text[0]) == 1:
                            self._narrow_over(glass, x)
                    glass[x] = cell
        if pen != PLAIN:
            out.append("\x1b[0m")
        return "".join(out)

    @staticmethod
    def _narrow_over(glass: dict[int, Cell], x: int) -> None:
        """A narrow character written at ``x`` breaks a wide one it overlaps: the
        terminal blanks the other half, so that half is no longer known."""
        old = glass.get(x)
        if old is None:
            return
        if old[0] == WIDE_TAIL:
            glass.pop(x - 1, None)
        elif old[0] and get_character_cell_size(old[0][0]) == 2:
            glass.pop(x + 1, None)

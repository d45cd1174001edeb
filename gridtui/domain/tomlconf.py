"""Reading rules files (TOML) with errors that name the file, line and key.

:class:`ConfTable` wraps one table of a parsed document and knows where it sits in
the text, so every refusal reads like ``sla.toml:42: policy[2].clocks[0].duration:
expected …``. Shared by the SLA and scoring configs.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]")
_KEY = re.compile(r"^\s*\"?([A-Za-z0-9_-]+)\"?\s*=")
_TOML_AT = re.compile(r"\(at line (\d+), column \d+\)")


class ConfigError(ValueError):
    """A broken rules file, naming the file, line, table path and expectation."""

    def __init__(
        self, message: str, *, source: str, line: int | None = None, path: str | None = None
    ) -> None:
        self.source = source
        self.line = line
        self.path = path
        self.detail = message
        where = source if line is None else f"{source}:{line}"
        super().__init__(f"{where}: {path}: {message}" if path else f"{where}: {message}")


def _is_hundredths(value: float) -> bool:
    return abs(value * 100 - round(value * 100)) < 1e-6


class ConfTable:
    """One table of the config being read, and where it sits, for error messages."""

    def __init__(
        self,
        source_text: str,
        source: str,
        data: Mapping[str, Any],
        name: str | None = None,
        index: int | None = None,
        *,
        error: type[ConfigError] = ConfigError,
        label: str | None = None,
    ) -> None:
        self.source_text, self.source, self.data = source_text, source, data
        self.name, self.index = name, index
        self.error = error
        head = name if index is None else f"{name}[{index}]"
        self.label = label if label is not None else head
        code = data.get("code", data.get("name"))
        self.code = code if isinstance(code, str) else None

    @classmethod
    def parse(cls, text: str, source: str, error: type[ConfigError]) -> ConfTable:
        """The top table of ``text``.

        Raises:
            ConfigError: (of class ``error``) the text is not valid TOML.
        """
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            found = _TOML_AT.search(str(exc))
            line = int(found.group(1)) if found else None
            raise error(f"invalid TOML: {exc}", source=source, line=line) from exc
        return cls(text, source, data, error=error)

    def fail(self, message: str, key: str | None = None) -> NoReturn:
        """Raise this table's error class for ``key``."""
        path = ".".join(p for p in (self.label, key) if p) or None
        raise self.error(message, source=self.source, line=self.line(key), path=path)

    def line(self, key: str | None) -> int | None:
        """The line of ``key`` in this table's block, else its header, else its code."""
        where: tuple[str | None, int | None] = (None, None)
        counts: dict[str, int] = {}
        header_line: int | None = None
        lines = self.source_text.splitlines()
        for number, line in enumerate(lines, start=1):
            if header := _HEADER.match(line):
                name = header.group(2).strip().strip("\"'")
                if header.group(1) == "[[":
                    counts[name] = counts.get(name, 0) + 1
                    where = (name, counts[name] - 1)
                else:
                    where = (name, None)
                if where == (self.name, self.index) and header_line is None:
                    header_line = number
                if self.name is None and name == key:
                    return number
            elif (
                where == (self.name, self.index) and (found := _KEY.match(line)) and found[1] == key
            ):
                return number
        if header_line is not None:
            return header_line
        quoted = (f'"{self.code}"', f"'{self.code}'")
        hits = [
            n for n, line in enumerate(lines, 1) if self.code and any(q in line for q in quoted)
        ]
        return hits[0] if hits else None

    def only(self, *keys: str) -> None:
        """Refuse keys outside ``keys`` (catches typos such as ``cap_peroid``)."""
        for key in self.data:
            if key not in keys:
                self.fail(f"unknown key; expected one of {', '.join(keys)}", key)

    def _child_name(self, key: str) -> str:
        return key if self.name is None else f"{self.name}.{key}"

    def _child_label(self, key: str) -> str:
        return key if not self.label else f"{self.label}.{key}"

    def sub(self, key: str) -> ConfTable:
        """The sub-table ``[key]`` (empty when absent)."""
        value = self.data.get(key, {})
        if not isinstance(value, dict):
            self.fail(f"expected a table [{key}]", key)
        name = self._child_name(key)
        return ConfTable(
            self.source_text, self.source, value, name,
            error=self.error, label=self._child_label(key),
        )  # fmt: skip

    def array(self, key: str, offset: int = 0) -> list[ConfTable]:
        """The array of tables ``[[key]]`` (empty when absent).

        ``offset`` is how many ``[[key]]`` headers of the same name came before this
        table's (nested arrays are numbered through the whole file).
        """
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.fail(f"expected an array of tables [[{key}]]", key)
        name = self._child_name(key)
        return [
            ConfTable(
                self.source_text,
                self.source,
                v,
                name,
                offset + i,
                error=self.error,
                label=f"{self._child_label(key)}[{i}]",
            )
            for i, v in enumerate(value)
        ]

    def text(self, key: str, default: str | None = None) -> str:
        """A required (unless defaulted) non-empty string."""
        value = self.data.get(key, default)
        if not isinstance(value, str) or not value.strip():
            self.fail(f"expected a non-empty string, got {value!r}", key)
        return value.strip()

    def texts(self, key: str) -> list[str]:
        """A string or a non-empty list of strings."""
        value = self.data.get(key)
        values = [value] if isinstance(value, str) else value
        if (
            not isinstance(values, list)
            or not values
            or not all(isinstance(v, str) for v in values)
        ):
            self.fail(f"expected a string or a non-empty list of strings, got {value!r}", key)
        return [v.strip() for v in values]

    def choice(self, key: str, options: Sequence[str], default: str | None = None) -> str:
        """One of ``options``."""
        value = self.text(key, default)
        if value not in options:
            self.fail(f"expected one of {', '.join(options)}, got {value!r}", key)
        return value

    def number(self, key: str, default: float | None = None) -> float:
        """A finite number with at most two decimals."""
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(f"expected a number, got {value!r}", key)
        if not math.isfinite(value) or not _is_hundredths(value):
            self.fail(f"expected a finite number with at most two decimals, got {value!r}", key)
        return float(value)

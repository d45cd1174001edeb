"""Delimited text exports (CSV, TSV, ``;`` or ``|`` separated): their encoding, their
delimiter and their records.

**Encoding** (:func:`text_layout`): the map's ``encoding`` when it names one; else a
byte-order mark (UTF-8, UTF-16, UTF-32); else the candidates, in order: UTF-8 when the
start of the file is valid UTF-8, the encodings charset-normalizer finds, and GB18030.
Short Chinese files fool any detector (a few lines of GBK pass for Korean CP949), so
the map's column names decide: the first candidate whose header holds every mapped
column wins. A file that no candidate reads as text (NUL bytes, a binary) is refused.

**Delimiter**: the map's ``delimiter``; else the one :class:`csv.Sniffer` finds in the
first lines, the suffix's (``.tsv``: tab, else comma), then ``;`` and ``|``, the first
that splits the header into the mapped columns.

The file is then read with that encoding (strictly: a byte that does not decode stops
the import, naming the line) and delimiter; ``header_row`` lines are skipped first.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

from gridtui.data.intake.importer.column_map import ImportMap
from gridtui.data.intake.importer.records import (
    ImportFileError,
    SourceRecord,
    check_header,
    mapped_columns,
)

#: how much of the start of a file the encoding and the delimiter are told from
SAMPLE_BYTES = 64 * 1024
DELIMITERS = (",", "\t", ";", "|")
#: byte-order marks (UTF-32 first: its little-endian mark starts like UTF-16's)
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_SHOWN = {"\t": "tab", ",": "','", ";": "';'", "|": "'|'"}


@dataclass(frozen=True, slots=True)
class TextLayout:
    """How a delimited file is read."""

    encoding: str
    delimiter: str

    def __str__(self) -> str:
        shown = _SHOWN.get(self.delimiter, repr(self.delimiter))
        return f"read as {encoding_name(self.encoding)} text, {shown} between fields"


def encoding_name(encoding: str) -> str:
    """``encoding`` as people name it (``UTF-8``, ``gb18030``)."""
    name = codecs.lookup(encoding).name
    return {"utf-8": "UTF-8", "utf-8-sig": "UTF-8"}.get(name, name)


def _sample(path: Path) -> bytes:
    """The start of the file, ending at a line break when the file goes on."""
    with path.open("rb") as fh:
        data = fh.read(SAMPLE_BYTES + 1)
    if len(data) > SAMPLE_BYTES:
        data = data[:SAMPLE_BYTES]
        cut = data.rfind(b"\n")
        if cut > 0:
            data = data[: cut + 1]
    return data


def _candidates(sample: bytes, mapping: ImportMap) -> list[str]:
    """The encodings to try, most likely first."""
    if mapping.encoding:
        return [mapping.encoding]
    for bom, name in BOMS:
        if sample.startswith(bom):
            return [name]
    found: list[str] = []
    if b"\x00" not in sample:
        try:
            sample.decode("utf-8")
            found.append("utf-8")
        except UnicodeDecodeError:
            pass
    found += [match.encoding for match in from_bytes(sample)]
    if b"\x00" not in sample:
        found.append("gb18030")  # the usual encoding of Chinese exports that are not UTF-8
    names = [codecs.lookup(name).name for name in found]
    return list(dict.fromkeys(names))


def _header(text: str, delimiter: str, header_row: int) -> list[str]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for _ in range(header_row - 1):
            next(reader)
        return [h.strip() for h in next(reader)]
    except (StopIteration, csv.Error):
        return []


def _delimiters(text: str, mapping: ImportMap, fallback: str) -> list[str]:
    if mapping.delimiter:
        return [mapping.delimiter]
    lines = "".join(text.splitlines(keepends=True)[mapping.header_row - 1 :][:20])
    try:
        sniffed = [csv.Sniffer().sniff(lines, delimiters="".join(DELIMITERS)).delimiter]
    except csv.Error:
        sniffed = []
    return list(dict.fromkeys([*sniffed, fallback, *DELIMITERS]))


def text_layout(path: Path, mapping: ImportMap, fallback: str = ",") -> TextLayout:
    """The encoding and delimiter of the delimited file at ``path`` (see the module
    docstring); ``fallback`` is the delimiter its suffix suggests.

    Raises:
        ImportFileError: no candidate encoding reads the start of the file as text.
        OSError: the file cannot be read.
    """
    sample = _sample(path)
    first: TextLayout | None = None
    wanted = mapped_columns(mapping)
    tried = _candidates(sample, mapping)
    for encoding in tried:
        try:
            text = sample.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            continue
        delimiters = _delimiters(text, mapping, fallback)
        first = first or TextLayout(encoding, delimiters[0])
        for delimiter in delimiters:
            if wanted <= set(_header(text, delimiter, mapping.header_row)):
                return TextLayout(encoding, delimiter)
    if first is not None:
        return first  # the header check will say what is missing, and how it was read
    names = ", ".join(encoding_name(e) for e in tried)
    why = f"not text in any encoding ({f'tried {names}' if names else 'binary content'})"
    why += ", nor an Excel workbook"
    if mapping.encoding is not None:
        why = f"not {encoding_name(mapping.encoding)} text (the map's encoding)"
    raise ImportFileError(path, why)


def delimited_records(path: Path, mapping: ImportMap, layout: TextLayout) -> Iterator[SourceRecord]:
    """Every non-blank record of the delimited file, with the line it starts on.

    Raises:
        ImportFileError: empty, a byte that does not decode, broken quoting, or a
            header without the mapped columns.
    """
    last = 0
    try:
        # csv.reader rather than DictReader: it yields blank lines too, so the line
        # where each record starts is exact, and the raw fields are at hand for the
        # rejects file.
        with path.open(encoding=layout.encoding, newline="") as fh:
            reader = csv.reader(fh, delimiter=layout.delimiter)
            try:
                for _ in range(mapping.header_row - 1):
                    next(reader)
                header = [h.strip() for h in next(reader)]
            except StopIteration:
                why = f"no header on line {mapping.header_row}: the file is too short"
                why = "the file is empty: expected a header line" if reader.line_num == 0 else why
                raise ImportFileError(path, why) from None
            check_header(path, header, mapping, str(layout))
            end = reader.line_num
            for fields in reader:
                line, end = end + 1, reader.line_num
                last = line
                if not any(f.strip() for f in fields):
                    continue
                cells = dict(zip(header, fields, strict=False))
                bad = f"{len(fields)} fields where the header has {len(header)}"
                yield SourceRecord(line, cells, fields, "" if len(fields) == len(header) else bad)
    except UnicodeDecodeError as exc:
        name = encoding_name(layout.encoding)
        hint = "" if mapping.encoding else "; set encoding in the map if that is not its encoding"
        raise ImportFileError(
            path, f"not {name} text after line {last}: {exc.reason}{hint}"
        ) from exc
    except csv.Error as exc:
        raise ImportFileError(path, f"broken CSV after line {last}: {exc}") from exc

"""GeoReport documents as JSON or XML: the same content under the specification's
element names, and GeoReport's error documents."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

from fastapi.responses import JSONResponse, Response

from gridtui.api.open311.errors import GeoReportError, echo

FORMATS = ("json", "xml")
#: the XML answers' Content-Type, exactly: older GeoReport clients compare it whole
#: (no charset parameter: the prolog declares the encoding)
XML_MEDIA_TYPE = "text/xml"
#: every XML answer's first line
PROLOG = b'<?xml version="1.0" encoding="utf-8"?>\n'
#: the element name of a list's items, by the list's element name (XML)
ITEM_TAGS = {
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}
# Characters XML 1.0 forbids even escaped (stored text is already clean; echoes may not be).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

Document = dict[str, Any] | list[dict[str, Any]]


def xml_document(root: str, item: str, doc: Document) -> bytes:
    """``doc`` as XML: a list becomes ``<root><item>…</item>…</root>``, a mapping
    ``<root><key>…</key>…</root>``; nested lists take their items' names from
    :data:`ITEM_TAGS`. None is an empty element, booleans are ``true``/``false``; the
    document opens with :data:`PROLOG` (UTF-8, declared)."""
    top = ET.Element(root)
    if isinstance(doc, list):
        for entry in doc:
            _fill(ET.SubElement(top, item), entry)
    else:
        _fill(top, doc)
    return PROLOG + ET.tostring(top, encoding="unicode").encode("utf-8")


def _fill(element: ET.Element, value: object) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _fill(ET.SubElement(element, key), inner)
    elif isinstance(value, list):
        tag = ITEM_TAGS[element.tag]
        for inner in value:
            _fill(ET.SubElement(element, tag), inner)
    else:
        element.text = _xml_text(value)


def _xml_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return _NOT_XML.sub("", str(value))


def render(
    fmt: str,
    doc: Document,
    root: str,
    item: str = "",
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """``doc`` as JSON or as XML under ``root`` (list items named ``item``; XML is
    ``Content-Type: text/xml`` exactly)."""
    if fmt == "xml":
        body = xml_document(root, item, doc)
        # a Content-Type header, not a media type: Starlette would add "; charset=utf-8"
        fields = {**(headers or {}), "content-type": XML_MEDIA_TYPE}
        return Response(body, status_code=status, headers=fields)
    return JSONResponse(doc, status_code=status, headers=headers)


def error_response(
    fmt: str, status: int, description: str, headers: Mapping[str, str] | None = None
) -> Response:
    """A GeoReport error document."""
    doc = [{"code": status, "description": description}]
    return render(fmt, doc, "errors", "error", status=status, headers=headers)


def format_of_path(path: str) -> str:
    """The response format a path asks for: ``xml`` for ``….xml``, else ``json``."""
    return "xml" if path.endswith(".xml") else "json"


def checked_format(fmt: str) -> str:
    """``fmt`` when it is one GeoReport serves.

    Raises:
        GeoReportError: 404 for any other suffix.
    """
    if fmt not in FORMATS:
        raise GeoReportError(404, f"unknown format {echo(fmt)}: use .json or .xml")
    return fmt

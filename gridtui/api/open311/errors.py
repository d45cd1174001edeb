"""GeoReport's errors: :class:`GeoReportError` and how outside text is quoted in them."""

from __future__ import annotations

from gridtui.domain.text import clean_text


class GeoReportError(Exception):
    """A request GeoReport answers with an error: HTTP status and a description."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def echo(value: str, limit: int = 64) -> str:
    """Outside text quoted in a message: cleaned, on one line, cut to ``limit``."""
    text = clean_text(value, one_line=True)
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")

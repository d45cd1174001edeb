"""Secrets and outside text's control characters stay out of the logs.

Open311 clients may send their ``api_key`` in the query string, and uvicorn's access
log prints every request's path with its query: a token that may open tickets would
then sit in every log file and terminal scroll-back. :class:`RedactSecrets` rewrites
the path of each access-log record before it is written.

Values from outside (drop-file names, paths of requests, ticket fields in messages)
reach the logs of ``gridtui.*`` and ``uvicorn.*`` as arguments. :func:`clean_record`
passes every argument (and a message without arguments, and an exception's text)
through :func:`~gridtui.domain.text.log_text`: no escape sequence reaches the
terminal that tails the log, a bidi control shows as ``<U+202E>``, and a newline in
a value is written ``\\n``, so it cannot forge a line. :func:`install` makes every
record of these loggers cleaned where it is made (a record factory), whatever
handler (or test) receives it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from gridtui.domain.text import log_text, shown_text

#: query parameters whose values never reach a log
SECRET_PARAMS = ("api_key", "token", "access_token")
_SECRET = re.compile(r"(?i)([?&](?:" + "|".join(SECRET_PARAMS) + r")=)[^&#\s]*")


def redact(path: str) -> str:
    """``path`` with the values of :data:`SECRET_PARAMS` replaced by ``***``."""
    return _SECRET.sub(r"\1***", path)


class RedactSecrets(logging.Filter):
    """A filter for ``uvicorn.access``: its records carry the path as an argument."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


#: the loggers whose records are cleaned (and their children)
CLEANED = ("gridtui", "uvicorn")


def _clean_arg(value: object) -> object:
    if isinstance(value, (int, float)) or value is None:
        return value  # numbers keep their %d / %.1f formats
    return log_text(value if isinstance(value, str) else str(value))


def clean_record(record: logging.LogRecord) -> logging.LogRecord:
    """``record`` with its arguments, its message when it has none, and its exception
    text safe for a log line (see the module docstring). Returns ``record``."""
    if getattr(record, "gridtui_clean", False):
        return record
    args = record.args
    if isinstance(args, dict):
        record.args = {k: _clean_arg(v) for k, v in args.items()}
    elif args:
        record.args = tuple(_clean_arg(a) for a in args)
    elif not isinstance(record.msg, str) or record.msg:
        record.msg = log_text(str(record.msg))
    if record.exc_info and not record.exc_text:
        # a traceback keeps its lines; its values lose their escapes
        text = logging.Formatter().formatException(record.exc_info)
        record.exc_text = shown_text(text)
    setattr(record, "gridtui_clean", True)  # noqa: B010
    return record


class CleanRecords(logging.Filter):
    """A filter (for a handler or a logger) that applies :func:`clean_record`."""

    def filter(self, record: logging.LogRecord) -> bool:
        clean_record(record)
        return True


_factory_installed = False


def install_cleaning() -> None:
    """Clean every record of the :data:`CLEANED` loggers as it is made (idempotent)."""
    global _factory_installed
    if _factory_installed:
        return
    previous: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        name = record.name
        if name.split(".", 1)[0] in CLEANED:
            clean_record(record)
        return record

    logging.setLogRecordFactory(factory)
    _factory_installed = True


def install() -> None:
    """Redact the access log of this process and clean the logs of outside text's
    control characters (idempotent)."""
    install_cleaning()
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactSecrets) for f in access.filters):
        access.addFilter(RedactSecrets())

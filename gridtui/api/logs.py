"""Secrets stay out of the server's log.

Open311 clients may send their ``api_key`` in the query string, and uvicorn's access
log prints every request's path with its query: a token that may open tickets would
then sit in every log file and terminal scroll-back. :class:`RedactSecrets` rewrites
the path of each access-log record before it is written.
"""

from __future__ import annotations

import logging
import re

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


def install() -> None:
    """Redact the access log of this process (idempotent)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactSecrets) for f in access.filters):
        access.addFilter(RedactSecrets())

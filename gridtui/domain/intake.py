"""Duplicate reports: the same report sent twice within a short window is one report.

Open311 clients send no idempotency key: a client that timed out during a surge and
sends its report again would open a second ticket. A report's content (the service,
the description, the location and the contact) is its key instead: the same content
from the same client within :data:`DUPLICATE_WINDOW` gets the first report's ticket
back. After the window the same text is a new report (the lamp broke again).
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Mapping
from datetime import timedelta

#: how long a report's content answers with the ticket it opened
DUPLICATE_WINDOW = timedelta(minutes=10)
#: the GeoReport v2 fields that make a report what it is (not the api_key, not media)
CONTENT_FIELDS = (
    "service_code", "description",
    "lat", "long", "address_string", "address_id",
    "email", "device_id", "account_id", "first_name", "last_name", "phone",
)  # fmt: skip
#: the prefix of content keys (never a client's own idempotency key: those are free text)
PREFIX = "content:"


def content_key(fields: Mapping[str, str]) -> str:
    """The key of a report's content: :data:`PREFIX` and the SHA-256 of its
    :data:`CONTENT_FIELDS`, each trimmed and in Unicode NFC (the same text typed or
    pasted the same). 72 characters."""
    parts = [
        unicodedata.normalize("NFC", str(fields.get(name, ""))).strip() for name in CONTENT_FIELDS
    ]
    text = json.dumps(parts, ensure_ascii=False)
    return PREFIX + hashlib.sha256(text.encode()).hexdigest()

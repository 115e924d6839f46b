"""A person's decision in triagewise's own GitHub comment, where readers do not see it: a
hidden HTML comment at the end of the body, `<!-- triagewise:decision BASE64 -->`. The JSON is
base64-encoded, so no tracker text in it (a reason, an author) can close the HTML comment
(`-->`) or show up in the rendered comment."""

from __future__ import annotations

import base64
import binascii
import re

_TAG = "triagewise:decision"
_RECORD = re.compile(r"<!-- " + _TAG + r" ([A-Za-z0-9+/=]+) -->")


def with_record(body: str, record: str | None) -> str:
    """The body with the record appended (none: the body as it is)."""
    if record is None:
        return body
    encoded = base64.b64encode(record.encode()).decode("ascii")
    return f"{body}\n<!-- {_TAG} {encoded} -->"


def record_of(body: str) -> str | None:
    """The record a comment body carries (the last one), or None."""
    found = _RECORD.findall(body or "")
    if not found:
        return None
    try:
        return base64.b64decode(found[-1], validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None

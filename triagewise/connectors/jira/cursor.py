"""A Jira source's resume point (see `mirror.py` for what each part is for)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from triagewise.connectors import cursor as codec


@dataclass(frozen=True)
class JiraScan:
    """A scan under way: its JQL, the next page (a Cloud token or a Data Center offset), the
    newest update seen."""

    jql: str
    token: str | None = None
    start_at: int = 0
    max_updated: str | None = None
    page: int = 0


@dataclass(frozen=True)
class JiraCursor:
    """The site and its kind, the user's JQL (another scope starts over), the high-water mark
    of the last finished scan, the notes it made, and the scan under way, if any."""

    endpoint: str
    jql: str | None = None
    hwm: str | None = None
    checked_at: str | None = None
    notes: list[str] = field(default_factory=list)
    scan: JiraScan | None = None

    def to_json(self) -> dict[str, Any]:
        return codec.to_json(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> JiraCursor | None:
        """None for no cursor, or one without an endpoint (it cannot be resumed)."""
        if not data or not isinstance(data.get("endpoint"), str):
            return None
        scan = data.get("scan")
        return codec.from_json(
            cls,
            {
                **data,
                "notes": list(data.get("notes") or []),
                "scan": codec.from_json(JiraScan, scan) if scan else None,
            },
        )

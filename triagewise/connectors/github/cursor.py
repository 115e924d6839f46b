"""A GitHub source's resume point (see `mirror.py` for what each part is for)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from triagewise.connectors import cursor as codec


@dataclass(frozen=True)
class GitHubScan:
    """A scan under way: the page-1 URL and its ETag, where to stop, how far it got."""

    probe_url: str
    probe_etag: str | None
    stop_at: str | None  # ISO-8601: older updates than this were read by an earlier scan
    max_updated: str | None
    next_url: str | None
    page: int = 0


@dataclass(frozen=True)
class GitHubCursor:
    """The repository's issues endpoint (another server is another mirror), the high-water
    mark of the last finished scan and its probe, the `since` filter and when it was set, and
    the scan under way, if any."""

    endpoint: str
    hwm: str | None = None
    probe_url: str | None = None
    probe_etag: str | None = None
    since: str | None = None
    since_set_at: str | None = None
    checked_at: str | None = None
    scan: GitHubScan | None = None

    def to_json(self) -> dict[str, Any]:
        return codec.to_json(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> GitHubCursor | None:
        """None for no cursor, or one without an endpoint (it cannot be resumed)."""
        if not data or not isinstance(data.get("endpoint"), str):
            return None
        scan = data.get("scan")
        return codec.from_json(
            cls, {**data, "scan": codec.from_json(GitHubScan, scan) if scan else None}
        )

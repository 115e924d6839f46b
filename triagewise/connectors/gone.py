"""Issues that are no longer where the mirror has them: deleted, or moved (a GitHub transfer,
a Jira move to another project). Tracker-neutral: each connector that can tell implements
`Locator`; `sync/gone.py` takes them out of the ranking, and follows a move that lands inside
the configured sources."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from triagewise.model import Issue


@dataclass(frozen=True)
class Gone:
    """`ref` is no longer there. `moved_to` is its new ref when the tracker says where it
    went, and `home` that place as the connector's `mirrors()` spells a source's scope, so the
    sync can tell whether a configured source mirrors it (None: only this source can)."""

    ref: str
    why: str  # "was deleted", "was transferred to acme/web#9", …: part of a sentence
    moved_to: str | None = None
    home: str | None = None


@runtime_checkable
class Locator(Protocol):
    def locate(self, issues: Sequence[Issue]) -> list[Gone]:
        """Of these mirrored issues, the ones that are gone or moved, in as few requests as
        the tracker allows (GitHub: 100 a GraphQL query, then one REST read per missing
        issue; Jira: 100 ids a search). Issues still in place are not listed. Reads only;
        may raise the connector's retriable and auth errors."""
        ...

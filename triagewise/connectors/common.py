"""What every connector's scan yields: a page of issues and the cursor to save with it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from triagewise.model import Issue


@dataclass
class PageBatch:
    issues: list[tuple[Issue, dict[str, Any]]]
    cursor: dict[str, Any]  # save together with `issues`, in one transaction
    status: int  # 200, or 304 when nothing changed
    skipped_prs: int = 0
    page: int = 0
    last_page: int | None = None
    done: bool = False
    notes: list[str] = field(default_factory=list)

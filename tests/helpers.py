"""Test helpers that are not fixtures: an in-memory tracker and its connector, and fakes of the
connector Protocols for unit tests of apply and resume.

Nothing in `triagewise/` knows the memory connector: it comes in through the registry, the way
a GitLab or Linear package would.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from triagewise.connectors.base import (
    BoardState,
    Capabilities,
    CommentStyle,
    Fetched,
    Meter,
    Page,
    SavedCursor,
)
from triagewise.connectors.config import SourceConfig
from triagewise.connectors.retry import RetryPolicy
from triagewise.model import Issue, StatusCategory
from triagewise.sync.moves import apply_block_moves

MEMORY_MARKER = "<!-- memory:triagewise -->"


@dataclass
class MemoryIssue:
    title: str
    body: str = ""
    labels: list[str] = field(default_factory=list)
    updated_at: datetime | None = None


@dataclass
class MemoryTracker:
    """A tracker that lives in a dict: issues, one board order, comments, and every write."""

    issues: dict[str, MemoryIssue]
    order: list[str]
    created_at: datetime
    comments: dict[str, dict[str, str]] = field(default_factory=dict)  # ref -> id -> body
    writes: list[tuple[str, ...]] = field(default_factory=list)
    requests: int = 0
    refuse_rank: set[str] = field(default_factory=set)


TRACKERS: dict[str, MemoryTracker] = {}  # a source's `tracker` key names one of these


class MemorySource(SourceConfig):
    type: Literal["memory"]
    tracker: str


def _memory(source: SourceConfig) -> MemorySource:
    assert isinstance(source, MemorySource)
    return source


@dataclass(frozen=True)
class MemoryCursor:
    """The in-memory source's cursor: the newest update it has read."""

    hwm: str

    def to_json(self) -> dict[str, Any]:
        return {"hwm": self.hwm}


class MemoryConnection:
    """One `MemoryTracker`, through every Protocol of `connectors/base.py`."""

    def __init__(self, source: MemorySource) -> None:
        self.name = source.name
        self.capabilities = MEMORY.capabilities(source)
        self.tracker = TRACKERS[source.tracker]
        self.labels = self
        self.ranker = self
        self.board = None
        self.commenter = self
        self.writes = 0

    # -- reads -----------------------------------------------------------------------------

    def scan(self, saved: SavedCursor | None, now: datetime) -> Iterator[Page]:
        """Everything updated after the cursor's high-water mark, in one page."""
        self.tracker.requests += 1
        cursor = MemoryCursor(**saved) if saved else None
        since = datetime.fromisoformat(cursor.hwm) if cursor else None
        t = self.tracker
        items = [
            (ref, item)
            for ref, item in sorted(t.issues.items())
            if since is None or (item.updated_at or t.created_at) > since
        ]
        issues = [
            (self._issue(ref, item), {"ref": ref, "title": item.title}) for ref, item in items
        ]
        newest = max((i.updated_at for i, _ in issues), default=since or t.created_at)
        yield Page(issues, MemoryCursor(newest.isoformat()), 200, page=1, last_page=1, done=True)

    def _issue(self, ref: str, item: MemoryIssue) -> Issue:
        return Issue(
            source=self.name,
            tracker="memory",
            ref=ref,
            tracker_id=ref,
            title=item.title,
            body=item.body,
            state="open",
            status_category=StatusCategory.TODO,
            labels=tuple(item.labels),
            created_at=self.tracker.created_at,
            updated_at=item.updated_at or self.tracker.created_at,
        )

    def read_board(self, issues: Sequence[Issue]) -> BoardState | None:
        self.tracker.requests += 1
        return BoardState(list(self.tracker.order))

    def fetch_issue(self, ref: str) -> Fetched:
        self.tracker.requests += 1
        item = self.tracker.issues.get(ref)
        if item is None:
            return Fetched(None, gone="deleted")
        return Fetched(self._issue(ref, item), {"ref": ref, "title": item.title})

    def target(self, issue: Issue) -> str:
        return issue.ref

    def meter(self) -> Meter:
        return Meter(self.tracker.requests, self.tracker.requests, 0)

    def close(self) -> None:
        pass

    # -- writes ----------------------------------------------------------------------------

    def _touch(self, ref: str) -> None:
        item = self.tracker.issues[ref]
        item.updated_at = (item.updated_at or self.tracker.created_at) + timedelta(seconds=1)

    def write_labels(self, target: str, add: tuple[str, ...], remove: tuple[str, ...]) -> None:
        self.writes += 1
        self.tracker.writes.append(("labels", target, *add, *(f"-{r}" for r in remove)))
        item = self.tracker.issues[target]
        item.labels = [x for x in item.labels if x not in remove] + [
            x for x in add if x not in item.labels
        ]
        self._touch(target)

    def current_labels(self, ref: str) -> set[str]:
        return set(self.tracker.issues[ref].labels)

    def rank(self, issues: tuple[str, ...], position: str, anchor: str) -> list[str]:
        self.writes += 1
        self.tracker.writes.append(("rank", position, anchor, *issues))
        refused = [ref for ref in issues if ref in self.tracker.refuse_rank]
        moving = tuple(ref for ref in issues if ref not in refused)
        self.tracker.order = apply_block_moves(self.tracker.order, [(moving, position, anchor)])
        return refused

    def comment(self, ref: str, body: str, known_id: str | None, record: str | None = None) -> str:
        self.writes += 1
        self.tracker.writes.append(("comment", ref))
        mine = self.tracker.comments.setdefault(ref, {})
        found = known_id or next((i for i, b in mine.items() if MEMORY_MARKER in b), None)
        comment_id = found or str(len(mine) + 1)
        mine[comment_id] = body
        return comment_id


class MemoryConnector:
    type = "memory"
    config_model = MemorySource
    webhook = None  # the in-memory tracker sends no webhooks

    def capabilities(self, source: SourceConfig) -> Capabilities:
        _memory(source)
        style = CommentStyle("**{}**", "- ", f"(kept in place) {MEMORY_MARKER}", MEMORY_MARKER)
        return Capabilities(title="Memory", rank="block", rank_batch=2, comments=style)

    def mirrors(self, source: SourceConfig) -> str:
        return f"memory:{_memory(source).tracker}"

    def open(
        self,
        source: SourceConfig,
        index: int,
        env: Mapping[str, str],
        policy: RetryPolicy,
        timeout: float,
    ) -> MemoryConnection:
        return MemoryConnection(_memory(source))


MEMORY = MemoryConnector()


# -- fakes of the Protocols, for apply and resume -------------------------------------------


@dataclass
class FakeLabels:
    have: dict[str, set[str]] = field(default_factory=dict)
    sent: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = field(default_factory=list)
    fail_with: Exception | None = None

    @property
    def writes(self) -> int:
        return len(self.sent)

    def write_labels(self, target: str, add: tuple[str, ...], remove: tuple[str, ...]) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.sent.append((target, add, remove))
        labels = self.have.setdefault(target, set())
        labels -= set(remove)
        labels |= set(add)

    def current_labels(self, ref: str) -> set[str]:
        return set(self.have.get(ref, set()))


@dataclass
class FakeRanker:
    refuse: set[str] = field(default_factory=set)
    sent: list[tuple[tuple[str, ...], str, str]] = field(default_factory=list)

    @property
    def writes(self) -> int:
        return len(self.sent)

    def rank(self, issues: tuple[str, ...], position: str, anchor: str) -> list[str]:
        self.sent.append((issues, position, anchor))
        return [ref for ref in issues if ref in self.refuse]


@dataclass
class FakeBoard:
    sent: list[tuple[str, ...]] = field(default_factory=list)

    @property
    def writes(self) -> int:
        return len(self.sent)

    def add(self, target: str) -> str:
        self.sent.append(("add", target))
        return f"item-{target}"

    def move(self, target: str, after: str | None) -> None:
        self.sent.append(("move", target, after or "(top)"))

    def set_score(self, target: str, number: float) -> None:
        self.sent.append(("score", target, str(number)))


@dataclass
class FakeCommenter:
    sent: list[tuple[str, str | None]] = field(default_factory=list)

    @property
    def writes(self) -> int:
        return len(self.sent)

    def comment(self, ref: str, body: str, known_id: str | None, record: str | None = None) -> str:
        self.sent.append((ref, known_id))
        return known_id or f"c-{ref}"


FAKE = Capabilities(title="Fake", rank="block", rank_batch=2)


@dataclass
class FakeWriters:
    """What `apply_plan` needs of one source, every part a fake."""

    labels: FakeLabels = field(default_factory=FakeLabels)
    ranker: FakeRanker | None = field(default_factory=FakeRanker)
    board: FakeBoard | None = field(default_factory=FakeBoard)
    commenter: FakeCommenter | None = field(default_factory=FakeCommenter)
    capabilities: Capabilities = FAKE

    def sent(self) -> int:
        parts: list[Any] = [self.labels, self.ranker, self.board, self.commenter]
        return sum(p.writes for p in parts if p is not None)

"""The one interface every tracker implements. The core (`sync/`, the CLI) talks only to this.

A tracker package (`connectors/<tracker>/`) exports one `Connector`: a factory that owns the
source's config model, derives its `Capabilities` from that config, and opens a `Connection`.
`connectors/registry.py` maps a `[[sources]]` entry's `type` to its connector.

    Connector ──open()──▶ Connection
                            ├── scan(cursor, now) ──▶ Page, Page, …   (reads; required)
                            ├── labels: LabelWriter                    (writes; required)
                            ├── ranker: Ranker | None                  (block moves, Jira)
                            ├── board: Board | None                    (single moves + a number
                            │                                           field, GitHub Projects)
                            ├── commenter: Commenter | None
                            ├── read_board(issues) ──▶ BoardState | None
                            └── fetch_issue(ref) ──▶ Fetched          (one issue, one request;
                                                                     `triagewise serve`)
    Connector.webhook ──▶ WebhookFormat | None   (verify and read the tracker's webhooks)

Contracts every implementation keeps:

- Errors are `triagewise.errors` classes, translated in one table per connector: retriable ones
  (429, 5xx, reset connections) are retried inside the connector under its `RetryPolicy` and
  surface as `UnreachableError` when the budget is spent; `AuthError` for refused credentials;
  a refused single write raises `RefusedWriteError` (the apply step records it and goes on).
- No method writes to the store, reads the clock or the environment beyond what it is given.
- Writes are idempotent: sending the same change twice leaves the tracker as sending it once.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

from triagewise.connectors.capabilities import Capabilities, CommentStyle, RankStyle
from triagewise.connectors.config import SourceConfig
from triagewise.connectors.identity import LabelEvent, LabelHistory, fold_identity
from triagewise.connectors.retry import RetryPolicy
from triagewise.connectors.webhooks import WebhookEvent, WebhookFormat, hmac_ok
from triagewise.connectors.write_caps import (
    BatchBoard,
    BoardOp,
    FreshLabelReader,
    Paced,
    QuietWriter,
)
from triagewise.errors import ConfigError
from triagewise.model import Issue

__all__ = [
    "BatchBoard",
    "BatchLabelWriter",
    "Board",
    "BoardOp",
    "BoardState",
    "Capabilities",
    "CommentStyle",
    "Commenter",
    "Connection",
    "Connector",
    "Cursor",
    "Fetched",
    "FreshLabelReader",
    "LabelEvent",
    "LabelHistory",
    "LabelWriter",
    "Meter",
    "Paced",
    "Page",
    "QuietWriter",
    "RankStyle",
    "Ranker",
    "SavedCursor",
    "TaskLabelWriter",
    "WebhookEvent",
    "WebhookFormat",
    "fold_identity",
    "hmac_ok",
    "resolve_env",
]


class Cursor(Protocol):
    """A source's resume point, saved with each page: each connector's own typed model
    (`GitHubCursor`, `JiraCursor`), which writes itself as the JSON the store keeps."""

    def to_json(self) -> dict[str, Any]: ...


SavedCursor = Mapping[str, Any]
"""A cursor as the store keeps it (JSON); the connector's `scan` reads it back with its own
model, so the store and the sync shell never know its fields."""


@dataclass
class Page:
    """One page of a scan: the issues (with their raw payloads) and the cursor to save with
    them in one transaction, so a run killed between pages resumes after the last saved one."""

    issues: list[tuple[Issue, dict[str, Any]]]
    cursor: Cursor
    status: int  # 200, or 304 when nothing changed
    skipped_prs: int = 0
    page: int = 0
    last_page: int | None = None
    done: bool = False
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Meter:
    """What a connection has sent so far: every HTTP request, the listing ones among them, and
    the conditional reads that answered 304."""

    requests: int = 0
    searches: int = 0
    not_modified: int = 0


@dataclass(frozen=True)
class BoardState:
    """A board's order (refs, top first) and, when it has a score field, its values."""

    order: list[str]
    scores: dict[str, float] | None = None


@dataclass(frozen=True)
class Fetched:
    """One issue re-read by ref: the issue and its raw payload, or `gone` with the tracker's
    word for why (deleted, transferred, not visible any more) and no issue."""

    issue: Issue | None
    raw: dict[str, Any] = field(default_factory=dict)
    gone: str | None = None


class LabelWriter(Protocol):
    """Adds and removes named labels on one issue; never replaces the set."""

    @property
    def writes(self) -> int:
        """Write calls sent so far."""
        ...

    def write_labels(self, target: str, add: tuple[str, ...], remove: tuple[str, ...]) -> None:
        """One write to the issue `target` (what `Connection.target` returned). Labels not
        named stay as they are. Raises an error from `triagewise.errors` when refused."""
        ...

    def current_labels(self, ref: str) -> set[str]:
        """The issue's labels as the tracker holds them now (one read); used after a run was
        killed between sending a change and hearing back."""
        ...


LabelWrite = tuple[str, str, tuple[str, ...], tuple[str, ...]]
"""One issue's label write in a batch: (ref, target, add, remove)."""


@runtime_checkable
class BatchLabelWriter(Protocol):
    """A `LabelWriter` that can carry many issues' label writes in one request
    (`Capabilities.label_batch` > 1), e.g. aliased GraphQL mutations."""

    @property
    def batch_size(self) -> int:
        """How many issues the next request should carry (adapts to the tracker's limits)."""
        ...

    def write_labels_batch(
        self,
        writes: Sequence[LabelWrite],
        note: Callable[[list[str], str], None] | None = None,
    ) -> list[str | None]:
        """Send the writes, as few requests as the tracker allows; one entry per write: None
        when it landed, else the tracker's reason for refusing that issue. Raises (like
        `write_labels`) only when the whole batch could not be sent; then any of its writes
        may or may not have landed. A tracker whose writes run as asynchronous tasks calls
        `note(refs, task)` once a task is accepted, so the caller can journal it."""
        ...


@runtime_checkable
class TaskLabelWriter(BatchLabelWriter, Protocol):
    """A batch writer whose writes run as tracker-side tasks (Jira Cloud bulk edit)."""

    def task_outcome(self, task: str) -> set[str] | None:
        """The refs a journaled task processed, once it has ended; None if it is unknown."""
        ...


class Ranker(Protocol):
    """Block moves (`Capabilities.rank == "block"`)."""

    @property
    def writes(self) -> int:
        """Write calls sent so far."""
        ...

    def rank(self, issues: tuple[str, ...], position: str, anchor: str) -> list[str]:
        """Place `issues` in this order, as a block, `position` ("before" / "after") `anchor`.
        Returns the refs the tracker refused; raises when the whole call failed."""
        ...


class Board(Protocol):
    """Single moves plus a number field (`Capabilities.rank == "single"`)."""

    @property
    def writes(self) -> int:
        """Write calls sent so far."""
        ...

    def add(self, target: str) -> str:
        """Put the issue on the board (at the bottom) unless it is there; returns its item."""
        ...

    def move(self, target: str, after: str | None) -> None:
        """Move the issue to just after `after` (None: to the top), adding it if needed."""
        ...

    def set_score(self, target: str, number: float) -> None:
        """Write `number` into the board's score field for this issue."""
        ...


class Commenter(Protocol):
    """triagewise's one explanation comment per issue, edited in place."""

    @property
    def writes(self) -> int:
        """Write calls sent so far."""
        ...

    def comment(self, ref: str, body: str, known_id: str | None, record: str | None = None) -> str:
        """Edit the comment `known_id`, or find triagewise's comment by the style's marker, or
        create it once; returns its id. Never appends a second one. `record` (a person's
        decision, JSON) goes where readers do not see it; None removes a record it held."""
        ...


class Connection(Protocol):
    """One source, opened: reads, writes and counters. Close it when done."""

    @property
    def name(self) -> str: ...

    @property
    def capabilities(self) -> Capabilities: ...

    @property
    def labels(self) -> LabelWriter: ...

    @property
    def ranker(self) -> Ranker | None:
        """Present when `capabilities.rank == "block"`."""
        ...

    @property
    def board(self) -> Board | None:
        """Present when `capabilities.rank == "single"` (or the board takes scores)."""
        ...

    @property
    def commenter(self) -> Commenter | None:
        """Present when `capabilities.comments` is set."""
        ...

    def scan(self, saved: SavedCursor | None, now: datetime) -> Iterator[Page]:
        """The issues changed since the saved cursor (all of them without one; a cursor this
        connector cannot read, or one of another server or scope, starts over), newest first,
        page by page; the last page carries the completed cursor. Duplicates across pages are
        allowed (the store upserts by key); skipping an issue is not."""
        ...

    def read_board(self, issues: Sequence[Issue]) -> BoardState | None:
        """The board's current order in refs (the mirror's `issues` of this source translate
        the tracker's ids), or None when the source has no board. Reads only."""
        ...

    def target(self, issue: Issue) -> str:
        """What this tracker's writes address for `issue` (a node id, a key)."""
        ...

    def fetch_issue(self, ref: str) -> Fetched:
        """The issue `ref` as the tracker holds it now, in one read (a connection may spend
        one more on metadata the first time); `gone` when it was deleted, transferred or
        can no longer be seen."""
        ...

    def meter(self) -> Meter: ...

    def close(self) -> None: ...


class Connector(Protocol):
    """A tracker's factory: `type` is the config's tag, `config_model` the source's keys."""

    @property
    def type(self) -> str: ...

    @property
    def config_model(self) -> builtins.type[SourceConfig]: ...

    @property
    def webhook(self) -> WebhookFormat | None:
        """How the tracker's webhooks are verified and read; None when it sends none."""
        ...

    def capabilities(self, source: SourceConfig) -> Capabilities:
        """What this source can do, from its config alone (no I/O)."""
        ...

    def mirrors(self, source: SourceConfig) -> str:
        """What the source mirrors (server and repository or query), for duplicate checks."""
        ...

    def open(
        self,
        source: SourceConfig,
        index: int,
        env: Mapping[str, str],
        policy: RetryPolicy,
        timeout: float,
    ) -> Connection:
        """Resolve credentials from `env` (the variables the config names; `index` locates
        the source in error messages) and connect. Raises `ConfigError` for a missing
        variable, the connector's errors for a refused or unreachable tracker."""
        ...


def resolve_env(env: Mapping[str, str], name: str, key: str) -> str:
    """The value of the environment variable `name` (named by config key `key`), stripped."""
    value = env.get(name, "")
    if not value.strip():
        state = "is empty" if name in env else "is not set"
        raise ConfigError(f"The environment variable {name} (named by {key}) {state}.")
    value = value.strip()
    if any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in value):
        # never echoed, not even in part: it is (most of) a secret
        raise ConfigError(
            f"The environment variable {name} (named by {key}) holds a line break or another "
            "control character inside its value; set it to the token alone, on one line."
        )
    return value


class _CountsWrites(Protocol):
    @property
    def writes(self) -> int: ...


W = TypeVar("W", bound=_CountsWrites)


class MarkerCommenter(Generic[W]):
    """A tracker's commenter from its writer and its `write_comment`: one explanation comment
    per issue, found again by `marker`. Both built-in trackers share it."""

    def __init__(
        self,
        writer: W,
        write: Callable[[W, str, str, str | None, str, str | None], str],
        marker: str,
    ) -> None:
        self.writer, self.write, self.marker = writer, write, marker

    @property
    def writes(self) -> int:
        return self.writer.writes

    def comment(self, ref: str, body: str, known_id: str | None, record: str | None = None) -> str:
        return self.write(self.writer, ref, body, known_id, self.marker, record)

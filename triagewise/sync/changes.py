"""The change kinds a plan holds: one tagged union, one codec.

Every consumer goes through here: the plan's checksum and `plan --json`, the apply journal and
resume-after-kill (`encode` / `decode`), the sync summary and the CLI's table (`group`). A new
kind is one class here, one handler in `sync/apply.py`.

The `kind` field is the tag; it is part of each change's data, so it is in the checksum and in
the journal exactly as before.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, ClassVar, cast

from triagewise.sync.moves import apply_block_moves

Group = str  # "labels", "moves", "scores", "comments": how summaries count a kind


@dataclass(frozen=True)
class LabelChange:
    """Add and remove owned labels on one issue; every other label stays."""

    ref: str
    source: str
    add: tuple[str, ...]
    remove: tuple[str, ...]
    kind: str = "labels"
    group: ClassVar[Group] = "labels"

    def as_json(self) -> dict[str, object]:
        return {
            "ref": self.ref,
            "kind": "labels",
            "source": self.source,
            "add": list(self.add),
            "remove": list(self.remove),
        }


@dataclass(frozen=True)
class RankMove:
    """Place `issues`, as a block in this order, before or after `anchor`."""

    ref: str
    source: str
    issues: tuple[str, ...]
    anchor: str
    position: str  # "before" | "after"
    kind: str = "rank"
    group: ClassVar[Group] = "moves"

    def as_json(self) -> dict[str, object]:
        return {
            "ref": self.ref,
            "kind": "rank",
            "source": self.source,
            "issues": list(self.issues),
            self.position: self.anchor,
        }

    def reorder(self, order: list[str]) -> list[str]:
        """The board's order after this move."""
        return apply_block_moves(order, [(self.issues, self.position, self.anchor)])


@dataclass(frozen=True)
class ProjectMove:
    """Move one item on a board to just after `after` (None: to the top); an issue not yet on
    the board is added first."""

    ref: str
    source: str
    after: str | None
    add: bool = False  # put the issue on the board first (it lands at the bottom)
    move: bool = True  # then move it; False when the bottom is already its place
    kind: str = "position"
    group: ClassVar[Group] = "moves"

    def as_json(self) -> dict[str, object]:
        return {
            "ref": self.ref,
            "kind": "rank",
            "source": self.source,
            "issues": [self.ref],
            "after": self.after if self.move else "(bottom)",
            "add_to_board": self.add,
        }

    def reorder(self, order: list[str]) -> list[str]:
        out = [ref for ref in order if ref != self.ref]
        place = 0 if self.after is None else out.index(self.after) + 1
        out.insert(place if self.move else len(out), self.ref)
        return out


@dataclass(frozen=True)
class CommentChange:
    """Write (or edit in place) triagewise's one explanation comment on an issue."""

    ref: str
    source: str
    body: str
    digest: str
    kind: str = "comment"
    record: str | None = None  # a person's decision, where readers do not see it
    group: ClassVar[Group] = "comments"

    def as_json(self) -> dict[str, object]:
        return {"ref": self.ref, "kind": "comment", "source": self.source, "body": self.body}


@dataclass(frozen=True)
class ScoreChange:
    """The score into a board's number field."""

    ref: str
    source: str
    value: float
    kind: str = "score"
    group: ClassVar[Group] = "scores"

    def as_json(self) -> dict[str, object]:
        return {"ref": self.ref, "kind": "score", "source": self.source, "value": self.value}


Change = LabelChange | RankMove | ProjectMove | CommentChange | ScoreChange
BoardMove = RankMove | ProjectMove

KINDS: dict[str, type[Change]] = {
    cls.kind: cls for cls in (LabelChange, RankMove, ProjectMove, CommentChange, ScoreChange)
}


class UnknownKindError(ValueError):
    """A journal row names a change kind this version does not know."""


def encode(change: Change) -> str:
    """The journal's text of a change: canonical JSON of every field."""
    return json.dumps(asdict(change), sort_keys=True)


def decode(kind: str, text: str) -> Change:
    """The change `encode` wrote (lists come back as the tuples they were)."""
    cls = KINDS.get(kind)
    if cls is None:
        raise UnknownKindError(kind)
    data: dict[str, Any] = json.loads(text)
    values: dict[str, Any] = {k: tuple(v) if type(v) is list else v for k, v in data.items()}
    return cls(**values)


def checksum(changes: Sequence[Change]) -> str:
    """16 hex digits over the canonical JSON of the changes, in order."""
    canonical = json.dumps([asdict(c) for c in changes], sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def counts(changes: Iterable[Change]) -> Counter[Group]:
    """How many changes of each group: what the sync summary and the CLI report."""
    return Counter(c.group for c in changes)


def board_moves(changes: Iterable[Change]) -> list[BoardMove]:
    """The changes that reorder a board, in plan order."""
    return [cast(BoardMove, c) for c in changes if c.group == "moves"]

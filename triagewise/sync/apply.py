"""Apply a plan: every change journaled before it is sent and after it answered, writes paced,
a run killed at any point finishes on the next start with no write lost or repeated."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from triagewise.config.models import WritebackConfig
from triagewise.errors import AuthError, TriagewiseError, UnreachableError
from triagewise.store.db import Store
from triagewise.sync.plan import (
    CommentChange,
    LabelChange,
    Plan,
    ProjectMove,
    RankMove,
    labels_after,
    owned,
)

# (ref, body, comment id or None) -> comment id
CommentWriter = Callable[[str, str, str | None], str]


class Writer(Protocol):
    writes: int

    def write_labels(self, target: str, add: tuple[str, ...], remove: tuple[str, ...]) -> None: ...

    def current_labels(self, ref: str) -> set[str]: ...


class Board(Protocol):
    writes: int

    def add(self, content_id: str) -> str: ...

    def move(self, content_id: str, after: str | None) -> None: ...

    def set_score(self, content_id: str, number: float) -> None: ...


class Ranker(Protocol):
    writes: int

    def rank(self, issues: tuple[str, ...], position: str, anchor: str) -> list[str]: ...


@dataclass
class ApplyResult:
    checksum: str
    sent: int = 0
    already_done: int = 0
    failed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def apply_plan(
    store: Store,
    plan: Plan,
    writers: Mapping[str, Writer],
    rankers: Mapping[str, Ranker],
    targets: Mapping[str, str],
    wb: WritebackConfig,
    interval: float = 1.0,
    boards: Mapping[str, Board] | None = None,
    now: Callable[[], datetime] = _utcnow,
    journal_key: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
    commenters: Mapping[str, CommentWriter] | None = None,
) -> ApplyResult:
    """`targets` maps a ref to what its writer addresses (GitHub node id, Jira key)."""
    # one journal per run: the same changes may be needed again later (a person reverts a
    # board), so a finished run must never make a later identical plan look done
    checksum = journal_key or f"{plan.checksum}@{now().isoformat()}"
    entries = [(c.ref, c.kind, json.dumps(asdict(c), sort_keys=True)) for c in plan.changes]
    store.journal_open(checksum, entries, now())
    result = ApplyResult(plan.checksum)
    last_write: float | None = None
    for seq, ref, kind, change, state in store.journal(checksum):
        if state in ("done", "failed"):
            result.already_done += 1
            continue
        data = json.loads(change)
        if kind == "labels":
            item = LabelChange(
                **{**data, "add": tuple(data["add"]), "remove": tuple(data["remove"])}
            )
            writer = writers[item.source]
            if state == "sending":
                # killed between sending and hearing back: ask the tracker, do not guess
                have = writer.current_labels(ref)
                if set(item.add) <= have and not set(item.remove) & have:
                    _done_labels(store, item, sorted(have), wb, checksum, seq, now)
                    result.already_done += 1
                    continue
        if last_write is not None and interval > 0:
            sleep(max(0.0, interval - (time.monotonic() - last_write)))
        store.journal_mark(checksum, seq, "sending", "", now())
        try:
            if kind == "labels":
                writers[item.source].write_labels(targets.get(ref, ref), item.add, item.remove)
                issue = store.issue(ref)
                after = labels_after(issue.labels if issue else (), item)
                _done_labels(store, item, after, wb, checksum, seq, now)
            elif kind == "comment":
                note = CommentChange(**data)
                known = store.comments().get(ref, (None, ""))[0]
                # a resend after a kill finds the comment by its marker: edited, not appended
                comment_id = (commenters or {})[note.source](ref, note.body, known)
                with store.transaction():
                    store.save_comment(ref, note.source, comment_id, note.digest)
                    store.journal_mark(checksum, seq, "done", "", now())
            elif kind == "score":
                target = targets.get(ref, ref)
                (boards or {})[data["source"]].set_score(target, float(data["value"]))
                with store.transaction():
                    store.set_board_score(data["source"], ref, float(data["value"]))
                    store.journal_mark(checksum, seq, "done", "", now())
            elif kind == "position":
                step = ProjectMove(**data)
                board = (boards or {})[step.source]
                node = targets.get(ref, ref)
                if step.move:
                    anchor = targets.get(step.after, step.after) if step.after else None
                    board.move(node, anchor)
                else:
                    board.add(node)
                store.journal_mark(checksum, seq, "done", "", now())
            else:
                move = RankMove(**{**data, "issues": tuple(data["issues"])})
                refused = rankers[move.source].rank(move.issues, move.position, move.anchor)
                if refused:
                    raise TriagewiseError(f"Jira did not rank {', '.join(refused)}")
                store.journal_mark(checksum, seq, "done", "", now())
            result.sent += 1
        except (UnreachableError, AuthError):
            # every later write would fail the same way: stop; the change stays "sending",
            # and the next run asks the tracker before sending it again
            raise
        except TriagewiseError as exc:
            store.journal_mark(checksum, seq, "failed", str(exc), now())
            result.failed.append(f"{ref}: {exc}")
        last_write = time.monotonic()
    return result


def _done_labels(
    store: Store,
    item: LabelChange,
    labels: list[str],
    wb: WritebackConfig,
    plan: str,
    seq: int,
    now: Callable[[], datetime],
) -> None:
    """The mirror learns what was written, the shadow remembers it, the journal closes it."""
    with store.transaction():
        store.set_labels(item.ref, labels)
        store.save_shadow(item.source, item.ref, owned(labels, wb), now())
        store.journal_mark(plan, seq, "done", "", now())

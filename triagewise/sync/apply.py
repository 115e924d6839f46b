"""Apply a plan: every change journaled before it is sent and after it answered, writes paced,
a run killed at any point finishes on the next start with no write lost or repeated.

`apply_plan` owns the journal, the pacing and the per-change error policy; what a change does
is one small handler per kind (`HANDLERS`), talking to the source's connection through the
Protocols of `connectors/base.py`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from triagewise.config.models import WritebackConfig
from triagewise.connectors.base import Board, Capabilities, Commenter, LabelWriter, Ranker
from triagewise.errors import (
    AuthError,
    CorruptJournalError,
    RefusedWriteError,
    TriagewiseError,
    UnreachableError,
)
from triagewise.store.db import Store
from triagewise.sync import changes as codec
from triagewise.sync.changes import (
    CommentChange,
    LabelChange,
    ProjectMove,
    RankMove,
    ScoreChange,
)
from triagewise.sync.plan import Plan, labels_after, owned


class Writers(Protocol):
    """What applying needs of one source: a `connectors.base.Connection` is one."""

    @property
    def capabilities(self) -> Capabilities: ...

    @property
    def labels(self) -> LabelWriter: ...

    @property
    def ranker(self) -> Ranker | None: ...

    @property
    def board(self) -> Board | None: ...

    @property
    def commenter(self) -> Commenter | None: ...


@dataclass
class ApplyResult:
    checksum: str
    sent: int = 0
    already_done: int = 0
    failed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class Step:
    """One journal entry being applied, and what its handler may use."""

    store: Store
    writers: Writers
    target: Callable[[str], str]  # a ref -> what the tracker's writes address
    wb: WritebackConfig
    journal: str
    seq: int
    now: Callable[[], datetime]

    def done(self) -> None:
        self.store.journal_mark(self.journal, self.seq, "done", "", self.now())


def _need(part: Any, what: str) -> Any:
    if part is None:
        raise RefusedWriteError(f"this source cannot {what}")
    return part


def _landed_labels(step: Step, change: LabelChange) -> bool:
    """Killed between sending and hearing back: ask the tracker, do not guess."""
    have = step.writers.labels.current_labels(change.ref)
    if set(change.add) <= have and not set(change.remove) & have:
        _done_labels(step, change, sorted(have))
        return True
    return False


def _send_labels(step: Step, change: LabelChange) -> None:
    step.writers.labels.write_labels(step.target(change.ref), change.add, change.remove)
    issue = step.store.issue(change.ref)
    _done_labels(step, change, labels_after(issue.labels if issue else (), change))


def _done_labels(step: Step, change: LabelChange, labels: list[str]) -> None:
    """The mirror learns what was written, the shadow remembers it, the journal closes it."""
    with step.store.transaction():
        step.store.set_labels(change.ref, labels)
        step.store.save_shadow(change.source, change.ref, owned(labels, step.wb), step.now())
        step.done()


def _send_comment(step: Step, change: CommentChange) -> None:
    commenter: Commenter = _need(step.writers.commenter, "comment")
    known = step.store.comments().get(change.ref, (None, ""))[0]
    # a resend after a kill finds the comment by its marker: edited, not appended
    comment_id = commenter.comment(change.ref, change.body, known)
    with step.store.transaction():
        step.store.save_comment(change.ref, change.source, comment_id, change.digest)
        step.done()


def _send_score(step: Step, change: ScoreChange) -> None:
    board: Board = _need(step.writers.board, "hold a score")
    board.set_score(step.target(change.ref), float(change.value))
    with step.store.transaction():
        step.store.set_board_score(change.source, change.ref, float(change.value))
        step.done()


def _send_position(step: Step, change: ProjectMove) -> None:
    board: Board = _need(step.writers.board, "move items on a board")
    node = step.target(change.ref)
    if change.move:
        board.move(node, step.target(change.after) if change.after else None)
    else:
        board.add(node)
    step.done()


def _send_rank(step: Step, change: RankMove) -> None:
    ranker: Ranker = _need(step.writers.ranker, "rank")
    refused = ranker.rank(change.issues, change.position, change.anchor)
    if refused:
        title = step.writers.capabilities.title
        raise RefusedWriteError(f"{title} did not rank {', '.join(refused)}")
    step.done()


@dataclass(frozen=True)
class Handler:
    """`send` writes the change and closes its journal entry; `landed`, when given, asks the
    tracker whether a change left "sending" by a killed run arrived (and closes it if so)."""

    send: Callable[[Step, Any], None]  # Any: the change of the kind it is registered for
    landed: Callable[[Step, Any], bool] | None = None


HANDLERS: dict[str, Handler] = {
    "labels": Handler(_send_labels, _landed_labels),
    "comment": Handler(_send_comment),
    "score": Handler(_send_score),
    "position": Handler(_send_position),
    "rank": Handler(_send_rank),
}
assert set(HANDLERS) == set(codec.KINDS), "every change kind has its handler"


def _utcnow() -> datetime:
    return datetime.now(UTC)


def apply_plan(
    store: Store,
    plan: Plan,
    writers: Mapping[str, Writers],
    targets: Mapping[str, str],
    wb: WritebackConfig,
    interval: float = 1.0,
    now: Callable[[], datetime] = _utcnow,
    journal_key: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> ApplyResult:
    """Send the plan's changes in order, at most one write per `interval` seconds.

    `writers` maps a source to its connection, `targets` a ref to what its writes address.
    `journal_key` resumes that journal (a killed run's) instead of opening a new one. A refused
    change is recorded and the run goes on; an unreachable tracker or refused credentials stop
    it (every later write would fail the same way), leaving the change "sending"."""
    # one journal per run: the same changes may be needed again later (a person reverts a
    # board), so a finished run must never make a later identical plan look done
    key = journal_key or f"{plan.checksum}@{now().isoformat()}"
    store.journal_open(key, [(c.ref, c.kind, codec.encode(c)) for c in plan.changes], now())
    result = ApplyResult(plan.checksum)
    last_write: float | None = None
    for row in store.journal(key):
        if row.state in ("done", "failed"):
            result.already_done += 1
            continue
        seq, ref = row.seq, row.ref
        change = codec.decode(row.kind, row.change)
        handler = HANDLERS[row.kind]
        step = Step(store, writers[change.source], lambda r: targets.get(r, r), wb, key, seq, now)
        if row.state == "sending" and handler.landed is not None and handler.landed(step, change):
            result.already_done += 1
            continue
        if last_write is not None and interval > 0:
            sleep(max(0.0, interval - (time.monotonic() - last_write)))
        store.journal_mark(key, seq, "sending", "", now())
        try:
            handler.send(step, change)
            result.sent += 1
        except (UnreachableError, AuthError):
            raise
        except TriagewiseError as exc:
            store.journal_mark(key, seq, "failed", str(exc), now())
            result.failed.append(f"{ref}: {exc}")
        last_write = time.monotonic()
    return result


def resume_plan(store: Store) -> tuple[str, Plan] | None:
    """The journal a killed run left unfinished, and its plan read back from the journal."""
    key = store.unfinished_plan()
    if key is None:
        return None
    checksum = key.split("@", 1)[0]
    try:
        changes = tuple(codec.decode(row.kind, row.change) for row in store.journal(key))
    except (ValueError, TypeError) as exc:
        raise CorruptJournalError(
            f"The journal of plan {checksum} holds a change this version cannot read ({exc})."
        ) from None
    plan = Plan(changes, ())
    if plan.checksum != checksum:
        raise CorruptJournalError(f"The journal of plan {checksum} does not match its changes.")
    return key, plan

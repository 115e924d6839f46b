"""Apply a plan: every change journaled before it is sent and after it answered, writes paced,
a run killed at any point finishes on the next start with no write lost or repeated.

`apply_plan` owns the journal, the pacing and the per-change error policy; what a change does
is one small handler per kind (`HANDLERS`), talking to the source's connection through the
Protocols of `connectors/base.py`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from triagewise.config.models import WritebackConfig
from triagewise.connectors.base import (
    BatchBoard,
    BatchLabelWriter,
    Board,
    Commenter,
    FreshLabelReader,
    Paced,
    QuietWriter,
    Ranker,
)
from triagewise.errors import (
    AuthError,
    CorruptJournalError,
    RefusedWriteError,
    TriagewiseError,
    UnreachableError,
)
from triagewise.model import Key
from triagewise.store.db import Store
from triagewise.sync import changes as codec
from triagewise.sync.board_apply import BOARD_GROUP, apply_board_batch
from triagewise.sync.changes import (
    CommentChange,
    ProjectMove,
    RankMove,
    ScoreChange,
)
from triagewise.sync.fresh import FRESH_GROUP
from triagewise.sync.label_apply import apply_label_batch
from triagewise.sync.plan import Plan
from triagewise.sync.pull import ProgressFn
from triagewise.sync.steps import (
    ApplyResult,
    Pacer,
    Step,
    Writers,
    landed_labels,
    need,
    send_labels,
)

__all__ = ["ApplyResult", "Writers", "apply_plan", "resume_plan"]


def _send_comment(step: Step, change: CommentChange) -> None:
    commenter: Commenter = need(step.writers.commenter, "comment")
    key = Key(change.source, change.ref)
    known = step.store.comments().get(key, (None, ""))[0]
    # a resend after a kill finds the comment by its marker: edited, not appended
    comment_id = commenter.comment(change.ref, change.body, known, change.record)
    with step.store.transaction():
        step.store.save_comment(key, comment_id, change.digest)
        step.done()


def _send_score(step: Step, change: ScoreChange) -> None:
    board: Board = need(step.writers.board, "hold a score")
    board.set_score(step.target(change.ref), float(change.value))
    with step.store.transaction():
        step.store.set_board_score(change.source, change.ref, float(change.value))
        step.done()


def _send_position(step: Step, change: ProjectMove) -> None:
    board: Board = need(step.writers.board, "move items on a board")
    node = step.target(change.ref)
    if change.move:
        board.move(node, step.target(change.after) if change.after else None)
    else:
        board.add(node)
    step.done()


def _send_rank(step: Step, change: RankMove) -> None:
    ranker: Ranker = need(step.writers.ranker, "rank")
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
    "labels": Handler(send_labels, landed_labels),
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
    targets: Mapping[Key, str],
    wb: WritebackConfig,
    interval: float | None = None,
    now: Callable[[], datetime] = _utcnow,
    journal_key: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
    progress: ProgressFn | None = None,
) -> ApplyResult:
    """Send the plan's changes in order, paced per source (`interval` overrides the trackers'
    own pacing; None keeps it).

    Label changes of a source whose writer takes batches go out many issues a request: every
    issue of the batch is journaled "sending" before the request and marked from its own
    result after it, so a killed run asks the tracker about each before re-sending.

    `writers` maps a source to its connection, `targets` a `(source, ref)` to what its writes
    address.
    `journal_key` resumes that journal (a killed run's) instead of opening a new one. A refused
    change is recorded and the run goes on; an unreachable tracker or refused credentials stop
    it (every later write would fail the same way), leaving the change "sending"."""
    # one journal per run: the same changes may be needed again later (a person reverts a
    # board), so a finished run must never make a later identical plan look done
    key = journal_key or f"{plan.checksum}@{now().isoformat()}"
    entries = [(Key(c.source, c.ref), c.kind, codec.encode(c)) for c in plan.changes]
    store.journal_open(key, entries, now())
    result = ApplyResult(plan.checksum)
    for conn in writers.values():
        if wb.quiet and isinstance(conn.labels, QuietWriter):
            conn.labels.be_quiet()
        if interval is not None and isinstance(conn.labels, Paced):
            conn.labels.pace(interval)  # the override reaches the requests inside a batch
    pacer = Pacer(interval, sleep)
    rows = store.journal(key)
    handled: set[int] = set()

    def target_of(source: str) -> Callable[[str], str]:
        return lambda ref: targets.get(Key(source, ref), ref)

    def tick() -> None:
        if progress is not None:
            done = result.sent + result.already_done + len(result.failed)
            progress("writes", done, len(rows), sum(result.requests.values()))

    for n, row in enumerate(rows):
        seq, ref, kind, text, state = row.seq, row.ref, row.kind, row.change, row.state
        tick()
        if seq in handled:
            continue
        if state in ("done", "failed", "held"):
            result.already_done += 1
            continue
        change = codec.decode(kind, text)
        conn = writers[change.source]
        target = target_of(change.source)
        if kind == "labels" and isinstance(conn.labels, BatchLabelWriter):
            batch = [(seq, state, change)]
            size = max(1, min(conn.labels.batch_size, conn.capabilities.label_batch))
            if isinstance(conn.labels, FreshLabelReader):  # read fresh together, then
                size = max(FRESH_GROUP, conn.labels.batch_size)  # written `batch_size` a request
            for later in rows[n + 1 :]:
                if len(batch) >= size:
                    break
                if later.kind == "labels" and later.state in ("pending", "sending"):
                    other = codec.decode(later.kind, later.change)
                    if other.source == change.source:
                        batch.append((later.seq, later.state, other))
            handled.update(s for s, _, _ in batch)
            apply_label_batch(store, conn, key, batch, target, wb, now, pacer, result)
            continue
        if kind in ("position", "score") and isinstance(conn.board, BatchBoard):
            group = [(seq, change)]
            for later in rows[n + 1 :]:
                if len(group) >= BOARD_GROUP:
                    break
                if later.kind == kind and later.state in ("pending", "sending"):
                    other = codec.decode(later.kind, later.change)
                    if other.source == change.source:
                        group.append((later.seq, other))
            handled.update(s for s, _ in group)
            apply_board_batch(store, conn, key, kind, group, target, now, pacer, result)
            continue
        handler = HANDLERS[kind]
        step = Step(store, conn, target, wb, key, seq, now)
        if state == "sending" and handler.landed is not None and handler.landed(step, change):
            result.already_done += 1
            continue
        pacer.wait(change.source, conn.capabilities)
        store.journal_mark(key, seq, "sending", "", now())
        part = _part_of(conn, kind)
        before = part.writes if part is not None else 0
        try:
            handler.send(step, change)
            result.sent += 1
        except (UnreachableError, AuthError):
            raise
        except TriagewiseError as exc:
            store.journal_mark(key, seq, "failed", str(exc), now())
            result.failed.append(f"{ref}: {exc}")
        finally:
            if part is not None:
                result.requests[kind] = result.requests.get(kind, 0) + part.writes - before
        pacer.wrote(change.source)
    tick()
    return result


def _part_of(w: Writers, kind: str) -> Any:
    """The part of a connection that sends changes of `kind` (its `writes` counts them)."""
    return {
        "labels": w.labels,
        "rank": w.ranker,
        "position": w.board,
        "score": w.board,
        "comment": w.commenter,
    }.get(kind)


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

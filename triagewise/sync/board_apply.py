"""Apply a run of board changes of one source as batches (`connectors.base.BatchBoard`):
every change journaled "sending" before the request and marked from its own result after it.
Board writes are idempotent (an addition, a move to the same place, the same value), so a
killed run's "sending" changes are simply sent again on resume."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from triagewise.connectors.base import BatchBoard, BoardOp
from triagewise.errors import AuthError, TriagewiseError, UnreachableError
from triagewise.store.db import Store
from triagewise.sync.changes import ProjectMove, ScoreChange

if TYPE_CHECKING:
    from triagewise.sync.steps import ApplyResult, Pacer, Writers

BOARD_GROUP = 1000  # board changes handed to the board at once (it sends them in batches)


def _op(change: Any, target: Callable[[str], str]) -> BoardOp:
    if isinstance(change, ScoreChange):
        return ("score", target(change.ref), None, float(change.value))
    assert isinstance(change, ProjectMove)
    if not change.move:
        return ("add", target(change.ref), None, None)
    return ("move", target(change.ref), target(change.after) if change.after else None, None)


def apply_board_batch(
    store: Store,
    conn: Writers,
    key: str,
    kind: str,
    batch: list[tuple[int, Any]],
    target: Callable[[str], str],
    now: Callable[[], datetime],
    pacer: Pacer,
    result: ApplyResult,
) -> None:
    board = conn.board
    assert isinstance(board, BatchBoard)
    source = batch[0][1].source
    pacer.wait(source, conn.capabilities)
    with store.transaction():
        for seq, _ in batch:
            store.journal_mark(key, seq, "sending", "", now())
    before = getattr(board, "writes", 0)
    try:
        outcomes = board.write_batch([_op(change, target) for _, change in batch])
    except (UnreachableError, AuthError):
        raise
    except TriagewiseError as exc:
        outcomes = [str(exc)] * len(batch)
    finally:
        pacer.wrote(source)
        sent = getattr(board, "writes", 0) - before
        result.requests[kind] = result.requests.get(kind, 0) + sent
    for (seq, change), error in zip(batch, outcomes, strict=True):
        if error is not None:
            store.journal_mark(key, seq, "failed", error, now())
            result.failed.append(f"{change.ref}: {error}")
            continue
        with store.transaction():
            if isinstance(change, ScoreChange):
                store.set_board_score(change.source, change.ref, float(change.value))
            store.journal_mark(key, seq, "done", "", now())
        result.sent += 1

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
from triagewise.connectors.base import (
    BatchLabelWriter,
    Board,
    Capabilities,
    Commenter,
    LabelWriter,
    Ranker,
    TaskLabelWriter,
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
from triagewise.sync.changes import (
    CommentChange,
    LabelChange,
    ProjectMove,
    RankMove,
    ScoreChange,
)
from triagewise.sync.fresh import FRESH_GROUP, fresh_split, hold, mirror, taken_back
from triagewise.sync.plan import Plan, labels_after, owned
from triagewise.sync.pull import ProgressFn


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
    held: list[str] = field(default_factory=list)  # a person edited them during the sync
    deferred: int = 0  # changes left for the next run by `max_writes`
    requests: dict[str, int] = field(default_factory=dict)  # write requests by change kind

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class Step:
    """One journal entry being applied, and what its handler may use."""

    store: Store
    writers: Writers
    target: Callable[[str], str]  # a ref of this change's source -> what its writes address
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
    issue = step.store.issue(Key(change.source, change.ref))
    _done_labels(step, change, labels_after(issue.labels if issue else (), change))


def _done_labels(step: Step, change: LabelChange, labels: list[str]) -> None:
    """The mirror learns what was written, the shadow remembers it, the journal closes it."""
    with step.store.transaction():
        key = Key(change.source, change.ref)
        step.store.set_labels(key, labels)
        step.store.save_shadow(key, owned(labels, step.wb), step.now())
        step.done()


def _send_comment(step: Step, change: CommentChange) -> None:
    commenter: Commenter = _need(step.writers.commenter, "comment")
    key = Key(change.source, change.ref)
    known = step.store.comments().get(key, (None, ""))[0]
    # a resend after a kill finds the comment by its marker: edited, not appended
    comment_id = commenter.comment(change.ref, change.body, known)
    with step.store.transaction():
        step.store.save_comment(key, comment_id, change.digest)
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


class _Pacer:
    """At most one write request per `interval` seconds per source: the tracker's own rule
    (`Capabilities.write_interval`) unless `[network] write_interval` overrides it."""

    def __init__(self, override: float | None, sleep: Callable[[float], None]) -> None:
        self.override = override
        self.sleep = sleep
        self.last: dict[str, float] = {}

    def wait(self, source: str, caps: Capabilities) -> None:
        interval = caps.write_interval if self.override is None else self.override
        last = self.last.get(source)
        if last is not None and interval > 0:
            self.sleep(max(0.0, interval - (time.monotonic() - last)))

    def wrote(self, source: str) -> None:
        self.last[source] = time.monotonic()


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
    pacer = _Pacer(interval, sleep)
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
            # read fresh together, then written `batch_size` a request by the writer
            size = max(FRESH_GROUP, conn.labels.batch_size, conn.capabilities.label_batch)
            for later in rows[n + 1 :]:
                if len(batch) >= size:
                    break
                if later.kind == "labels" and later.state in ("pending", "sending"):
                    other = codec.decode(later.kind, later.change)
                    if other.source == change.source:
                        batch.append((later.seq, later.state, other))
            handled.update(s for s, _, _ in batch)
            _apply_label_batch(store, conn, key, batch, target, wb, now, pacer, result)
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


def _apply_label_batch(
    store: Store,
    conn: Writers,
    key: str,
    batch: list[tuple[int, str, Any]],
    target: Callable[[str], str],
    wb: WritebackConfig,
    now: Callable[[], datetime],
    pacer: _Pacer,
    result: ApplyResult,
) -> None:
    """Label changes of one source: tasks a killed run journaled are polled, the rest read
    fresh (`fresh.py`): landed ones close, changed ones are held, the others are written."""
    writer = conn.labels
    assert isinstance(writer, BatchLabelWriter)
    details: dict[int, str] = {}
    if isinstance(writer, TaskLabelWriter):
        details = store.journal_details(key)
    outcomes_of: dict[str, set[str] | None] = {}
    todo: list[tuple[int, str, LabelChange]] = []
    for seq, state, change in batch:
        if state == "sending" and isinstance(writer, TaskLabelWriter):
            # killed while its tasks ran: poll them (they may have finished since), do not
            # submit again; an issue they did not all process is read fresh below
            journaled = [t for t in details.get(seq, "").split() if t.startswith("task:")]
            for token in journaled:
                if token not in outcomes_of:
                    outcomes_of[token] = writer.task_outcome(token.removeprefix("task:"))
            hits = sum(1 for t in journaled if change.ref in (outcomes_of[t] or set()))
            if journaled and hits == len(change.add) + len(change.remove):
                step = Step(store, conn, target, wb, key, seq, now)
                _done_labels(step, change, labels_after(mirror(store, change), change))
                result.already_done += 1
                continue
        todo.append((seq, state, change))
    if not todo:
        return
    before, reads = writer.writes, getattr(writer, "fresh_reads", 0)
    try:
        go, held = fresh_split(writer, todo, lambda c: mirror(store, c), target, wb)
        for seq, change, found in held:
            result.held.append(hold(store, change, found, wb, now(), key, seq))
        writes: list[tuple[int, LabelChange]] = []
        for seq, state, change, labels in go:
            step = Step(store, conn, target, wb, key, seq, now)
            if state == "sending":  # killed between sending and hearing back: ask, not guess
                if labels is None:
                    landed = _landed_labels(step, change)
                else:
                    landed = set(change.add) <= labels and not set(change.remove) & labels
                    if landed:
                        _done_labels(step, change, sorted(labels))
                if landed:
                    result.already_done += 1
                    continue
            writes.append((seq, change))
        if writes:
            _send_label_batch(store, conn, key, writes, target, wb, now, pacer, result)
    finally:
        result.requests["labels"] = result.requests.get("labels", 0) + writer.writes - before
        fresh = getattr(writer, "fresh_reads", 0) - reads
        if fresh:
            result.requests["fresh"] = result.requests.get("fresh", 0) + fresh


def _send_label_batch(
    store: Store,
    conn: Writers,
    key: str,
    todo: list[tuple[int, LabelChange]],
    target: Callable[[str], str],
    wb: WritebackConfig,
    now: Callable[[], datetime],
    pacer: _Pacer,
    result: ApplyResult,
) -> None:
    writer = conn.labels
    assert isinstance(writer, BatchLabelWriter)
    seq_of = {c.ref: seq for seq, c in todo}
    noted: dict[int, str] = {}

    def note(refs: list[str], task: str) -> None:
        """Journal the task id with each issue it carries, before waiting for it."""
        with store.transaction():
            for ref in refs:
                seq = seq_of[ref]
                noted[seq] = f"{noted.get(seq, '')} task:{task}".strip()
                store.journal_mark(key, seq, "sending", noted[seq], now())

    source = todo[0][1].source
    pacer.wait(source, conn.capabilities)
    with store.transaction():
        for seq, _ in todo:
            store.journal_mark(key, seq, "sending", "", now())
    try:
        outcomes = writer.write_labels_batch(
            [(c.ref, target(c.ref), c.add, c.remove) for _, c in todo], note
        )
    finally:
        pacer.wrote(source)
    back: list[tuple[int, LabelChange, set[str], tuple[str, ...]]] = []
    for (seq, change), error in zip(todo, outcomes, strict=True):
        if error is not None:
            store.journal_mark(key, seq, "failed", error, now())
            result.failed.append(f"{change.ref}: {error}")
            continue
        expected = labels_after(mirror(store, change), change)
        raced = taken_back(writer, change, expected, wb)
        if raced is not None:  # a person's bucket label arrived while we wrote ours
            back.append((seq, change, *raced))
            continue
        step = Step(store, conn, target, wb, key, seq, now)
        _done_labels(step, change, expected)
        result.sent += 1
    if back:
        undo = [(c.ref, target(c.ref), (), ours) for _, c, _, ours in back if ours]
        errors = writer.write_labels_batch(undo) if undo else []
        failed = {ref for (ref, *_), e in zip(undo, errors, strict=True) if e is not None}
        for seq, change, after, ours in back:
            left = after if change.ref in failed else {a for a in after if a not in ours}
            result.held.append(hold(store, change, left, wb, now(), key, seq))


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

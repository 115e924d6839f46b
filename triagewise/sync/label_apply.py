"""Label changes of one source in batches: tasks a killed run journaled are polled, the rest
read fresh right before writing (`fresh.py`), written many a request, checked after."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from triagewise.config.models import WritebackConfig
from triagewise.connectors.base import BatchLabelWriter, TaskLabelWriter
from triagewise.store.db import Store
from triagewise.sync.changes import LabelChange
from triagewise.sync.fresh import fresh_split, hold, mirror, taken_back
from triagewise.sync.plan import labels_after
from triagewise.sync.steps import ApplyResult, Pacer, Step, Writers, done_labels, landed_labels


def apply_label_batch(
    store: Store,
    conn: Writers,
    key: str,
    batch: list[tuple[int, str, Any]],
    target: Callable[[str], str],
    wb: WritebackConfig,
    now: Callable[[], datetime],
    pacer: Pacer,
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
                done_labels(step, change, labels_after(mirror(store, change), change))
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
        found_now: dict[int, set[str]] = {}  # what the fresh read saw: only the rest is sent
        for seq, state, change, labels in go:
            step = Step(store, conn, target, wb, key, seq, now)
            if state == "sending":  # killed between sending and hearing back: ask, not guess
                if labels is None:
                    landed = landed_labels(step, change)
                else:
                    landed = set(change.add) <= labels and not set(change.remove) & labels
                    if landed:
                        done_labels(step, change, sorted(labels))
                if landed:
                    result.already_done += 1
                    continue
            writes.append((seq, change))
            if labels is not None:
                found_now[seq] = {x.lower() for x in labels}
        if writes:
            send_label_batch(store, conn, key, writes, target, wb, now, pacer, result, found_now)
    finally:
        result.requests["labels"] = result.requests.get("labels", 0) + writer.writes - before
        fresh = getattr(writer, "fresh_reads", 0) - reads
        if fresh:
            result.requests["fresh"] = result.requests.get("fresh", 0) + fresh


def send_label_batch(
    store: Store,
    conn: Writers,
    key: str,
    todo: list[tuple[int, LabelChange]],
    target: Callable[[str], str],
    wb: WritebackConfig,
    now: Callable[[], datetime],
    pacer: Pacer,
    result: ApplyResult,
    found_now: dict[int, set[str]] | None = None,
) -> None:
    """Journal the changes "sending", write them in one call (the writer batches), mark each
    from its own result, and check GitHub's answers. A change a killed run half wrote (a Jira
    ADD task landed, its REMOVE not) sends only what the fresh read found missing, so no
    label is added twice."""
    writer = conn.labels
    assert isinstance(writer, BatchLabelWriter)
    seen = found_now or {}

    def rest(seq: int, c: LabelChange) -> tuple[tuple[str, ...], tuple[str, ...]]:
        have = seen.get(seq)
        if have is None:
            return c.add, c.remove
        return (
            tuple(a for a in c.add if a.lower() not in have),
            tuple(r for r in c.remove if r.lower() in have),
        )

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
            [(c.ref, target(c.ref), *rest(seq, c)) for seq, c in todo], note
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
        done_labels(step, change, expected)
        result.sent += 1
    if back:
        undo = [(c.ref, target(c.ref), (), ours) for _, c, _, ours in back if ours]
        errors = writer.write_labels_batch(undo) if undo else []
        failed = {ref for (ref, *_), e in zip(undo, errors, strict=True) if e is not None}
        for seq, change, after, ours in back:
            left = after if change.ref in failed else {a for a in after if a not in ours}
            result.held.append(hold(store, change, left, wb, now(), key, seq))

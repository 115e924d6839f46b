"""What applying one change needs: the source's writers, the result being counted, the step
(journal entry) being applied, the per-source pacing, and the label handlers shared by the
one-by-one and the batched paths."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Protocol

from triagewise.config.models import WritebackConfig
from triagewise.connectors.base import Board, Capabilities, Commenter, LabelWriter, Ranker
from triagewise.errors import RefusedWriteError
from triagewise.model import Key
from triagewise.store.db import Store
from triagewise.sync.changes import LabelChange
from triagewise.sync.plan import labels_after, owned


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


def need(part: Any, what: str) -> Any:
    if part is None:
        raise RefusedWriteError(f"this source cannot {what}")
    return part


def landed_labels(step: Step, change: LabelChange) -> bool:
    """Killed between sending and hearing back: ask the tracker, do not guess."""
    have = step.writers.labels.current_labels(change.ref)
    if set(change.add) <= have and not set(change.remove) & have:
        done_labels(step, change, sorted(have))
        return True
    return False


def send_labels(step: Step, change: LabelChange) -> None:
    step.writers.labels.write_labels(step.target(change.ref), change.add, change.remove)
    issue = step.store.issue(Key(change.source, change.ref))
    done_labels(step, change, labels_after(issue.labels if issue else (), change))


def done_labels(step: Step, change: LabelChange, labels: list[str]) -> None:
    """The mirror learns what was written, the shadow remembers it, the journal closes it."""
    with step.store.transaction():
        key = Key(change.source, change.ref)
        step.store.set_labels(key, labels)
        step.store.save_shadow(key, owned(labels, step.wb), step.now())
        step.done()


class Pacer:
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

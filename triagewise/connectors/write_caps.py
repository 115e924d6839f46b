"""The optional write capabilities a connector's writers may have, beside `base.py`'s core
protocols (re-exported there): reading labels fresh right before writing, pacing the requests
of one batch, quiet writes, and batched board writes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable


@runtime_checkable
class FreshLabelReader(Protocol):
    """A label writer that can read many issues' labels at once, right before writing them
    (so a person's edit since the pull is seen, not written over), and may know the labels a
    write left (GraphQL mutations return them)."""

    @property
    def fresh_reads(self) -> int:
        """Freshness reads sent so far."""
        ...

    def labels_now(self, issues: Sequence[tuple[str, str]]) -> dict[str, set[str]]:
        """The current labels of these (ref, target) issues, keyed by ref, in as few reads as
        the tracker allows; an issue the tracker no longer has is left out."""
        ...

    def labels_written(self, ref: str) -> set[str] | None:
        """The issue's labels as the tracker answered its last label write, once (None when
        the tracker's write answer does not carry them)."""
        ...


@runtime_checkable
class Paced(Protocol):
    """A writer that paces the requests of one batch call itself (GitHub: 1 s apart)."""

    def pace(self, interval: float) -> None:
        """Use `interval` seconds between its requests (`[network] write_interval`)."""
        ...


@runtime_checkable
class QuietWriter(Protocol):
    """A label writer that can write without notifying watchers (`[writeback] quiet`)."""

    def be_quiet(self) -> None:
        """Send the writes that follow without notifications, once the tracker's permission
        check allows it; raises `AuthError` (one sentence) before any write when it does not."""
        ...


BoardOp = tuple[str, str, str | None, float | None]
"""One board write in a batch: ("add" | "move" | "score", target, after target, value)."""


@runtime_checkable
class BatchBoard(Protocol):
    """A `Board` that carries many writes in one request (aliased GraphQL mutations)."""

    def write_batch(self, ops: Sequence[BoardOp]) -> list[str | None]:
        """Send the ops (moves keep their order); one entry per op: None when it landed, else
        the tracker's reason. Raises only when the whole batch could not be sent."""
        ...

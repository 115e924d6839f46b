"""An issue's history across syncs, in words: where each sync placed it (bucket, rank, the now
line), each decision and release, and why each move happened, including "moved because the now
line moved" when the issue itself did not change. Pure: `triagewise history` reads the rows
from the store and hands them here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Placed:
    """Where one sync left the issue (`now_line`: the rank of the last issue in now)."""

    at: str
    bucket: str
    rank: int | None
    reason: str
    now_line: int | None


@dataclass(frozen=True)
class Decided:
    """A decision (`action` "decided") or release ("released", "undone") of the issue."""

    at: str
    action: str
    bucket: str | None
    reason: str
    author: str | None


@dataclass(frozen=True)
class Step:
    """One line of the history: what happened and why."""

    at: str
    kind: str  # "placed" | "moved" | "reranked" | "decided" | "released"
    bucket: str | None
    rank: int | None
    now_line: int | None
    why: str
    author: str | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "at": self.at,
            "kind": self.kind,
            "bucket": self.bucket,
            "rank": self.rank,
            "now_line": self.now_line,
            "why": self.why,
            "author": self.author,
        }

    @property
    def line(self) -> str:
        day = self.at[:16].replace("T", " ")
        where = f"{self.bucket or '-'}" + (f" #{self.rank}" if self.rank is not None else "")
        return f"{day}  {where:<12} {self.why}"


def _move(before: Placed, after: Placed, decided_between: Decided | None) -> str:
    """Why the issue went from `before` to `after`."""
    if decided_between is not None:
        who = f" by {decided_between.author}" if decided_between.author else ""
        if decided_between.action == "decided":
            return f"moved because it was decided{who}: {decided_between.reason}"
        return f"moved because it was handed back to the rules{who}"
    old_line, new_line = before.now_line, after.now_line
    if (
        {before.bucket, after.bucket} == {"now", "later"}
        and old_line is not None
        and new_line is not None
        and after.rank is not None
        and old_line != new_line
        # with the old line, its new rank would have kept it where it was: the line moved it
        and (after.rank <= old_line) == (before.bucket == "now")
    ):
        text = f"moved because the now line moved (from #{old_line} to #{new_line})"
        if before.rank is not None and before.rank != after.rank:
            text += f"; its rank went from #{before.rank} to #{after.rank}"
        return text
    if before.rank is not None and after.rank is not None and before.rank != after.rank:
        return f"its rank moved from #{before.rank} to #{after.rank}: {after.reason}"
    return after.reason


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _cause(decided: Sequence[Decided], before: Placed, after: Placed) -> Decided | None:
    """The decision or release that explains a move from `before` to `after`: the last one
    between the two syncs that fits where the issue went. A tracker's event time has whole
    seconds, so a decision may read up to a second before the sync that saw it."""
    start = _moment(before.at) - timedelta(seconds=1)
    end = _moment(after.at)
    fits = [
        d
        for d in decided
        if start < _moment(d.at) <= end and (d.action != "decided" or d.bucket == after.bucket)
    ]
    return fits[-1] if fits else None


def history_steps(placed: Sequence[Placed], decided: Sequence[Decided]) -> list[Step]:
    """The issue's history, oldest first: the first placement, each move (and a rank change
    within a bucket), and every decision and release in between."""
    steps: list[Step] = []
    for d in decided:
        kind = "decided" if d.action == "decided" else "released"
        who = f"{kind} by {d.author}: " if d.author else f"{kind}: "
        steps.append(Step(d.at, kind, d.bucket, None, None, who + d.reason, d.author))
    previous: Placed | None = None
    for p in placed:
        if previous is None:
            steps.append(Step(p.at, "placed", p.bucket, p.rank, p.now_line, p.reason))
        elif (p.bucket, p.rank) != (previous.bucket, previous.rank):
            why = _move(previous, p, _cause(decided, previous, p))
            kind = "moved" if p.bucket != previous.bucket else "reranked"
            steps.append(Step(p.at, kind, p.bucket, p.rank, p.now_line, why))
        previous = p
    return sorted(steps, key=lambda s: (_moment(s.at), s.kind not in ("decided", "released")))

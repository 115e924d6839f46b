"""Flow insight from the mirror and the sync snapshots: the "learn from what happened" half of
the product cycle. Pure: issues, snapshots and `now` in; numbers out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median

from triagewise.model import Issue


@dataclass(frozen=True)
class Flow:
    weeks: list[str]  # Monday of each week, oldest first
    closed_per_week: list[int]
    now_to_close_days: float | None  # median, for issues closed after a sync put them in now
    now_closed: int
    never_came_back: int  # issues once "never" that a later sync put in now or later
    never_total: int


@dataclass(frozen=True)
class Change:
    moved_in: list[str]  # into now since the previous sync
    moved_out: list[str]  # out of now since the previous sync
    new_never: list[str]
    since: datetime | None
    new_pins: list[str] = field(default_factory=list)  # decisions people made since then


def flow(
    issues: Sequence[Issue],
    snapshots: Sequence[tuple[datetime, dict[str, str]]],
    now: datetime,
    weeks: int = 12,
) -> Flow:
    start = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    mondays = [start - timedelta(weeks=w) for w in range(weeks - 1, -1, -1)]
    counts = [0] * weeks
    for issue in issues:
        if issue.closed_at is None:
            continue
        for n, monday in enumerate(mondays):
            if monday <= issue.closed_at < monday + timedelta(weeks=1):
                counts[n] += 1
    first_now: dict[str, datetime] = {}
    ever_never: set[str] = set()
    came_back: set[str] = set()
    for taken, buckets in snapshots:
        for ref, bucket in buckets.items():
            if bucket == "now":
                first_now.setdefault(ref, taken)
            if bucket == "never":
                ever_never.add(ref)
            elif ref in ever_never:
                came_back.add(ref)
    closed = {i.ref: i.closed_at for i in issues if i.closed_at is not None}
    lead = [
        (closed[ref] - at).total_seconds() / 86400
        for ref, at in first_now.items()
        if ref in closed and closed[ref] >= at
    ]
    return Flow(
        weeks=[m.date().isoformat() for m in mondays],
        closed_per_week=counts,
        now_to_close_days=round(median(lead), 1) if lead else None,
        now_closed=len(lead),
        never_came_back=len(came_back),
        never_total=len(ever_never),
    )


def changes(
    snapshots: Sequence[tuple[datetime, dict[str, str]]],
    decided: Mapping[str, datetime] | None = None,
) -> Change:
    """What the latest sync moved, against the one before it, and the decisions people made
    since that earlier sync (`decided`: ref -> when)."""
    if len(snapshots) < 2:
        return Change([], [], [], None)
    (since, before), (_, after) = snapshots[-2], snapshots[-1]
    moved_in = sorted(r for r, b in after.items() if b == "now" and before.get(r) != "now")
    moved_out = sorted(r for r, b in before.items() if b == "now" and after.get(r) != "now")
    new_never = sorted(r for r, b in after.items() if b == "never" and before.get(r) != "never")
    pins = sorted(ref for ref, at in (decided or {}).items() if at > since)
    return Change(moved_in, moved_out, new_never, since, pins)

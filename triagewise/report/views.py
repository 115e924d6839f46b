"""What every report shows, computed once: goal coverage (counting every goal an issue moves),
the tension between demand and decisions, the now line, the roadmap by period, what changed
since a baseline. The HTML page, the digest and the deck draw from these. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from triagewise.config.models import Config
from triagewise.errors import ConfigError
from triagewise.rules.triage import Assessment, Bucket

NEXT = 3  # "next" for a goal: the top of its later list
NO_PERIOD = "No period set"


@dataclass(frozen=True)
class GoalView:
    id: str
    title: str
    outcome: str  # the goal's description: the outcome it serves
    period: str | None
    now: tuple[Assessment, ...]  # every now issue that moves this goal (not only the first)
    next: tuple[Assessment, ...]  # the top of its later list
    later: tuple[Assessment, ...]
    never: tuple[Assessment, ...]


def goal_views(assessments: Sequence[Assessment], config: Config) -> list[GoalView]:
    """One view per configured goal, in config order; an issue counts for every goal it moves."""
    out = []
    for goal in config.goals:
        mine = [a for a in assessments if any(g.goal == goal.id for g in a.goals)]
        later = tuple(a for a in mine if a.bucket is Bucket.LATER)
        out.append(
            GoalView(
                goal.id,
                goal.title,
                goal.description or "",
                goal.period,
                tuple(a for a in mine if a.bucket is Bucket.NOW),
                later[:NEXT],
                later,
                tuple(a for a in mine if a.bucket is Bucket.NEVER),
            )
        )
    return out


def by_period(views: Sequence[GoalView]) -> list[tuple[str, list[GoalView]]]:
    """Goals grouped by their `period`, in the order periods first appear; unset last."""
    groups: dict[str, list[GoalView]] = {}
    for v in views:
        groups.setdefault(v.period or NO_PERIOD, []).append(v)
    order = [p for p in groups if p != NO_PERIOD] + ([NO_PERIOD] if NO_PERIOD in groups else [])
    return [(p, groups[p]) for p in order]


def tension(assessments: Sequence[Assessment], top: int = 10) -> list[Assessment]:
    """Of the `top` most-asked-for open issues, those the plan keeps out of now."""
    asked = [a for a in most_asked(assessments, top)]
    return [a for a in asked if a.bucket is not Bucket.NOW]


def most_asked(assessments: Sequence[Assessment], top: int = 10) -> list[Assessment]:
    wanted = [a for a in assessments if a.signals.demand_raw > 0]
    return sorted(wanted, key=lambda a: (-a.signals.demand_raw, a.rank))[:top]


@dataclass(frozen=True)
class NowLine:
    last_in: Assessment | None  # the lowest score the capacity let into now
    first_out: Assessment | None  # the highest score the capacity left in later

    @property
    def sentence(self) -> str:
        if self.last_in is None and self.first_out is None:
            return "No issue was placed by capacity: rules and people decided everything in now."
        parts = []
        if self.last_in is not None:
            parts.append(
                f"The last issue in now is {self.last_in.ref} (score "
                f"{self.last_in.score.value:.1f})"
            )
        if self.first_out is not None:
            gap = (
                f", {self.last_in.score.value - self.first_out.score.value:.1f} points lower"
                if self.last_in is not None
                else ""
            )
            parts.append(
                f"the first one out is {self.first_out.ref} (score "
                f"{self.first_out.score.value:.1f}{gap})"
            )
        return "; ".join(parts) + "."


def now_line(assessments: Sequence[Assessment]) -> NowLine:
    """Where the capacity drew the line, from the plan's own rules ("capacity" and
    "below-line"): their reasons say why."""
    inside = [a for a in assessments if a.rule == "capacity"]
    outside = [a for a in assessments if a.rule == "below-line"]
    return NowLine(
        max(inside, key=lambda a: a.rank) if inside else None,
        min(outside, key=lambda a: a.rank) if outside else None,
    )


@dataclass(frozen=True)
class Since:
    """The state the digest compares with: one earlier sync's buckets."""

    label: str  # "sync 3 of 7 (2026-11-20 09:00 UTC)"
    at: datetime | None
    buckets: Mapping[str, str]


def baseline(snapshots: Sequence[tuple[datetime, dict[str, str]]], since: str | None) -> Since:
    """`since`: a sync's number (1 = the first sync this store saw), a date (YYYY-MM-DD: the
    last sync on or before that day) or None (the sync before the latest). A bad value is a
    ConfigError naming what would do."""
    n = len(snapshots)

    def pick(i: int) -> Since:
        at, buckets = snapshots[i]
        return Since(f"sync {i + 1} of {n} ({at.strftime('%Y-%m-%d %H:%M UTC')})", at, buckets)

    if since is None:
        if n < 2:
            return Since("no earlier sync", None, {})
        return pick(n - 2)
    text = since.strip()
    if text.isdigit():
        number = int(text)
        if not 1 <= number <= n:
            have = f"1 to {n}" if n else "none yet: run 'triagewise sync' first"
            raise ConfigError(f"--since {text}: there is no sync {number}; syncs are {have}.")
        return pick(number - 1)
    try:
        day = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            f"--since takes a sync number (1, 2, …) or a date like 2026-11-20; got '{since}'."
        ) from None
    day = day if day.tzinfo else day.replace(tzinfo=UTC)
    end = day + timedelta(days=1) if len(text) == 10 else day
    before = [i for i, (at, _) in enumerate(snapshots) if at < end]
    if not before:
        first = snapshots[0][0].date().isoformat() if snapshots else None
        raise ConfigError(
            f"--since {text}: no sync had run by then"
            + (f"; the first was on {first}." if first else "; run 'triagewise sync' first.")
        )
    return pick(before[-1])


@dataclass(frozen=True)
class Moves:
    into_now: list[Assessment]
    out_of_now: list[tuple[str, Assessment | None]]  # None: closed or out of scope since
    new_never: list[Assessment]


def moves(assessments: Sequence[Assessment], then: Mapping[str, str]) -> Moves:
    """What differs between `then` (ref -> bucket) and the current assessments."""
    by_ref = {a.ref: a for a in assessments}
    into = [a for a in assessments if a.bucket is Bucket.NOW and then.get(a.ref) != "now"]
    out = [
        (ref, by_ref.get(ref))
        for ref, b in sorted(then.items())
        if b == "now" and (ref not in by_ref or by_ref[ref].bucket is not Bucket.NOW)
    ]
    never = [a for a in assessments if a.bucket is Bucket.NEVER and then.get(a.ref) != "never"]
    return Moves(into, out, never)

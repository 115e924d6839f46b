"""The plan: a sorted, reviewable diff of owned labels and rank moves. Pure.

Only labels under triagewise's own prefixes are ever added or removed; a label set is never
replaced. Where the tracker differs from the shadow of what triagewise last wrote, a person
changed it: the issue is held at that decision, reported as a conflict, and not overwritten.
"""

from __future__ import annotations

import hashlib
import json
import math
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field

from triagewise.config.models import WritebackConfig
from triagewise.model import Issue
from triagewise.rules.triage import Assessment, Bucket

JIRA_RANK_BATCH = 50  # Jira ranks at most 50 issues a call, placed as a block


@dataclass(frozen=True)
class LabelChange:
    ref: str
    source: str
    add: tuple[str, ...]
    remove: tuple[str, ...]
    kind: str = "labels"


@dataclass(frozen=True)
class RankMove:
    """Place `issues`, as a block in this order, before or after `anchor`."""

    ref: str
    source: str
    issues: tuple[str, ...]
    anchor: str
    position: str  # "before" | "after"
    kind: str = "rank"


@dataclass(frozen=True)
class ProjectMove:
    """Move one item on a GitHub Projects board to just after `after` (None: to the top);
    an issue not yet on the board is added first."""

    ref: str
    source: str
    after: str | None
    add: bool = False  # put the issue on the board first (it lands at the bottom)
    move: bool = True  # then move it; False when the bottom is already its place
    kind: str = "position"


@dataclass(frozen=True)
class CommentChange:
    """Write (or edit in place) triagewise's one explanation comment on an issue."""

    ref: str
    source: str
    body: str
    digest: str
    kind: str = "comment"


MARKER = "<!-- triagewise:explanation -->"
JIRA_MARKER = "(triagewise explanation, kept up to date in place)"


def comment_body(a: Assessment, wb: WritebackConfig, jira: bool) -> str:
    label = f"{wb.label_prefix}/{a.bucket.value}"
    lines = [f"*{label}*" if jira else f"**{label}**", "", a.reasons[0], ""]
    lines += [f"* {r}" if jira else f"- {r}" for r in a.reasons[1:]]
    lines += ["", JIRA_MARKER if jira else f"_{JIRA_MARKER}_ {MARKER}"]
    return "\n".join(lines)


def plan_comments(
    assessments: Sequence[Assessment],
    wb: WritebackConfig,
    written: Mapping[str, tuple[str, str]],
    held: set[str],
) -> list[CommentChange]:
    if wb.comments == "off":
        return []
    out: list[CommentChange] = []
    for a in sorted(assessments, key=lambda a: a.ref):
        if a.ref in held or (wb.comments == "never" and a.bucket is not Bucket.NEVER):
            continue
        body = comment_body(a, wb, a.issue.tracker.value == "jira")
        digest = hashlib.sha256(body.encode()).hexdigest()[:16]
        if written.get(a.ref, ("", ""))[1] != digest:
            out.append(CommentChange(a.ref, a.issue.source, body, digest))
    return out


@dataclass(frozen=True)
class ScoreChange:
    """The score into a Projects board's Number field (`project.score_field`)."""

    ref: str
    source: str
    value: float
    kind: str = "score"


@dataclass(frozen=True)
class Conflict:
    ref: str
    source: str
    wrote: tuple[str, ...]  # what triagewise last wrote (empty: it never wrote)
    found: tuple[str, ...]  # what the tracker holds now
    bucket: str | None  # the person's decision, when their labels name one

    @property
    def sentence(self) -> str:
        was = ", ".join(self.wrote) or "nothing"
        now = ", ".join(self.found) or "no triage labels"
        held = f"held at {self.bucket}" if self.bucket else "left as the person set it"
        return f"{self.ref}: triagewise wrote {was}; a person changed it to {now}; {held}."


Change = LabelChange | RankMove | ProjectMove | CommentChange | ScoreChange


@dataclass(frozen=True)
class Plan:
    changes: tuple[Change, ...]
    conflicts: tuple[Conflict, ...]
    relabelled: int = 0  # issues whose existing triagewise labels would change
    labelled_before: int = 0  # issues triagewise had labelled before this plan
    notes: tuple[str, ...] = field(default=())

    @property
    def checksum(self) -> str:
        canonical = json.dumps([asdict(c) for c in self.changes], sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def as_json(self) -> dict[str, object]:
        """The contract shape of `plan --json` (fields may be added, never renamed)."""
        changes: list[dict[str, object]] = []
        for c in self.changes:
            if isinstance(c, LabelChange):
                changes.append(
                    {
                        "ref": c.ref,
                        "kind": "labels",
                        "source": c.source,
                        "add": list(c.add),
                        "remove": list(c.remove),
                    }
                )
            elif isinstance(c, ScoreChange):
                changes.append(
                    {"ref": c.ref, "kind": "score", "source": c.source, "value": c.value}
                )
            elif isinstance(c, CommentChange):
                changes.append(
                    {"ref": c.ref, "kind": "comment", "source": c.source, "body": c.body}
                )
            elif isinstance(c, ProjectMove):
                changes.append(
                    {
                        "ref": c.ref,
                        "kind": "rank",
                        "source": c.source,
                        "issues": [c.ref],
                        "after": c.after if c.move else "(bottom)",
                        "add_to_board": c.add,
                    }
                )
            else:
                changes.append(
                    {
                        "ref": c.ref,
                        "kind": "rank",
                        "source": c.source,
                        "issues": list(c.issues),
                        c.position: c.anchor,
                    }
                )
        conflicts = [
            {
                "ref": c.ref,
                "source": c.source,
                "wrote": list(c.wrote),
                "found": list(c.found),
                "held_at": c.bucket,
                "message": c.sentence,
            }
            for c in self.conflicts
        ]
        return {"checksum": self.checksum, "changes": changes, "conflicts": conflicts}


def owned(labels: Iterable[str], wb: WritebackConfig) -> frozenset[str]:
    prefixes = (f"{wb.label_prefix}/", f"{wb.goal_prefix}/")
    return frozenset(label for label in labels if label.startswith(prefixes))


def desired(a: Assessment, wb: WritebackConfig) -> frozenset[str]:
    """Exactly what `report --json` says: triage/<bucket> and goal/<id> for each goal."""
    return frozenset(
        {f"{wb.label_prefix}/{a.bucket.value}", *(f"{wb.goal_prefix}/{g.goal}" for g in a.goals)}
    )


def labels_after(labels: Iterable[str], change: LabelChange) -> list[str]:
    """A label set after a change: only the named labels move, the rest keep their order."""
    kept = [label for label in labels if label not in change.remove]
    return kept + [label for label in change.add if label not in kept]


def human_bucket(found: Iterable[str], wb: WritebackConfig) -> str | None:
    names = {label.split("/", 1)[1] for label in found if label.startswith(f"{wb.label_prefix}/")}
    buckets = names & {b.value for b in Bucket}
    return buckets.pop() if len(buckets) == 1 else None


def find_conflicts(
    issues: Iterable[Issue], shadows: Mapping[str, frozenset[str]], wb: WritebackConfig
) -> list[Conflict]:
    """Issues whose owned labels a person changed since triagewise wrote them (or set before
    triagewise ever wrote them)."""
    found: list[Conflict] = []
    for issue in sorted(issues, key=lambda i: i.ref):
        now = owned(issue.labels, wb)
        wrote = shadows.get(issue.ref)
        if (wrote is None and now) or (wrote is not None and now != wrote):
            found.append(
                Conflict(
                    issue.ref,
                    issue.source,
                    tuple(sorted(wrote or ())),
                    tuple(sorted(now)),
                    human_bucket(now, wb),
                )
            )
    return found


def longest_increasing(seq: Sequence[int]) -> list[int]:
    """Indices into `seq` of one longest strictly increasing subsequence (patience sorting)."""
    tails: list[int] = []
    tail_at: list[int] = []
    back = [-1] * len(seq)
    for i, value in enumerate(seq):
        k = bisect_left(tails, value)
        if k == len(tails):
            tails.append(value)
            tail_at.append(i)
        else:
            tails[k] = value
            tail_at[k] = i
        back[i] = tail_at[k - 1] if k else -1
    out: list[int] = []
    i = tail_at[-1] if tail_at else -1
    while i != -1:
        out.append(i)
        i = back[i]
    return out[::-1]


def _kept(current: Sequence[str], target: Sequence[str]) -> set[str]:
    where = {key: n for n, key in enumerate(target)}
    seq = [where[key] for key in current]
    return {current[i] for i in longest_increasing(seq)}


def plan_single_moves(
    current: Sequence[str], target: Sequence[str]
) -> list[tuple[str, str | None]]:
    """(item, after) moves, one item each: exactly N − LIS of them (API-FACTS §4.5).
    `after` None means to the top. For GitHub Projects' updateProjectV2ItemPosition."""
    kept = _kept(current, target)
    return [(key, target[t - 1] if t else None) for t, key in enumerate(target) if key not in kept]


def plan_block_moves(
    current: Sequence[str], target: Sequence[str], batch: int = JIRA_RANK_BATCH
) -> list[tuple[tuple[str, ...], str, str]]:
    """(issues, position, anchor) block moves for Jira's rank API; never more than
    min(N − LIS, ⌈N/batch⌉) calls: runs of displaced issues around a kept longest increasing
    subsequence, or a rewrite after the first issue, whichever takes fewer calls."""
    if list(current) == list(target) or len(target) < 2:
        return []
    kept = _kept(current, target)
    runs: list[tuple[int, int]] = []
    t = 0
    while t < len(target):
        if target[t] in kept:
            t += 1
            continue
        start = t
        while t < len(target) and target[t] not in kept:
            t += 1
        runs.append((start, t))
    by_runs: list[tuple[tuple[str, ...], str, str]] = []
    for start, end in runs:
        block = list(target[start:end])
        position, anchor = ("after", target[start - 1]) if start else ("before", target[end])
        for n in range(0, len(block), batch):
            chunk = tuple(block[n : n + batch])
            by_runs.append((chunk, position, anchor))
            position, anchor = "after", chunk[-1]
    rewrite: list[tuple[tuple[str, ...], str, str]] = []
    anchor = target[0]
    for n in range(1, len(target), batch):
        chunk = tuple(target[n : n + batch])
        rewrite.append((chunk, "after", anchor))
        anchor = chunk[-1]
    return by_runs if len(by_runs) <= len(rewrite) else rewrite


def apply_block_moves(
    order: list[str], moves: Iterable[tuple[Sequence[str], str, str]]
) -> list[str]:
    """What Jira does with the moves (used by tests and the benchmark to check a plan)."""
    out = list(order)
    for issues, position, anchor in moves:
        moving = [k for k in issues if k != anchor]
        out = [k for k in out if k not in set(moving)]
        at = out.index(anchor) + (1 if position == "after" else 0)
        out[at:at] = moving
    return out


def build_plan(
    assessments: Sequence[Assessment],
    issues: Mapping[str, Issue],
    shadows: Mapping[str, frozenset[str]],
    conflicts: Sequence[Conflict],
    wb: WritebackConfig,
    rank_orders: Mapping[str, Sequence[str]],
    held: Iterable[str] = (),
    project_orders: Mapping[str, Sequence[str]] | None = None,
    comments: Mapping[str, tuple[str, str]] | None = None,
    board_scores: Mapping[str, Mapping[str, float]] | None = None,
) -> Plan:
    """Labels for every assessed issue that is not held; rank moves per Jira source.

    `rank_orders` maps a Jira source to its current board order (keys, top first); `held` are
    issues a person labelled earlier, which triagewise leaves alone."""
    held = {c.ref for c in conflicts} | set(held)
    changes: list[Change] = []
    relabelled = 0
    for a in sorted(assessments, key=lambda a: a.ref):
        if a.ref in held or a.ref not in issues:
            continue
        now = owned(issues[a.ref].labels, wb)
        want = desired(a, wb)
        if now == want:
            continue
        changes.append(
            LabelChange(a.ref, a.issue.source, tuple(sorted(want - now)), tuple(sorted(now - want)))
        )
        relabelled += a.ref in shadows
    if wb.rank:
        for source in sorted(rank_orders):
            ranked = [a.ref for a in assessments if a.issue.source == source]
            on_board = set(rank_orders[source])
            target = [ref for ref in ranked if ref in on_board]
            current = [ref for ref in rank_orders[source] if ref in set(target)]
            for block, position, anchor in plan_block_moves(current, target):
                changes.append(RankMove(block[0], source, block, anchor, position))
        for source in sorted(project_orders or {}):
            changes += _project_moves(assessments, source, (project_orders or {})[source])
    for source in sorted(board_scores or {}):
        have = (board_scores or {})[source]
        for a in assessments:
            value = round(a.score.value, 1)
            if a.issue.source == source and a.ref not in held and have.get(a.ref) != value:
                changes.append(ScoreChange(a.ref, source, value))
    changes += plan_comments(assessments, wb, comments or {}, held)
    return Plan(
        tuple(changes), tuple(conflicts), relabelled, sum(1 for r in shadows if r in issues)
    )


def _project_moves(
    assessments: Sequence[Assessment], source: str, on_board: Sequence[str]
) -> list[ProjectMove]:
    """Every ranked issue onto the board (added at the bottom), then N − LIS single moves."""
    target = [a.ref for a in assessments if a.issue.source == source]
    wanted = set(target)
    present = set(on_board)
    missing = [ref for ref in target if ref not in present]
    current = [ref for ref in on_board if ref in wanted] + missing
    moves = plan_single_moves(current, target)
    moved = {ref for ref, _ in moves}
    out = [
        ProjectMove(ref, source, None, add=True, move=False) for ref in missing if ref not in moved
    ]
    out += [ProjectMove(ref, source, after, add=ref not in present) for ref, after in moves]
    return out


def exceeds_threshold(plan: Plan, wb: WritebackConfig) -> str | None:
    """A sentence when the plan relabels too large a share of already-labelled issues."""
    if plan.labelled_before == 0:
        return None  # the first write-back labels everything; that is expected
    share = plan.relabelled / plan.labelled_before
    if share <= wb.max_change_share:
        return None
    return (
        f"the plan relabels {plan.relabelled} of {plan.labelled_before} issues triagewise had "
        f"labelled ({share:.0%}, more than writeback.max_change_share = "
        f"{wb.max_change_share:.0%}); check the config, then run again with --force"
    )


def calls_bound(n: int, lis: int) -> int:
    return min(n - lis, math.ceil(n / JIRA_RANK_BATCH))

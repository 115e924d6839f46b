"""The plan: a sorted, reviewable diff of owned labels and rank moves. Pure.

Only labels under triagewise's own prefixes are ever added or removed; a label set is never
replaced. Where the tracker differs from the shadow of what triagewise last wrote, a person
changed it: the issue is held at that decision, reported as a conflict, and not overwritten.

`build_plan` takes one `PlanInputs`. What a tracker can do arrives as data (`BoardInput`'s rank
style and batch, each source's `CommentStyle`); the planner never asks which tracker it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from triagewise.config.models import WritebackConfig
from triagewise.connectors.capabilities import CommentStyle, RankStyle
from triagewise.model import DecisionRow, Issue, Key
from triagewise.rules.triage import Assessment, Bucket
from triagewise.sync import changes as codec
from triagewise.sync.changes import (
    Change,
    CommentChange,
    LabelChange,
    ProjectMove,
    RankMove,
    ScoreChange,
)
from triagewise.sync.comments import comment_body, comment_digest, plan_comments, public_reasons
from triagewise.sync.moves import plan_block_moves, plan_single_moves

__all__ = [
    "BoardInput",
    "Change",
    "CommentChange",
    "Conflict",
    "LabelChange",
    "Plan",
    "PlanInputs",
    "ProjectMove",
    "RankMove",
    "ScoreChange",
    "build_plan",
    "comment_body",
    "comment_digest",
    "public_reasons",
]


def _order(a: Assessment) -> tuple[str, str]:
    """Plan order: by ref, as always; the source only breaks a tie between two sources."""
    return (a.ref, a.issue.source)


@dataclass(frozen=True)
class Conflict:
    ref: str
    source: str
    wrote: tuple[str, ...]  # what triagewise last wrote (empty: it never wrote)
    found: tuple[str, ...]  # what the tracker holds now
    bucket: str | None  # the person's decision, when their labels name one
    rival: bool = False  # two bucket labels: resolved in the person's favour

    @property
    def key(self) -> Key:
        return Key(self.source, self.ref)

    @property
    def sentence(self) -> str:
        was = ", ".join(self.wrote) or "nothing"
        now = ", ".join(self.found) or "no triage labels"
        held = f"held at {self.bucket}" if self.bucket else "left as the person set it"
        if self.rival:
            held += (
                " (two bucket labels, resolved in the person's favour: the most recent a person"
                " set, or the one triagewise did not write; triagewise's own comes off)"
                if self.bucket
                else " (two bucket labels, neither triagewise's: nothing is written)"
            )
        return f"{self.ref}: triagewise wrote {was}; a person changed it to {now}; {held}."


@dataclass(frozen=True)
class Plan:
    changes: tuple[Change, ...]
    conflicts: tuple[Conflict, ...]
    relabelled: int = 0  # issues whose existing triagewise labels would change
    labelled_before: int = 0  # issues triagewise had labelled before this plan
    notes: tuple[str, ...] = field(default=())

    @property
    def checksum(self) -> str:
        return codec.checksum(self.changes)

    def as_json(self) -> dict[str, Any]:
        """The contract shape of `plan --json` (fields may be added, never renamed)."""
        changes = [c.as_json() for c in self.changes]
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
        out: dict[str, object] = {
            "checksum": self.checksum,
            "changes": changes,
            "conflicts": conflicts,
        }
        if self.notes:
            out["notes"] = list(self.notes)
        return out


def owned(labels: Iterable[str], wb: WritebackConfig) -> frozenset[str]:
    """The labels triagewise owns among these, as the tracker spells them: exactly its bucket
    labels and its configured goals' labels, in any case. `triage/accepted` is a person's."""
    names = wb.owned_names()
    return frozenset(label for label in labels if label.lower() in names)


def _folded(labels: Iterable[str]) -> frozenset[str]:
    return frozenset(label.lower() for label in labels)


def desired(a: Assessment, wb: WritebackConfig) -> frozenset[str]:
    """Exactly what `report --json` says: triage/<bucket> and goal/<id> for each goal (a goal
    a person chose that the config no longer has is not written: it is not owned)."""
    names = wb.owned_names()
    goals = (wb.goal_label(g.goal) for g in a.goals)
    return frozenset({wb.bucket_label(a.bucket.value), *(g for g in goals if g.lower() in names)})


def labels_after(labels: Iterable[str], change: LabelChange) -> list[str]:
    """A label set after a change: only the named labels move, the rest keep their order."""
    kept = [label for label in labels if label not in change.remove]
    return kept + [label for label in change.add if label not in kept]


def human_bucket(found: Iterable[str], wb: WritebackConfig) -> str | None:
    """The bucket a person's labels name: only triagewise's own bucket labels count."""
    folded = _folded(found)
    buckets = {b.value for b in Bucket if wb.bucket_label(b.value).lower() in folded}
    return buckets.pop() if len(buckets) == 1 else None


def person_bucket(found: Iterable[str], shadow: Iterable[str], wb: WritebackConfig) -> str | None:
    """The bucket a person's labels name. Two bucket labels on one issue are resolved in the
    person's favour: the one triagewise did not write (not in its shadow) wins."""
    single = human_bucket(found, wb)
    if single is not None:
        return single
    wrote = _folded(shadow)
    theirs = [label for label in found if label.lower() not in wrote]
    return human_bucket(theirs, wb) if theirs else None


def _ours_beside(conflict: Conflict, wb: WritebackConfig) -> tuple[str, ...]:
    """triagewise's own bucket labels left beside the bucket a person chose."""
    if conflict.bucket is None:
        return ()
    mine = wb.bucket_label(conflict.bucket).lower()
    buckets = {wb.bucket_label(b.value).lower() for b in Bucket}
    wrote = _folded(conflict.wrote)
    return tuple(f for f in conflict.found if f.lower() in buckets & wrote and f.lower() != mine)


def find_conflicts(
    issues: Iterable[Issue],
    shadows: Mapping[Key, frozenset[str]],
    wb: WritebackConfig,
    rivals: Mapping[Key, str] | None = None,
) -> list[Conflict]:
    """Issues whose owned labels a person changed since triagewise wrote them (or set before
    triagewise ever wrote them)."""
    found: list[Conflict] = []
    for issue in sorted(issues, key=lambda i: (i.ref, i.source)):
        now = owned(issue.labels, wb)
        shadow = shadows.get(issue.key)
        # a goal since dropped from the config is no longer owned, nor compared
        wrote = None if shadow is None else owned(shadow, wb)
        if (wrote is None and now) or (wrote is not None and _folded(now) != _folded(wrote)):
            found.append(
                Conflict(
                    issue.ref,
                    issue.source,
                    tuple(sorted(wrote or ())),
                    tuple(sorted(now)),
                    (rivals or {}).get(issue.key) or person_bucket(now, wrote or (), wb),
                    sum(1 for b in Bucket if wb.bucket_label(b.value).lower() in _folded(now)) > 1,
                )
            )
    return found


@dataclass(frozen=True)
class BoardInput:
    """A source's board as the planner needs it: the current order (refs, top first), how it
    moves (`block` moves of up to `batch` issues, or `single` moves), and, when it has a score
    field, the values it holds."""

    order: Sequence[str]
    style: RankStyle
    batch: int = 1
    scores: Mapping[str, float] | None = None


@dataclass(frozen=True)
class PlanInputs:
    """Everything one plan is built from; `load_plan_inputs` in `sync/run.py` reads it from the
    store (read only).

    Issues, shadows, held issues and comments are keyed on `(source, ref)`; a board's refs are
    its own source's. `held` are issues a person decided, which triagewise leaves alone;
    `comments` maps an issue to (comment id, digest of the text written); `comment_styles` has
    one entry per source that can comment."""

    assessments: Sequence[Assessment]
    issues: Mapping[Key, Issue]
    shadows: Mapping[Key, frozenset[str]]
    conflicts: Sequence[Conflict]
    writeback: WritebackConfig
    boards: Mapping[str, BoardInput] = field(default_factory=dict)
    held: Iterable[Key] = ()
    comments: Mapping[Key, tuple[str, str]] = field(default_factory=dict)
    comment_styles: Mapping[str, CommentStyle] = field(default_factory=dict)
    decisions: Mapping[Key, DecisionRow] = field(default_factory=dict)  # recorded in comments


def build_plan(inputs: PlanInputs) -> Plan:
    """Labels for every assessed issue that is not held, most important first (by rank: now
    before later before never, so a run stopped by a budget, a limit or a kill has written
    what matters most), then each board's moves (block boards first, then single-move boards,
    each in source order), scores (by rank), comments."""
    wb, assessments, issues = inputs.writeback, inputs.assessments, inputs.issues
    held = {c.key for c in inputs.conflicts} | set(inputs.held)
    changes: list[Change] = []
    relabelled = 0
    for c in inputs.conflicts:  # two bucket labels: the person's stays, ours comes off
        stale = _ours_beside(c, wb)
        if stale:
            changes.append(LabelChange(c.ref, c.source, (), stale))
    for a in sorted(assessments, key=lambda a: (a.rank, *_order(a))):
        key = a.issue.key
        if key in held or key not in issues:
            continue
        now = owned(issues[key].labels, wb)
        want = desired(a, wb)
        if _folded(now) == _folded(want):
            continue  # `Triage/Later` is `triage/later`: GitHub's label names ignore case
        add = sorted(w for w in want if w.lower() not in _folded(now))
        remove = sorted(n for n in now if n.lower() not in _folded(want))
        changes.append(LabelChange(a.ref, a.issue.source, tuple(add), tuple(remove)))
        relabelled += key in inputs.shadows
    boards = inputs.boards
    if wb.rank:
        for source in sorted(s for s, b in boards.items() if b.style == "block"):
            changes += _block_moves(assessments, source, boards[source])
        for source in sorted(s for s, b in boards.items() if b.style == "single"):
            changes += _project_moves(assessments, source, boards[source].order)
    changes += _scores(assessments, boards, held, changes, wb)
    changes += plan_comments(
        assessments, wb, inputs.comments, held, inputs.comment_styles, inputs.decisions
    )
    labelled_before = sum(1 for r in inputs.shadows if r in issues)
    notes = tuple(n for a in assessments for n in a.notes)  # matches skipped, per issue
    return Plan(tuple(changes), tuple(inputs.conflicts), relabelled, labelled_before, notes)


def _scores(
    assessments: Sequence[Assessment],
    boards: Mapping[str, BoardInput],
    held: set[Key],
    planned: Sequence[Change],
    wb: WritebackConfig,
) -> list[ScoreChange]:
    """Scores into each board's number field, by rank: for an issue without one, one whose
    bucket label or board position changes in this plan, or one whose score moved by at
    least `writeback.score_min_change` of the value the board holds (of 1, below 1). A 👍 on
    the most-asked-for issue nudges every demand figure a little; no score is rewritten for
    that alone."""
    buckets = {wb.bucket_label(b.value).lower() for b in Bucket}
    moved = {
        (c.source, c.ref)
        for c in planned
        if isinstance(c, ProjectMove)
        or (isinstance(c, LabelChange) and any(x.lower() in buckets for x in c.add))
    }
    min_change = wb.score_min_change
    out: list[ScoreChange] = []
    for source in sorted(s for s, b in boards.items() if b.scores is not None):
        have = boards[source].scores or {}
        for a in sorted(assessments, key=lambda a: (a.rank, *_order(a))):
            if a.issue.source != source or a.issue.key in held:
                continue
            value, old = round(a.score.value, 1), have.get(a.ref)
            if old == value:
                continue
            if (
                old is None
                or (source, a.ref) in moved
                or abs(value - old) >= min_change * max(abs(old), 1.0)
            ):
                out.append(ScoreChange(a.ref, source, value))
    return out


def _block_moves(
    assessments: Sequence[Assessment], source: str, board: BoardInput
) -> list[RankMove]:
    """The issues on the board in assessed order, in as few block moves as the batch allows."""
    ranked = [a.ref for a in assessments if a.issue.source == source]
    on_board = set(board.order)
    target = [ref for ref in ranked if ref in on_board]
    current = [ref for ref in board.order if ref in set(target)]
    return [
        RankMove(block[0], source, block, anchor, position)
        for block, position, anchor in plan_block_moves(current, target, board.batch)
    ]


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

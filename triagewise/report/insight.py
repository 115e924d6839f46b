"""Stated vs revealed priorities: where the config (what the team says matters) and the history
(what the team did) disagree, for the product manager to change one or the other. Pure.

- goals weighted as important whose issues the team keeps closing as not planned, or never
  starts;
- anti-themes the team keeps doing anyway;
- themes no issue touches at all;
- the open issues where the learned model and the configured rules disagree most.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from triagewise.config.models import Config
from triagewise.model import StatusCategory
from triagewise.rules.history import Decision
from triagewise.rules.triage import Assessment

STALE_DAYS = 180  # an open issue untouched this long was never started
MIN_ISSUES = 3  # fewer issues say nothing about a goal


@dataclass(frozen=True)
class GoalGap:
    goal: str
    title: str
    weight: float
    decided: int  # history issues mapped to it
    not_done: int  # of those, decided not to do
    open: int
    stale: int  # open and untouched for STALE_DAYS
    sentence: str


@dataclass(frozen=True)
class AntiThemeDone:
    anti_theme: str
    done: int
    examples: tuple[str, ...]
    sentence: str


@dataclass(frozen=True)
class Disagreement:
    ref: str
    title: str
    rules: float  # the configured rules' score (0–100)
    learned: float  # what the history says (0–100)
    bucket: str
    sentence: str


@dataclass(frozen=True)
class Insight:
    goals: tuple[GoalGap, ...]
    anti_themes_done: tuple[AntiThemeDone, ...]
    themes_without_work: tuple[str, ...]
    disagreements: tuple[Disagreement, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "goals": [asdict(g) for g in self.goals],
            "anti_themes_done": [asdict(a) for a in self.anti_themes_done],
            "themes_without_work": list(self.themes_without_work),
            "disagreements": [asdict(d) for d in self.disagreements],
        }

    def sentences(self) -> list[str]:
        out = [g.sentence for g in self.goals]
        out += [a.sentence for a in self.anti_themes_done]
        if self.themes_without_work:
            names = ", ".join(self.themes_without_work)
            out.append(f"No issue touches the theme{'s' if len(names) > 1 else ''} {names}.")
        out += [d.sentence for d in self.disagreements]
        return out


def stated_vs_revealed(
    open_assessments: Sequence[Assessment],
    history: Sequence[tuple[Assessment, Decision]],
    config: Config,
    now: datetime,
    limit: int = 5,
) -> Insight:
    """`history`: each history issue assessed as if it were open, with the team's decision."""
    weights = sorted(g.weight for g in config.goals)
    important = weights[len(weights) // 2] if weights else 0.0
    stale_before = now - timedelta(days=STALE_DAYS)
    gaps: list[GoalGap] = []
    for goal in config.goals:
        if goal.weight < important:
            continue
        mapped = [d for a, d in history if any(g.goal == goal.id for g in a.goals)]
        opened = [a for a in open_assessments if any(g.goal == goal.id for g in a.goals)]
        stale = [
            a
            for a in opened
            if a.issue.status_category is StatusCategory.TODO and a.issue.updated_at < stale_before
        ]
        not_done = sum(1 for d in mapped if d.never)
        says = []
        if len(mapped) >= MIN_ISSUES and not_done * 2 >= len(mapped):
            says.append(f"the team decided not to do {not_done} of its {len(mapped)} past issues")
        if len(opened) >= MIN_ISSUES and len(stale) * 2 >= len(opened):
            says.append(
                f"{len(stale)} of its {len(opened)} open issues were not touched in "
                f"{STALE_DAYS} days"
            )
        if says:
            gaps.append(
                GoalGap(
                    goal.id,
                    goal.title,
                    goal.weight,
                    len(mapped),
                    not_done,
                    len(opened),
                    len(stale),
                    f"Goal {goal.id} “{goal.title}” is weighted {goal.weight:g}, yet "
                    + " and ".join(says)
                    + ".",
                )
            )
    done: dict[str, list[str]] = {}
    for a, d in history:
        if not d.never and a.alignment.anti_theme and a.alignment.against > a.alignment.support:
            done.setdefault(a.alignment.anti_theme, []).append(a.ref)
    antis = tuple(
        AntiThemeDone(
            name,
            len(refs),
            tuple(sorted(refs)[:3]),
            f"The vision rules out {name}, yet the team prioritised {len(refs)} such issues "
            f"(e.g. {', '.join(sorted(refs)[:3])}).",
        )
        for name, refs in sorted(done.items())
        if len(refs) >= 2
    )
    touched = {
        ev.theme
        for a in [*open_assessments, *(h for h, _ in history)]
        for ev in a.alignment.evidence
        if not ev.anti
    }
    quiet = tuple(sorted(t for t in config.vision.themes if t not in touched))
    gaps_by_size = sorted(
        (
            (abs(100 * (a.score.learned or 0.0) - (a.score.base or a.score.value)), a)
            for a in open_assessments
            if a.score.learned is not None and not a.pinned
        ),
        key=lambda p: (-p[0], p[1].ref),
    )
    disagreements = tuple(
        Disagreement(
            a.ref,
            a.issue.title,
            round(a.score.base if a.score.base is not None else a.score.value, 1),
            round(100 * (a.score.learned or 0.0), 1),
            a.bucket.value,
            f"{a.ref} “{a.issue.title}”: the config's rules give it "
            f"{a.score.base if a.score.base is not None else a.score.value:.0f}, the team's "
            f"history {100 * (a.score.learned or 0.0):.0f} (now {a.bucket.value}); change the "
            "config or decide it.",
        )
        for gap, a in gaps_by_size[:limit]
        if gap >= 25
    )
    return Insight(tuple(gaps), antis, quiet, disagreements)

"""Goal mapping: which goals an issue moves, with a confidence and the reason. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from triagewise.config.models import GoalConfig
from triagewise.model import Issue
from triagewise.pattern import search
from triagewise.rules.text import term
from triagewise.rules.vision import IssueText

# How much one piece of evidence alone says; pieces combine as a noisy-OR, so more evidence
# never lowers a confidence.
LABEL = 0.8
COMPONENT = 0.8
TYPE = 0.5
KEYWORD = {"title": 0.6, "labels": 0.6, "body": 0.35}
TEXT_RULE = 0.6


@dataclass(frozen=True)
class GoalMatch:
    goal: str
    title: str
    weight: float
    confidence: float
    reasons: tuple[str, ...]

    @property
    def impact(self) -> float:
        return self.weight * self.confidence


class GoalMapper:
    def __init__(self, goals: list[GoalConfig]) -> None:
        self.goals = goals
        self._keywords = {g.id: [term(k) for k in g.keywords] for g in goals}
        self._text = {g.id: list(g.text) for g in goals}

    def map(
        self,
        issue: Issue,
        text: IssueText,
        threshold: float,
        similar: Sequence[tuple[str, float]] = (),
        neighbours: Sequence[tuple[str, float, str, str]] = (),
        notes: list[str] | None = None,
    ) -> list[GoalMatch]:
        """Goals at or above `threshold`, strongest (weight × confidence) first. `similar` are
        (goal id, similarity in meaning) from a semantic backend, already past its threshold."""
        meaning = dict(similar)
        labels = {label.lower() for label in issue.labels}
        components = {c.lower() for c in issue.components}
        found: list[GoalMatch] = []
        for goal in self.goals:
            pieces: list[tuple[float, str]] = []
            pieces += [(LABEL, f"labelled '{x}'") for x in goal.labels if x.lower() in labels]
            pieces += [
                (COMPONENT, f"in component '{x}'")
                for x in goal.components
                if x.lower() in components
            ]
            if issue.type and issue.type.lower() in {t.lower() for t in goal.types}:
                pieces.append((TYPE, f"of type {issue.type}"))
            for keyword in self._keywords[goal.id]:
                places = [name for name, _ in text.hits(keyword)]
                if places:
                    best = max(KEYWORD[p] for p in places)
                    pieces.append((best, f"'{keyword.text}' in the {' and '.join(places)}"))
            for gid, sim, ref, title in neighbours:
                if gid == goal.id:
                    pieces.append(
                        (
                            min(0.85, 0.35 + sim),
                            f"like {ref} “{title}”, which carries its label (similarity {sim:.2f})",
                        )
                    )
            if goal.id in meaning:
                sim = meaning[goal.id]
                pieces.append(
                    (min(0.85, 0.4 + sim), f"close in meaning to the goal (similarity {sim:.2f})")
                )
            haystack = f"{issue.title}\n{issue.body}"
            for rx in self._text[goal.id]:
                hit = search(rx, haystack)
                if hit is None and notes is not None:
                    notes.append(
                        f"{issue.ref}: goal {goal.id!r} text /{rx}/ skipped: it could not run"
                    )
                if hit:
                    pieces.append((TEXT_RULE, f"matches /{rx}/"))
            if not pieces:
                continue
            miss = 1.0
            for confidence, _ in pieces:
                miss *= 1.0 - confidence
            confidence = 1.0 - miss
            if confidence >= threshold:
                reasons = tuple(reason for _, reason in pieces)
                found.append(GoalMatch(goal.id, goal.title, goal.weight, confidence, reasons))
        order = {g.id: i for i, g in enumerate(self.goals)}
        found.sort(key=lambda m: (-m.impact, order[m.goal]))
        return found

"""Semantic alignment, goal similarity and likely duplicates from precomputed vectors. Pure:
vectors in, evidence out; the lexical evidence stays beside it, so a reason still reads as a
sentence ("close in meaning to onboarding (similarity 0.61)")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from triagewise.config.models import GoalConfig, VisionConfig
from triagewise.model import Issue, Key
from triagewise.rules.vision import Alignment, Evidence, IssueText, LexicalAlignment

# Calibrated on the labelled set in bench/eval (see bench/semantic_eval.py): below FLOOR two
# texts of this model are about different things; at CEILING they are about the same thing.
FLOOR = 0.30
CEILING = 0.65
GOAL_THRESHOLD = 0.40
NEIGHBOUR = 0.35  # chosen on the labelled set's history split (bench/semantic_eval.py --history)
DUPLICATE = 0.80
SEMANTIC = "meaning"


def strength(similarity: float) -> float:
    return max(0.0, min(1.0, (similarity - FLOOR) / (CEILING - FLOOR)))


def describe(texts: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """A theme as the model should read it: its name and its words."""
    return {name: f"{name}: {', '.join(words)}" for name, words in texts.items()}


@dataclass
class SemanticAlignment:
    """Lexical evidence, blended (noisy-OR) with similarity to each theme and anti-theme."""

    vision: VisionConfig
    issue_vectors: Mapping[Key, Any]
    theme_vectors: Mapping[str, Any]
    anti_vectors: Mapping[str, Any]
    name: str = "semantic"
    ignore: frozenset[str] = frozenset()  # the product's own names (rules.vision.product_words)
    lexical: LexicalAlignment = field(init=False)

    def __post_init__(self) -> None:
        self.lexical = LexicalAlignment(self.vision, self.ignore)

    def _nearest(self, vector: Any, targets: Mapping[str, Any]) -> tuple[str | None, float]:
        best, score = None, 0.0
        for name in sorted(targets):
            similarity = float(vector @ targets[name])
            if similarity > score:
                best, score = name, similarity
        return best, score

    def align(self, issue: Issue, text: IssueText) -> Alignment:
        base = self.lexical.align(issue, text)
        vector = self.issue_vectors.get(issue.key)
        if vector is None:
            return base
        theme, sim = self._nearest(vector, self.theme_vectors)
        anti, anti_sim = self._nearest(vector, self.anti_vectors)
        pro, con = strength(sim), strength(anti_sim)
        support = 1 - (1 - base.support) * (1 - pro)
        against = 1 - (1 - base.against) * (1 - con)
        evidence = list(base.evidence)
        if theme and pro > 0:
            evidence.append(
                Evidence(theme, f"close in meaning (similarity {sim:.2f})", SEMANTIC, 1, False)
            )
        if anti and con > 0:
            evidence.append(
                Evidence(anti, f"close in meaning (similarity {anti_sim:.2f})", SEMANTIC, 1, True)
            )
        return Alignment(
            score=support * (1 - against),
            support=support,
            against=against,
            evidence=tuple(evidence),
            theme=base.theme or (theme if pro > 0 else None),
            anti_theme=base.anti_theme or (anti if con > 0 else None),
        )


def goal_documents(goals: Sequence[GoalConfig]) -> dict[str, str]:
    return {
        g.id: f"{g.title}. {g.description} {', '.join(g.keywords)} {', '.join(g.labels)}"
        for g in goals
    }


def goal_similarity(
    issue_vectors: Mapping[Key, Any],
    goal_vectors: Mapping[str, Any],
    threshold: float = GOAL_THRESHOLD,
) -> dict[Key, list[tuple[str, float]]]:
    """(source, ref) -> [(goal id, similarity)]: the nearest goal, when it is at least
    `threshold` close. Only the nearest: on the labelled set a second goal above the threshold
    was wrong more often than right."""
    out: dict[Key, list[tuple[str, float]]] = {}
    for key, vector in issue_vectors.items():
        hits = sorted(((float(vector @ g), gid) for gid, g in goal_vectors.items()), reverse=True)
        if hits and hits[0][0] >= threshold:
            out[key] = [(hits[0][1], hits[0][0])]
    return out


def likely_duplicates(
    issues: Sequence[Issue], issue_vectors: Mapping[Key, Any], threshold: float = DUPLICATE
) -> dict[Key, list[tuple[str, float]]]:
    """(source, ref) -> [(older ref it likely duplicates, similarity)]: nearest neighbours
    above the threshold; the newer of two issues is the duplicate."""
    import numpy as np

    ordered = sorted(
        (i for i in issues if i.key in issue_vectors),
        key=lambda i: (i.created_at, i.ref, i.source),
    )
    if len(ordered) < 2:
        return {}
    matrix = np.stack([issue_vectors[i.key] for i in ordered])
    out: dict[Key, list[tuple[str, float]]] = {}
    for n in range(1, len(ordered)):
        sims = matrix[:n] @ matrix[n]
        best = int(np.argmax(sims))
        if float(sims[best]) >= threshold:
            out[ordered[n].key] = [(ordered[best].ref, float(sims[best]))]
    return out


def goal_neighbours(
    issues: Sequence[Issue],
    issue_vectors: Mapping[Key, Any],
    exemplars: Sequence[Issue],
    exemplar_vectors: Mapping[Key, Any],
    goals: Sequence[GoalConfig],
    threshold: float = NEIGHBOUR,
) -> dict[Key, list[tuple[str, float, str, str]]]:
    """(source, ref) -> [(goal id, similarity, exemplar ref, exemplar title)]: goal mapping
    learned from the issues that already carry a goal's labels or components (open or
    closed), so that "clients keep paying weeks late" finds the goal its labelled neighbours
    serve. The goal of the nearest exemplar, when it is at least `threshold` close."""
    import numpy as np

    by_goal: dict[str, list[Issue]] = {}
    for goal in goals:
        marks = {x.lower() for x in [*goal.labels, *goal.components]}
        by_goal[goal.id] = [
            e
            for e in sorted(exemplars, key=lambda i: (i.ref, i.source))
            if e.key in exemplar_vectors and marks & {x.lower() for x in (*e.labels, *e.components)}
        ]
    out: dict[Key, list[tuple[str, float, str, str]]] = {}
    for goal_id, members in sorted(by_goal.items()):
        if not members:
            continue
        matrix = np.stack([exemplar_vectors[e.key] for e in members])
        for issue in issues:
            vector = issue_vectors.get(issue.key)
            if vector is None:
                continue
            sims = matrix @ vector
            order = [int(k) for k in np.argsort(-sims, kind="stable")]
            best = next((k for k in order if members[k].key != issue.key), None)
            if best is not None and float(sims[best]) >= threshold:
                e = members[best]
                out.setdefault(issue.key, []).append((goal_id, float(sims[best]), e.ref, e.title))
    # only the nearest goal, as for the goals' own texts: a second one was wrong more often
    return {key: [max(found, key=lambda f: (f[1], f[0]))] for key, found in sorted(out.items())}

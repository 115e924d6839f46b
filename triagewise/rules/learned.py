"""A model fitted on the team's own decisions, applied to an issue. Pure: the model is data.

`triagewise learn` fits it (triagewise/learn.py, on scikit-learn) and stores it as JSON in the
store; this module only reads that data, so assessing stays pure, linear and byte-for-byte
deterministic. Features are one bag of tokens: the words and word pairs of title and body,
plus `label:<name>`, `kind:<kind>` and `severity:<level>` for what the rules already know, and
`theme:`, `anti:` and `goal:` for each theme, anti-theme and goal the rules found in it; and
beside the bag the cold rules' own signals as numbers (`rules:score`, `rules:alignment`, …,
each 0–1), so the model starts from what the rules say and learns where the team departs from
it. Two calibrated logistic models answer: how likely would the team make this high priority,
and how likely would it decide not to do it.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from triagewise.config.models import Config
from triagewise.model import Issue
from triagewise.rules.goals import GoalMatch
from triagewise.rules.history import strip_decisions
from triagewise.rules.kind import Kind, issue_kind
from triagewise.rules.severity import families, severity_of
from triagewise.rules.vision import Alignment

_WORD = re.compile(r"\b\w\w+\b")
# 2: the rules' signals (DENSE), the meaning vector, thresholds, the weight and the backend;
# 3: the themes, anti-themes and goals the rules found, as tokens (rule_tokens)
MODEL_FORMAT = 3
BODY_CHARS = 1500


def bag_of(issue: Issue, config: Config) -> list[str]:
    """What the model reads of an issue: without decision labels (the caller has removed the
    owned ones), with the kind and severity the rules find."""
    seen = strip_decisions(issue, config)
    kinds = {k.lower(): Kind(v) for k, v in config.triage.kinds.items()}
    kind = issue_kind(seen, kinds)
    rules = families(config.triage.severity, config.triage.severity_defaults)
    severity = severity_of(seen, kind, rules)
    return tokens(seen, kind.kind.value if kind.kind else None, severity.level.name.lower())


RULE_PREFIXES = ("theme:", "anti:", "goal:")


def rule_tokens(alignment: Alignment, goals: Iterable[GoalMatch]) -> list[str]:
    """What the rules found, one token per theme, anti-theme and goal: the aggregates are in
    DENSE, these let the model learn which of the config's themes and goals the team does."""
    out = sorted(f"theme:{t}" for t in alignment.themes(anti=False))
    out += sorted(f"anti:{t}" for t in alignment.themes(anti=True))
    return out + sorted({f"goal:{g.goal}" for g in goals})


# The cold rules' signals the model reads beside the words, each 0–1. All but the score are
# on a fixed scale; the score measures demand against the pool's most-asked-for issue, as the
# rules do, so a new most-asked-for issue moves it a little.
DENSE = (
    "rules:score", "rules:impact", "rules:alignment", "rules:against", "rules:severity",
    "rules:demand",
)  # fmt: skip


def rules_signals(
    score: float, impact: float, alignment: float, against: float, severity: float, demand: float
) -> tuple[float, ...]:
    """The values of DENSE for one issue: its cold score (0–100), goal impact, alignment,
    what speaks against it (anti-themes), severity and raw demand (👍, comments, duplicates)."""
    return (
        min(max(score, 0.0), 100.0) / 100.0,
        impact,
        alignment,
        against,
        severity,
        demand / (demand + 5.0) if demand > 0 else 0.0,
    )


def tokens(issue: Issue, kind: str | None, severity: str) -> list[str]:
    """The bag of tokens the model reads. The caller removes owned and decision labels."""
    text = f"{issue.title} {issue.title} {issue.body[:BODY_CHARS]}".lower()
    words = _WORD.findall(text)
    out = words + [f"{a} {b}" for a, b in pairwise(words)]
    out += [f"label:{label.strip().lower()}" for label in issue.labels]
    out += [f"component:{c.strip().lower()}" for c in issue.components]
    if issue.type:
        out.append(f"type:{issue.type.strip().lower()}")
    if issue.author:  # who files it: a team member's reports and a bot's are decided alike
        out.append(f"author:{issue.author.strip().lower()}")
    out.append(f"kind:{kind or 'unknown'}")
    out.append(f"severity:{severity}")
    return out


@dataclass(frozen=True)
class Target:
    """One calibrated linear model over the shared vocabulary."""

    name: str  # "high" | "never"
    coef: tuple[float, ...]
    intercept: float
    platt: tuple[float, float]  # P = 1 / (1 + exp(-(a·margin + b)))
    positives: int
    negatives: int
    cv_auc: float | None  # held-out, by cross-validation on the history
    rules_auc: float | None  # the cold rules on the same examples
    threshold: float | None = None  # never: the probability it needs (learn.never_threshold)
    defect_threshold: float | None = None  # the same for an issue the rules see as a defect

    def never_limit(self, defect: bool) -> float | None:
        """The probability a learned never needs; None: this model sends no such issue."""
        return self.defect_threshold if defect else self.threshold

    @property
    def trusted(self) -> bool:
        """Used only where it agreed with the team's history better than the cold rules did,
        held out: a model that learned noise from a small history stays out of the score."""
        return (
            self.cv_auc is not None
            and self.rules_auc is not None
            and (self.cv_auc > self.rules_auc)
        )

    def probability(self, vector: Mapping[int, float]) -> float:
        margin = self.intercept + sum(self.coef[i] * v for i, v in vector.items())
        a, b = self.platt
        z = a * margin + b
        return 1.0 / (1.0 + math.exp(-z)) if z > -500 else 0.0


@dataclass(frozen=True)
class LearnedModel:
    vocabulary: Mapping[str, int]
    idf: tuple[float, ...]
    targets: Mapping[str, Target]  # coef: one per vocabulary term, then one per `dense` name
    decisions: int
    fitted_on: str  # ISO time of the fit
    # token -> (issues with it that were high, that were never, all with it), for reasons
    support: Mapping[str, tuple[int, int, int]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    dense: tuple[str, ...] = ()  # the rules' signals read beside the bag (DENSE), in order
    embedding: int = 0  # the semantic vector's length, read after them (0: lexical)
    weight: float | None = None  # the share of the score held out best (`weight = "auto"`)
    backend: str = "lexical"  # the alignment backend it was fitted with (its vectors, its rules)
    format: int = 0  # MODEL_FORMAT when fitted: an older model is fitted again, not used
    terms: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        terms = [""] * len(self.vocabulary)
        for term, i in self.vocabulary.items():
            terms[i] = term
        object.__setattr__(self, "terms", tuple(terms))

    def vector(self, bag: Sequence[str]) -> dict[int, float]:
        """tf-idf with sublinear tf and l2 norm, exactly as the fit computed it."""
        counts = Counter(t for t in bag if t in self.vocabulary)
        raw = {
            self.vocabulary[t]: (1.0 + math.log(n)) * self.idf[self.vocabulary[t]]
            for t, n in counts.items()
        }
        norm = math.sqrt(sum(v * v for v in raw.values()))
        return {i: v / norm for i, v in sorted(raw.items())} if norm else {}

    def features(
        self, bag: Sequence[str], rules: Sequence[float] = (), meaning: Sequence[float] = ()
    ) -> dict[int, float]:
        """The bag's tf-idf, then the rules' signals (as many as the model was fitted with),
        then the issue's semantic vector when the model was fitted with one."""
        vec = self.vector(bag)
        base = len(self.vocabulary)
        for j, value in enumerate(tuple(rules)[: len(self.dense)]):
            if value:
                vec[base + j] = float(value)
        base += len(self.dense)
        if self.embedding and len(meaning) == self.embedding:
            for j, value in enumerate(meaning):
                vec[base + j] = float(value)
        return vec

    def predict(
        self, bag: Sequence[str], rules: Sequence[float] = (), meaning: Sequence[float] = ()
    ) -> dict[str, float]:
        vec = self.features(bag, rules, meaning)
        return {name: t.probability(vec) for name, t in sorted(self.targets.items())}

    def leading(self, bag: Sequence[str], target: str, limit: int = 2) -> list[str]:
        """The tokens of this issue that push hardest towards `target`."""
        model = self.targets.get(target)
        if model is None:
            return []
        vec = self.vector(bag)
        pushes = sorted(
            ((model.coef[i] * v, self.terms[i]) for i, v in vec.items() if model.coef[i] > 0),
            key=lambda p: (-p[0], p[1]),
        )
        return [t for _, t in pushes[:limit]]

    def to_json(self) -> dict[str, Any]:
        return {
            "vocabulary": dict(sorted(self.vocabulary.items(), key=lambda kv: kv[1])),
            "idf": list(self.idf),
            "targets": {
                name: {
                    "coef": list(t.coef),
                    "intercept": t.intercept,
                    "platt": list(t.platt),
                    "positives": t.positives,
                    "negatives": t.negatives,
                    "cv_auc": t.cv_auc,
                    "rules_auc": t.rules_auc,
                    "threshold": t.threshold,
                    "defect_threshold": t.defect_threshold,
                }
                for name, t in sorted(self.targets.items())
            },
            "decisions": self.decisions,
            "fitted_on": self.fitted_on,
            "support": {k: list(v) for k, v in sorted(self.support.items())},
            "notes": list(self.notes),
            "dense": list(self.dense),
            "embedding": self.embedding,
            "weight": self.weight,
            "backend": self.backend,
            "format": self.format,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LearnedModel:
        targets = {
            name: Target(
                name,
                tuple(float(c) for c in t["coef"]),
                float(t["intercept"]),
                (float(t["platt"][0]), float(t["platt"][1])),
                int(t["positives"]),
                int(t["negatives"]),
                t.get("cv_auc"),
                t.get("rules_auc"),
                t.get("threshold"),
                t.get("defect_threshold"),
            )
            for name, t in data["targets"].items()
        }
        return cls(
            vocabulary={str(k): int(v) for k, v in data["vocabulary"].items()},
            idf=tuple(float(x) for x in data["idf"]),
            targets=targets,
            decisions=int(data["decisions"]),
            fitted_on=str(data["fitted_on"]),
            support={k: (int(v[0]), int(v[1]), int(v[2])) for k, v in data["support"].items()},
            notes=tuple(data.get("notes", ())),
            dense=tuple(str(d) for d in data.get("dense", ())),
            embedding=int(data.get("embedding", 0)),
            weight=None if data.get("weight") is None else float(data["weight"]),
            backend=str(data.get("backend", "lexical")),
            format=int(data.get("format", 0)),
        )


_PREFIXES = ("label", "kind", "severity", "type", "author", *(p[:-1] for p in RULE_PREFIXES))


def describe_token(token: str) -> str:
    if ":" in token and token.split(":", 1)[0] in _PREFIXES:
        what, value = token.split(":", 1)
        said = {
            "label": f"label '{value}'",
            "kind": f"kind {value}",
            "author": f"filed by {value}",
            "theme": f"the theme '{value}'",
            "anti": f"the anti-theme '{value}'",
            "goal": f"the goal '{value}'",
        }
        return said.get(what, f"{what} {value}")
    return f"'{token}'"


def support_sentence(model: LearnedModel, bag: Sequence[str], target: str) -> str:
    """ "issues with label 'area/storage' were high in 14 of 17 cases" for this issue's
    strongest token towards `target`, or "" when none has support."""
    index = 0 if target == "high" else 1
    word = "high priority" if target == "high" else "not done"
    for token in model.leading(bag, target, limit=5):
        if token.startswith("author:"):
            continue  # reasons go into public comments: they do not single out a reporter
        counts = model.support.get(token)
        common = counts is not None and counts[2] * 2 > model.decisions  # says nothing
        if counts and not common and counts[2] >= 3 and counts[index] >= 2:
            said = describe_token(token)
            which = said if said.startswith("filed by ") else f"with {said}"
            return f"issues {which} were {word} in {counts[index]} of {counts[2]} cases"
    return ""


@dataclass(frozen=True)
class Neighbour:
    ref: str
    title: str
    similarity: float


def nearest(
    model: LearnedModel, bag: Sequence[str], examples: Iterable[tuple[str, str, Sequence[str]]]
) -> Neighbour | None:
    """The most similar of `examples` (ref, title, tokens), by cosine of the model's vectors.
    On what both sides have: the examples are the stored issues' bags, without the rules'
    findings (rule_tokens), so this issue's are left out too."""
    mine = model.vector([t for t in bag if not t.startswith(RULE_PREFIXES)])
    best: Neighbour | None = None
    for ref, title, other in examples:
        theirs = model.vector(other)
        sim = sum(v * theirs.get(i, 0.0) for i, v in mine.items())
        closer = (
            best is None or sim > best.similarity or (sim == best.similarity and ref < best.ref)
        )
        if sim > 0 and closer:
            best = Neighbour(ref, title, sim)
    return best

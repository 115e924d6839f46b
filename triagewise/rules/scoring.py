"""Value for cost: signals from an issue, normalized against the backlog, combined by the
framework the config names. Pure; time is a parameter."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from triagewise.config.models import FRAMEWORK_SLOTS, TriageConfig
from triagewise.model import Issue, Key
from triagewise.rules.goals import GoalMatch
from triagewise.words import counted

PRIORITY_LEVELS: Mapping[str, float] = {
    "blocker": 1.0, "critical": 1.0, "urgent": 1.0, "highest": 1.0, "p0": 1.0,
    "high": 0.75, "p1": 0.75, "major": 0.75,
    "medium": 0.5, "normal": 0.5, "p2": 0.5,
    "low": 0.25, "minor": 0.25, "p3": 0.25,
    "lowest": 0.1, "trivial": 0.1, "p4": 0.1,
}  # fmt: skip
SIZES: Mapping[str, float] = {"xs": 1, "s": 2, "m": 3, "l": 5, "xl": 8, "xxl": 13}
MAX_EFFORT = 13.0  # points at which an issue counts as no easier than any other
DUE_HORIZON_DAYS = 60.0
_PRIORITY_LABEL = re.compile(r"^(?:priority|prio|p)[\s:/_-]*(\w+)$", re.IGNORECASE)
_SIZE_LABEL = re.compile(r"^(?:size|effort|estimate)[\s:/_-]*(\w+)$", re.IGNORECASE)
_POINTS_LABEL = re.compile(r"^(\d+(?:\.\d+)?)\s*(?:points?|pts|sp)$", re.IGNORECASE)
_DUPLICATE = re.compile(
    r"\b(?:duplicate of|dup(?:e)? of|same as|duplicates)\s+(?:#(\d+)|([A-Z][A-Z0-9]+-\d+))\b",
    re.IGNORECASE,
)


def priority_level(issue: Issue) -> tuple[float | None, str | None]:
    if issue.priority and issue.priority.lower() in PRIORITY_LEVELS:
        return PRIORITY_LEVELS[issue.priority.lower()], issue.priority
    for label in issue.labels:
        match = _PRIORITY_LABEL.match(label)
        word = (match.group(1) if match else label).lower()
        if match and word.isdigit():
            word = f"p{word}"
        if (match or word in ("critical", "urgent", "blocker")) and word in PRIORITY_LEVELS:
            return PRIORITY_LEVELS[word], label
    return None, None


def effort_points(issue: Issue, default: float) -> tuple[float, str]:
    if issue.estimate is not None and issue.estimate > 0:
        return float(issue.estimate), f"estimate of {counted(float(issue.estimate), 'point')}"
    for label in issue.labels:
        size = _SIZE_LABEL.match(label)
        if size and size.group(1).lower() in SIZES:
            return SIZES[size.group(1).lower()], f"label '{label}'"
        points = _POINTS_LABEL.match(label)
        if points:
            return float(points.group(1)), f"label '{label}'"
    return default, f"the default effort of {counted(float(default), 'point')}"


def duplicate_targets(issue: Issue) -> list[str]:
    """Refs this issue says it duplicates ("same as #12", "duplicate of APP-7")."""
    targets: list[str] = []
    repo = issue.ref.split("#")[0] if "#" in issue.ref else None  # owner/name#12 refs
    for number, key in _DUPLICATE.findall(issue.body):
        if number and repo:
            targets.append(f"{repo}#{number}")
        elif key:
            targets.append(key.upper())
    return [t for t in dict.fromkeys(targets) if t != issue.ref]


OWN_WORDS = 5  # a duplicate lends demand only when it says this much beyond "duplicate of #N"


def own_words(issue: Issue) -> int:
    """Words of the issue's body besides its "duplicate of …" phrases."""
    return len(_DUPLICATE.sub(" ", issue.body).split())


def demand_lenders(issues: Iterable[Issue], dup_of: Mapping[Key, Sequence[str]]) -> dict[str, int]:
    """How many duplicates lend each target (by ref) their demand: one per reporter other
    than the target's own, and only a duplicate with some text of its own. A one-line
    "duplicate of #12", or five filed by one person, does not make #12 five times as wanted."""
    by_key = {i.key: i for i in issues}
    authors: dict[str, str | None] = {}
    for i in by_key.values():
        authors.setdefault(i.ref, i.author)
    lenders: dict[str, set[str]] = {}
    for key, targets in sorted(dup_of.items(), key=lambda kv: (kv[0].source, kv[0].ref)):
        dup = by_key.get(key)
        if dup is None or not dup.author or own_words(dup) < OWN_WORDS:
            continue
        for target in targets:
            if dup.author != authors.get(target):
                lenders.setdefault(target, set()).add(dup.author)
    return {target: len(people) for target, people in lenders.items()}


@dataclass(frozen=True)
class Signals:
    impact: float  # [0, 1]: Σ goal weight × confidence ÷ the heaviest goal's weight
    alignment: float
    demand_raw: float
    urgency: float
    priority: float | None
    priority_source: str | None
    effort: float  # points
    effort_source: str
    reactions: int
    upvotes: int
    comments: int
    duplicates: int
    age_days: float
    idle_days: float
    due_in_days: float | None
    severity: float = 0.0  # [0, 1] for defects: how bad, and how wide (rules/severity.py)

    @property
    def ease(self) -> float:
        return max(0.0, 1.0 - self.effort / MAX_EFFORT)


def demand_raw(issue: Issue, duplicates: int) -> float:
    """People asking: 👍 count fully, other reactions and comments half, duplicates thrice."""
    others = max(0, issue.reactions - issue.upvotes)
    return issue.upvotes + 0.5 * others + 0.5 * issue.comments + 3.0 * duplicates


def signals(
    issue: Issue,
    alignment: float,
    goals: list[GoalMatch],
    duplicates: int,
    max_goal_weight: float,
    config: TriageConfig,
    now: datetime,
    severity: float = 0.0,
) -> Signals:
    impact = sum(g.impact for g in goals) / max_goal_weight if max_goal_weight else 0.0
    priority, priority_source = priority_level(issue)
    effort, effort_source = effort_points(issue, config.default_effort)
    due_in = None
    # Only a raised priority is urgent: "Medium" is most trackers' default, not a signal
    urgency = max(0.0, (priority - 0.5) * 2) if priority is not None else 0.0
    if issue.due_on is not None:
        # whole days: a due date is a date, and a rank that drifted by the minute would ask
        # for board moves on every sync (a 10,000-issue board: one more move per few minutes)
        due_in = float((issue.due_on - now.date()).days)
        urgency = max(urgency, min(1.0, max(0.0, 1.0 - due_in / DUE_HORIZON_DAYS)))
    return Signals(
        impact=min(1.0, impact),
        alignment=alignment,
        demand_raw=demand_raw(issue, duplicates),
        urgency=urgency,
        priority=priority,
        priority_source=priority_source,
        effort=effort,
        effort_source=effort_source,
        reactions=issue.reactions,
        upvotes=issue.upvotes,
        comments=issue.comments,
        duplicates=duplicates,
        age_days=max(0.0, (now - issue.created_at).total_seconds() / 86400),
        idle_days=max(0.0, (now - issue.updated_at).total_seconds() / 86400),
        due_in_days=due_in,
        severity=severity,
    )


@dataclass(frozen=True)
class Basis:
    """What relative signals are measured against: the backlog as it is now. An issue can move
    when nothing about it changed because this moved; explanations say so."""

    demand_max: float
    demand_max_ref: str | None
    counts_max: Mapping[str, float]

    def scale(self, raw: float, top: float) -> float:
        return math.log1p(raw) / math.log1p(top) if top > 0 else 0.0


def basis_of(items: list[tuple[str, Signals]]) -> Basis:
    top_ref, top = None, 0.0
    for ref, s in items:
        if s.demand_raw > top:
            top_ref, top = ref, s.demand_raw
    counts = {
        name: max((float(getattr(s, name)) for _, s in items), default=0.0)
        for name in ("reactions", "upvotes", "comments", "duplicates")
    }
    return Basis(top, top_ref, counts)


def signal_value(name: str, s: Signals, basis: Basis) -> float:
    if name == "goals":
        return s.impact
    if name == "demand":
        return basis.scale(s.demand_raw, basis.demand_max)
    if name in ("reactions", "upvotes", "comments", "duplicates"):
        return basis.scale(float(getattr(s, name)), basis.counts_max[name])
    if name == "priority":
        return s.priority if s.priority is not None else 0.5
    if name == "age":
        return min(1.0, s.age_days / 365)
    value: float = getattr(s, name)  # alignment, urgency, ease, effort
    return value


DEFAULT_INPUTS: Mapping[str, Mapping[str, str]] = {
    "weighted": {
        "impact": "goals",
        "alignment": "alignment",
        "demand": "demand",
        "urgency": "urgency",
        "ease": "ease",
    },
    "rice": {"reach": "demand", "impact": "goals", "confidence": "alignment", "effort": "effort"},
    "wsjf": {
        "value": "goals",
        "time_criticality": "urgency",
        "opportunity": "alignment",
        "job_size": "effort",
    },
    "ice": {"impact": "goals", "confidence": "alignment", "ease": "ease"},
}


@dataclass(frozen=True)
class Component:
    slot: str
    signal: str
    value: float
    weight: float | None = None  # weighted framework only


@dataclass(frozen=True)
class Score:
    value: float
    framework: str
    components: tuple[Component, ...]
    base: float | None = None  # the framework's value before the history and the lift
    lift: float = 0.0  # share of the way to 100 the severity lifted it
    learned: float | None = None  # 0–1, what the team's history says it is worth
    learned_weight: float = 0.0

    def blended(self) -> str:
        if self.learned is None or not self.learned_weight:
            return ""
        return (
            f"; blended {1 - self.learned_weight:g}:{self.learned_weight:g} with what your "
            f"team's history says ({100 * self.learned:.1f})"
        )

    def lifted(self) -> str:
        if self.base is None or not self.lift:
            return ""
        return (
            f"; severity lifted it from {self.base:.1f} by {self.lift:.2f} of the way to 100, "
            "in every framework, so a severe defect outranks nice-to-haves"
        )

    def formula(self) -> str:
        parts = ", ".join(
            f"{c.slot} {c.value:.2f}" + (f"×{c.weight:g}" if c.weight is not None else "")
            + (f" ({c.signal})" if c.signal != c.slot else "")
            for c in self.components
        )  # fmt: skip
        how = {
            "weighted": "weighted sum (0–100) of",
            "rice": "RICE = reach × impact × confidence ÷ effort (×100), from",
            "wsjf": "WSJF = (value + time criticality + opportunity) ÷ job size (×100), from",
            "ice": "ICE = impact × confidence × ease (×100), from",
        }[self.framework]
        return f"{how} {parts}{self.blended()}{self.lifted()}"


def score(
    s: Signals,
    basis: Basis,
    config: TriageConfig,
    learned: float | None = None,
    learned_weight: float = 0.0,
) -> Score:
    """The framework's value; blended with what the team's history says (`learned`, 0–1, from
    a model fitted on its decisions), when there is one; then lifted towards 100 by a defect's
    severity: `value + (100 − value) × severity_lift × severity`. Every framework gets the
    same lift, so a crash that names no theme still outranks a nice-to-have that does."""
    base = _framework_score(s, basis, config)
    value = base.value
    weight = learned_weight if learned is not None else 0.0
    if weight:
        value = (1 - weight) * value + weight * 100.0 * float(learned or 0.0)
    lift = config.severity_lift * s.severity
    value += (100.0 - min(value, 100.0)) * lift
    if not lift and not weight:
        return base
    return Score(value, base.framework, base.components, base.value, lift, learned, weight)


def _framework_score(s: Signals, basis: Basis, config: TriageConfig) -> Score:
    framework = config.framework
    inputs = {**DEFAULT_INPUTS[framework], **config.inputs}
    slots = FRAMEWORK_SLOTS[framework]
    values = {slot: signal_value(inputs[slot], s, basis) for slot in slots}
    if framework == "weighted":
        weights = {slot: config.weights.get(slot, 0.0) for slot in slots}  # type: ignore[call-overload]
        total = sum(weights.values())
        value = 100 * sum(values[k] * weights[k] for k in slots) / total
        parts = tuple(Component(k, inputs[k], values[k], weights[k]) for k in slots)
        return Score(value, framework, parts)
    if framework == "rice":
        value = (
            100
            * values["reach"]
            * values["impact"]
            * values["confidence"]
            / max(values["effort"], 0.5)
        )
    elif framework == "wsjf":
        top = values["value"] + values["time_criticality"] + values["opportunity"]
        value = 100 * top / max(values["job_size"], 0.5)
    else:
        value = 100 * values["impact"] * values["confidence"] * values["ease"]
    return Score(value, framework, tuple(Component(k, inputs[k], values[k]) for k in slots))

"""The sentences that explain an assessment: lead, severity, alignment, goals, demand, cost,
score, kind, what the history says. Pure; the same words in explain, reports and comments."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from triagewise.rules.draft import NEEDS_DETAIL, Draft, LearnedInputs
from triagewise.rules.goals import GoalMatch
from triagewise.rules.kind import Kind, KindOf
from triagewise.rules.learned import LearnedModel, nearest, support_sentence
from triagewise.rules.scoring import Basis, Score, Signals
from triagewise.rules.severity import Severity
from triagewise.rules.vision import Alignment
from triagewise.words import counted


def evidence_sentence(a: Alignment) -> str:
    themes = a.themes(anti=False)
    if not themes:
        return "It shows none of the vision's themes (alignment 0.00)."
    parts = []
    for theme, evs in sorted(themes.items(), key=lambda kv: -len(kv[1])):
        # lexical evidence first; a semantic backend's "close in meaning (similarity 0.61)"
        ordered = sorted(evs, key=lambda e: e.field == "meaning")
        where = ", ".join(
            e.term if e.field == "meaning" else f"'{e.term}' in the {e.field}" for e in ordered[:3]
        )
        parts.append(f"{theme} ({where})")
    level = (
        "serves the vision strongly"
        if a.score >= 0.6
        else "serves the vision"
        if a.score >= 0.3
        else "touches the vision only lightly"
    )
    return f"It {level} (alignment {a.score:.2f}): " + "; ".join(parts) + "."


def goal_sentence(goals: list[GoalMatch]) -> str:
    if not goals:
        return "It moves none of the goals."
    parts = [
        f"{g.goal} “{g.title}” (confidence {g.confidence:.2f}: {', '.join(g.reasons)})"
        for g in goals
    ]
    return "It moves " + "; ".join(parts) + "."


def demand_sentence(s: Signals, basis: Basis, ref: str) -> str:
    others = counted(s.reactions - s.upvotes, "other reaction")
    asks = f"{s.upvotes} 👍, {others}, {counted(s.comments, 'comment')}"
    if s.duplicates:
        asks += f", {counted(s.duplicates, 'duplicate')} pointing here"
    if basis.demand_max_ref is None:
        return f"Demand: {asks}; nothing in the backlog has any demand yet."
    top = "it is" if basis.demand_max_ref == ref else basis.demand_max_ref
    level = basis.scale(s.demand_raw, basis.demand_max)
    return (
        f"Demand {level:.2f}: {asks}, measured against the most-asked-for open issue "
        f"({top}, {basis.demand_max:g} by the same count)."
    )


def cost_sentence(s: Signals) -> str:
    parts = [f"Effort {counted(float(s.effort), 'point')}, from {s.effort_source}"]
    if s.priority_source:
        parts.append(f"priority {s.priority_source}")
    if s.due_in_days is not None:
        days = round(s.due_in_days)
        parts.append(
            f"due in {counted(days, 'day')}" if days >= 0 else f"overdue by {counted(-days, 'day')}"
        )
    return "; ".join(parts) + f" (urgency {s.urgency:.2f})."


def reasons_of(
    d: Draft, score: Score, basis: Basis, model: LearnedModel | None = None
) -> tuple[str, ...]:
    a = d.alignment
    reasons = [d.lead]
    if d.severity.level is not Severity.NONE:
        reasons.append(d.severity.sentence())
    reasons.append(evidence_sentence(a))
    if a.anti_theme and d.rule != "anti-theme":
        reasons.append(
            f"It leans towards {a.anti_theme}, which the vision rules out "
            f"(against {a.against:.2f})."
        )
    reasons += [
        goal_sentence(d.goals),
        demand_sentence(d.signals, basis, d.issue.ref),
        cost_sentence(d.signals),
        f"Score {score.value:.1f}: {score.formula()}.",
    ]
    if d.duplicate_of and d.rule != "duplicate":
        reasons.append(f"Possible duplicate of {', '.join(d.duplicate_of)}.")
    if d.duplicated_by:
        reasons.append(f"Possibly duplicated by {', '.join(d.duplicated_by)}.")
    reasons.append(kind_sentence(d.kind))
    if learned_line := learned_sentence(d, model):
        reasons.append(learned_line)
    if NEEDS_DETAIL in d.flags:
        reasons.append(
            "Needs detail: it says too little to judge; a person should ask the reporter "
            "for steps, versions or the need behind it."
        )
    return tuple(reasons)


def learned_value(p: Mapping[str, float], model: LearnedModel | None) -> float | None:
    """What the team's history says the issue is worth, 0–1: likely high, and likely done —
    from the parts of the model that beat the cold rules on that history."""
    if not p or model is None:
        return None
    high, never = model.targets.get("high"), model.targets.get("never")
    use_high = high is not None and high.trusted
    use_never = never is not None and never.trusted
    if not use_high and not use_never:
        return None
    return (p["high"] if use_high else 0.5) * (1.0 - p["never"] if use_never else 1.0)


def learned_never_lead(d: Draft, use: LearnedInputs, review_on: date) -> str:
    model = use.model
    never = model.targets["never"]
    near = nearest(model, d.bag, use.nevers)
    like = f"like {counted(never.positives, 'issue')} your team decided not to do"
    if near is not None:
        like += f" (nearest: {near.ref} “{near.title}”, similarity {near.similarity:.2f})"
    why = support_sentence(model, d.bag, "never")
    return (
        f"Never: {like}; learned probability {d.learned['never']:.2f}"
        + (f"; {why}" if why else "")
        + f". Review again on {review_on.isoformat()}."
    )


def learned_sentence(d: Draft, model: LearnedModel | None) -> str:
    if model is None or not d.learned:
        return ""
    parts = ", ".join(
        f"P({k}) {v:.2f}"
        + (
            ""
            if model.targets[k].trusted
            else " (not used: the rules agreed "
            f"better with your history, AUC {model.targets[k].rules_auc or 0:.2f} vs "
            f"{model.targets[k].cv_auc or 0:.2f})"
        )
        for k, v in sorted(d.learned.items())
    )
    why = support_sentence(model, d.bag, "high") or support_sentence(model, d.bag, "never")
    held = ""
    never = model.targets.get("never")
    limit = never.never_limit(d.kind.kind is Kind.BUG) if never is not None else None
    looks = never is not None and never.trusted and d.learned.get("never", 0.0) >= 0.6
    if looks and d.rule != "learned-never":
        held = "; it looks like what your team decides not to do, but "
        if d.protected:
            held += "a severe defect or a raised priority waits for a person"
        elif NEEDS_DETAIL in d.flags:
            held += "it says too little to be sure: ask the reporter"
        elif limit is None and d.kind.kind is Kind.BUG:
            held += "the history does not yet show the model right often enough about defects"
        else:
            held = ""
    return (
        f"Learned from {model.decisions} of your team's decisions: {parts}"
        + (f"; {why}" if why else "")
        + held
        + "."
    )


def kind_sentence(kind: KindOf) -> str:
    if kind.kind is None:
        return "Kind: not said (no type, label or telling words)."
    return f"Kind: {kind.kind.value} ({kind.evidence})."

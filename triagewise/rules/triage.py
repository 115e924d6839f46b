"""Now / later / never for a whole backlog, one ranking across sources, every call explained.

Order of precedence: a person's pinned decision; then the first forced rule that matches; then
anti-themes and too little alignment and demand (never); then the highest scores that fit the
capacity (now); the rest is later. Pure: issues, config, pins and `now` in; assessments out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from triagewise.config.models import Config, ForcedRule, TriageConfig
from triagewise.model import Issue, Key, StatusCategory
from triagewise.pattern import search
from triagewise.rules.draft import NEEDS_DETAIL, Bucket, Draft, LearnedInputs, Pin
from triagewise.rules.goals import GoalMapper, GoalMatch
from triagewise.rules.kind import NO_KIND, Kind, KindOf, issue_kind
from triagewise.rules.learned import LearnedModel, bag_of, rule_tokens, rules_signals
from triagewise.rules.owned import owned_labels, without_owned
from triagewise.rules.reasons import learned_never_lead, learned_value, reasons_of
from triagewise.rules.scoring import (
    Score,
    Signals,
    basis_of,
    demand_lenders,
    duplicate_targets,
    score,
    signals,
)
from triagewise.rules.severity import NO_SEVERITY, Severity, SeverityOf, families, severity_of
from triagewise.rules.vision import (
    LEXICAL,
    Alignment,
    AlignmentBackend,
    LexicalAlignment,
    SemanticInputs,
    issue_text,
    product_words,
)
from triagewise.words import counted

__all__ = [
    "NEEDS_DETAIL",
    "Assessment",
    "Bucket",
    "LearnedInputs",
    "Pin",
    "SemanticInputs",
    "assess",
]


_ORDER = {Bucket.NOW: 0, Bucket.LATER: 1, Bucket.NEVER: 2}


@dataclass(frozen=True)
class Assessment:
    issue: Issue
    bucket: Bucket
    rank: int
    score: Score
    alignment: Alignment
    goals: tuple[GoalMatch, ...]
    signals: Signals
    pinned: bool
    rule: str  # pinned / rule:<name> / anti-theme / low-fit / duplicate / capacity / below-line
    reasons: tuple[str, ...]
    review_on: date | None = None
    duplicate_of: tuple[str, ...] = ()
    duplicated_by: tuple[str, ...] = ()
    margin: float | None = None  # score minus the now line (close calls are near 0)
    kind: KindOf = NO_KIND
    severity: SeverityOf = NO_SEVERITY
    flags: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # a pattern that could not run on this issue, skipped

    @property
    def ref(self) -> str:
        return self.issue.ref

    def report(self) -> dict[str, object]:
        """The contract shape of `report --json` (fields may be added, never renamed)."""
        out: dict[str, object] = {
            "ref": self.issue.ref,
            "source": self.issue.source,
            "title": self.issue.title,
            "bucket": self.bucket.value,
            "rank": self.rank,
            "score": round(self.score.value, 2),
            "alignment": round(self.alignment.score, 3),
            "goals": [g.goal for g in self.goals],
            "pinned": self.pinned,
            "reasons": list(self.reasons),
            "rule": self.rule,
            "url": self.issue.url,
            "review_on": self.review_on.isoformat() if self.review_on else None,
            "kind": self.kind.kind.value if self.kind.kind else None,
            "severity": self.severity.level.name.lower(),
            "flags": list(self.flags),
        }
        if self.notes:
            out["notes"] = list(self.notes)
        return out


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def velocity_capacity(
    issues: Iterable[Issue], config: TriageConfig, now: datetime
) -> tuple[int, str]:
    since = now - timedelta(weeks=config.velocity_weeks)
    closed = sum(1 for i in issues if i.closed_at is not None and since <= i.closed_at <= now)
    per_week = closed / config.velocity_weeks
    capacity = max(1, round(per_week * config.cycle_weeks))
    how = (
        f"velocity: {counted(closed, 'issue')} closed in the last "
        f"{counted(config.velocity_weeks, 'week')} "
        f"= {per_week:.1f} a week × a {config.cycle_weeks:g}-week cycle"
    )
    return capacity, how


def _text_matches(rule: ForcedRule, d: Draft) -> bool:
    assert rule.when.text is not None
    hit = search(rule.when.text, f"{d.issue.title}\n{d.issue.body}")
    if hit is None:
        d.notes.append(f"{d.issue.ref}: rule {rule.name!r} text skipped: it could not run")
    return bool(hit)


def _matches(rule: ForcedRule, d: Draft, now: datetime) -> bool:
    w, issue = rule.when, d.issue
    labels = {label.lower() for label in issue.labels}
    checks = [
        not w.labels or any(x.lower() in labels for x in w.labels),
        not w.labels_all or all(x.lower() in labels for x in w.labels_all),
        not w.types or (issue.type or "").lower() in {t.lower() for t in w.types},
        not w.priorities or (issue.priority or "").lower() in {p.lower() for p in w.priorities},
        not w.status
        or {issue.state.lower(), issue.status_category.value} & {s.lower() for s in w.status},
        not w.sources or issue.source in w.sources,
        not w.goals or any(g.goal in w.goals for g in d.goals),
        w.text is None or _text_matches(rule, d),
        w.older_than_days is None or d.signals.age_days > w.older_than_days,
        w.newer_than_days is None or d.signals.age_days < w.newer_than_days,
        w.idle_days_over is None or d.signals.idle_days > w.idle_days_over,
        w.reactions_at_least is None or issue.reactions >= w.reactions_at_least,
        w.reactions_below is None or issue.reactions < w.reactions_below,
    ]
    return all(bool(c) for c in checks)


def history_share(config: Config, model: LearnedModel | None) -> float:
    """`[history] weight`: the number set, or with "auto" the share the fit found best held
    out (half when it could not tell)."""
    set_to = config.history.weight
    if set_to != "auto":
        return float(set_to)
    return model.weight if model is not None and model.weight is not None else 0.5


def rules_signals_of(d: Draft, cold: float) -> tuple[float, ...]:
    s = d.signals
    return rules_signals(
        cold, s.impact, d.alignment.score, d.alignment.against, s.severity, s.demand_raw
    )


def assess(
    issues: Iterable[Issue],
    config: Config,
    now: datetime,
    pins: Mapping[Key, Pin] | None = None,
    semantic: SemanticInputs = LEXICAL,
    learned: LearnedInputs | None = None,
) -> list[Assessment]:
    """Assess every open issue; returns them in rank order (1 = top, across all sources).

    `pins` are people's decisions by `(source, ref)`; `semantic` what a semantic backend
    lends (nothing: lexical). The rules see each issue without triagewise's own labels
    (rules/owned.py): what it wrote is never evidence for what it writes next."""
    pins = pins or {}
    triage = config.triage
    repos = [r for s in config.sources if (r := getattr(s, "repo", None))]
    backend: AlignmentBackend = semantic.backend or LexicalAlignment(
        config.vision, product_words(repos)
    )
    mapper = GoalMapper(config.goals)
    max_weight = max((g.weight for g in config.goals), default=0.0)
    owned = owned_labels(config)
    originals = {i.key: i for i in issues}  # (source, ref): one ref may be on two hosts
    everything = sorted(
        (without_owned(i, owned) for i in originals.values()), key=lambda i: (i.source, i.ref)
    )
    kinds = {k.lower(): Kind(v) for k, v in triage.kinds.items()}
    severities = families(triage.severity, triage.severity_defaults)
    open_issues = [i for i in everything if i.status_category is not StatusCategory.DONE]
    # duplicates name refs: a "duplicate of #N" is in the issue's own source, a semantic
    # twin (by ref) is any open issue that has that ref
    keys = {i.key for i in open_issues}
    refs = {i.ref for i in open_issues}
    dup_of = {
        i.key: [t for t in duplicate_targets(i) if Key(i.source, t) in keys] for i in open_issues
    }
    for i in open_issues:
        twins = semantic.similar_issues.get(i.key, ())  # likely duplicates by meaning
        dup_of[i.key] += [t for t, _ in twins if t in refs and t not in dup_of[i.key]]
    for key, said in pins.items():  # a person's "duplicate of REF" (the session's d)
        target = said.duplicate_of
        if key in dup_of and target in refs and target not in dup_of[key]:
            dup_of[key].append(target)
    dup_by: dict[str, list[str]] = {}
    for key, targets in dup_of.items():
        for target in targets:
            dup_by.setdefault(target, []).append(key.ref)
    lent = demand_lenders(open_issues, dup_of)

    drafts: list[Draft] = []
    for issue in open_issues:
        text = issue_text(issue)
        alignment = backend.align(issue, text)
        notes: list[str] = []
        goals = mapper.map(
            issue,
            text,
            triage.min_goal_confidence,
            semantic.similar_goals.get(issue.key, ()),
            semantic.goal_neighbours.get(issue.key, ()),
            notes,
        )
        pin = pins.get(issue.key)
        if pin is not None and pin.goal:
            goals = [g for g in goals if g.goal == pin.goal] or [_pinned_goal(config, pin.goal)]
        dups = lent.get(issue.ref, 0)
        kind = issue_kind(issue, kinds)
        severity = severity_of(issue, kind, severities, dups)
        sig = signals(issue, alignment.score, goals, dups, max_weight, triage, now, severity.value)
        flags = (NEEDS_DETAIL,) if len(issue.body.split()) < triage.needs_detail_below else ()
        drafts.append(
            Draft(
                issue,
                alignment,
                goals,
                sig,
                dup_of[issue.key],
                dup_by.get(issue.ref, []),
                kind=kind,
                severity=severity,
                flags=flags,
                notes=notes,
            )
        )

    basis = basis_of([(d.issue.ref, d.signals) for d in drafts])
    use = learned if learned is not None and config.history.enabled else None
    share = history_share(config, use.model if use is not None else None)
    for d in drafts:
        if use is not None:
            cold = score(d.signals, basis, triage)
            d.bag = (*bag_of(d.issue, config), *rule_tokens(d.alignment, d.goals))
            meaning = semantic.vectors.get(d.issue.key, ())
            d.learned = use.model.predict(d.bag, rules_signals_of(d, cold.value), meaning)
        value = learned_value(d.learned, use.model if use else None)
        d.score = score(d.signals, basis, triage, value, share)
    review_on = (now + timedelta(days=triage.never_review_days)).date()

    for d in drafts:
        pin = pins.get(d.issue.key)
        if pin is not None:
            d.bucket, d.rule, d.pinned, d.review_on = pin.bucket, "pinned", True, pin.review_on
            why = f": {pin.reason}" if pin.reason else ""
            who = "a person decided so"
            if pin.author:
                on = f" on {pin.decided_on.isoformat()}" if pin.decided_on else ""
                who = f"decided by {pin.author}{on}"
            d.lead = f"{pin.bucket.value.capitalize()}: {who}{why}."
            continue
        rule = next((r for r in triage.rules if _matches(r, d, now)), None)
        if rule is not None:
            d.bucket, d.rule = Bucket(rule.bucket), f"rule:{rule.name}"
            d.lead = f"{rule.bucket.capitalize()}: rule “{rule.name}” — {rule.reason}"
            continue
        a = d.alignment
        if a.anti_theme and a.against >= triage.anti_theme_threshold and a.against > a.support:
            terms = sorted({e.term for e in a.themes(anti=True)[a.anti_theme]})
            if not d.protected:
                d.bucket, d.rule = Bucket.NEVER, "anti-theme"
                d.lead = (
                    f"Never: it asks for {a.anti_theme} ({', '.join(terms)}), which the vision "
                    f"rules out; review again on {review_on.isoformat()}."
                )
                continue
            d.bucket, d.rule = Bucket.LATER, "anti-theme-held"
            why = (
                d.severity.sentence().rstrip(".").lower()
                if d.severity.level >= Severity.MAJOR
                else f"its tracker priority is {d.signals.priority_source}"
            )
            d.lead = (
                f"Later: it leans towards {a.anti_theme} ({', '.join(terms)}), which the vision "
                f"rules out, but {why}; only a rule or a person sends that to never."
            )
            continue
        never_model = use.model.targets.get("never") if use is not None else None
        defect = d.kind.kind is Kind.BUG
        limit = never_model.never_limit(defect) if never_model is not None else None
        learned_never = (
            never_model is not None
            and never_model.trusted
            and limit is not None  # no probability was right often enough on the history
            and d.learned.get("never", 0.0) >= max(config.history.never_above, limit)
        )
        # a learned never needs text to stand on: an issue that says too little is asked about
        if use is not None and learned_never and not d.protected and NEEDS_DETAIL not in d.flags:
            d.bucket, d.rule = Bucket.NEVER, "learned-never"
            d.lead = learned_never_lead(d, use, review_on)
            continue
        demand = basis.scale(d.signals.demand_raw, basis.demand_max)
        # Low fit alone is no evidence against an issue: it waits in later, never in never
        d.low_fit = (
            not d.goals
            and a.score < triage.never_alignment_below
            and demand < triage.never_demand_below
        )
        if d.duplicate_of:
            d.bucket, d.rule = Bucket.LATER, "duplicate"
            d.lead = (
                f"Later: possibly a duplicate of {', '.join(d.duplicate_of)}; its demand counts "
                "there, so the original competes for now, not this copy."
            )
        elif d.low_fit and d.severity.level < Severity.MAJOR:
            d.bucket, d.rule = Bucket.LATER, "low-fit"
            d.lead = (
                f"Later: it serves no goal, little of the vision (alignment {a.score:.2f} < "
                f"{triage.never_alignment_below:g}) and few ask for it (demand {demand:.2f} < "
                f"{triage.never_demand_below:g}); that alone rules nothing out, so it waits "
                "for a person or a rule to decide, not in never."
            )

    _fill_now(drafts, everything, config, now)

    drafts.sort(key=_rank_key)
    line = _now_line(drafts)
    out: list[Assessment] = []
    for rank, d in enumerate(drafts, start=1):
        assert d.bucket is not None and d.score is not None
        if d.bucket is Bucket.NEVER and d.review_on is None:
            d.review_on = review_on
        reasons = reasons_of(d, d.score, basis, use.model if use else None)
        out.append(
            Assessment(
                issue=originals[d.issue.key],
                bucket=d.bucket,
                rank=rank,
                score=d.score,
                alignment=d.alignment,
                goals=tuple(d.goals),
                signals=d.signals,
                pinned=d.pinned,
                rule=d.rule,
                reasons=reasons,
                review_on=d.review_on if d.bucket is Bucket.NEVER else None,
                duplicate_of=tuple(d.duplicate_of),
                duplicated_by=tuple(d.duplicated_by),
                margin=None if line is None else d.score.value - line,
                kind=d.kind,
                severity=d.severity,
                flags=d.flags,
                notes=tuple(d.notes),
            )
        )
    return out


def _pinned_goal(config: Config, goal_id: str) -> GoalMatch:
    goal = next((g for g in config.goals if g.id == goal_id), None)
    title, weight = (goal.title, goal.weight) if goal else (goal_id, 1.0)
    return GoalMatch(goal_id, title, weight, 1.0, ("set by a person",))


def _rank_key(d: Draft) -> tuple[int, float, float, datetime, str]:
    """One order across all sources: bucket, score, urgency, then older first, then ref."""
    assert d.bucket is not None and d.score is not None
    score = -round(d.score.value, 9)
    return (_ORDER[d.bucket], score, -d.signals.urgency, d.issue.created_at, d.issue.ref)


def _fill_now(drafts: list[Draft], everything: list[Issue], config: Config, now: datetime) -> None:
    triage = config.triage
    if isinstance(triage.now_capacity, int):
        capacity, how = triage.now_capacity, f"now_capacity = {triage.now_capacity}"
    else:  # "velocity": the config validator admits no other string
        capacity, how = velocity_capacity(everything, triage, now)
    fixed = [d for d in drafts if d.bucket is Bucket.NOW]
    slots = max(0, capacity - len(fixed))
    points_left = None
    if triage.now_points is not None:
        points_left = triage.now_points - sum(d.signals.effort for d in fixed)
    candidates = [d for d in drafts if d.bucket is None]
    candidates.sort(key=_rank_key_unbucketed)
    taken = 0
    for position, d in enumerate(candidates, start=1):
        fits = taken < slots and (points_left is None or d.signals.effort <= points_left)
        if fits:
            taken += 1
            if points_left is not None:
                points_left -= d.signals.effort
            room = counted(capacity, "issue") + (
                f" and {counted(float(triage.now_points), 'point')}"
                if triage.now_points is not None
                else ""
            )
            d.bucket, d.rule = Bucket.NOW, "capacity"
            d.lead = (
                f"Now: {_ordinal(position)} of {len(candidates)} by score, within the capacity "
                f"of {room} ({how})."
            )
        else:
            d.bucket, d.rule = Bucket.LATER, "below-line"
            full = "the points left" if taken < slots else f"the {slots} free now slots"
            d.lead = (
                f"Later: {_ordinal(position)} of {len(candidates)} by score; {full} went to "
                f"higher scores ({how})."
            )


def _rank_key_unbucketed(d: Draft) -> tuple[float, float, datetime, str]:
    assert d.score is not None
    return (-round(d.score.value, 9), -d.signals.urgency, d.issue.created_at, d.issue.ref)


def _now_line(drafts: list[Draft]) -> float | None:
    """The score of the lowest scored issue the capacity let into now."""
    scores = [d.score.value for d in drafts if d.rule == "capacity" and d.score]
    return min(scores) if scores else None

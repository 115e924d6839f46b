"""What people read: the roadmap in Markdown, the contract JSON, one issue explained. Pure."""

from __future__ import annotations

from collections.abc import Sequence

from triagewise.config.models import Config
from triagewise.report.insight import Insight
from triagewise.rules.triage import Assessment, Bucket
from triagewise.safe import markdown, terminal
from triagewise.words import counted

NO_GOAL = "serves no goal"


def report_json(
    assessments: Sequence[Assessment], insight: Insight | None = None
) -> dict[str, object]:
    out: dict[str, object] = {"issues": [a.report() for a in assessments]}
    if insight is not None:
        out["insights"] = insight.as_json()
    return out


def insight_markdown(insight: Insight | None) -> str:
    if insight is None:
        return ""
    lines = insight.sentences() or ["What the config says matters and what the team did agree."]
    return "\n## Stated vs revealed\n\n" + "\n".join(f"- {_escape(x)}" for x in lines) + "\n"


def one_line(a: Assessment) -> str:
    """The reason a stakeholder reads first: what the issue is for, and who asks for it."""
    if a.rule not in ("capacity", "below-line"):
        return a.reasons[0]
    parts: list[str] = []
    if a.goals:
        parts.append("moves " + ", ".join(g.goal for g in a.goals))
    if a.alignment.theme and a.alignment.score >= 0.3:
        parts.append(f"serves {a.alignment.theme}")
    s = a.signals
    asks = []
    if s.upvotes:
        asks.append(f"{s.upvotes} 👍")
    if s.comments:
        asks.append(counted(s.comments, "comment"))
    if s.duplicates:
        asks.append(counted(s.duplicates, "duplicate"))
    if asks:
        parts.append(" and ".join([", ".join(asks[:-1]), asks[-1]] if len(asks) > 1 else asks))
    if s.due_in_days is not None:
        parts.append(f"due in {counted(round(s.due_in_days), 'day')}")
    bucket = a.bucket.value.capitalize()
    return f"{bucket}: {'; '.join(parts) or 'nothing speaks for it yet'}."


def roadmap_markdown(assessments: Sequence[Assessment], config: Config) -> str:
    """Now / later / never, grouped by primary goal in config order, with one-line reasons."""
    titles = {g.id: g.title for g in config.goals}
    order = [g.id for g in config.goals] + [NO_GOAL]
    lines = ["# Roadmap", ""]
    if config.vision.statement:
        lines += [f"> {config.vision.statement}", ""]
    counts = {b: sum(1 for a in assessments if a.bucket is b) for b in Bucket}
    lines.append(
        f"{counts[Bucket.NOW]} now · {counts[Bucket.LATER]} later · {counts[Bucket.NEVER]} never"
        f" · {sum(a.pinned for a in assessments)} decided by people"
    )
    for bucket in Bucket:
        items = [a for a in assessments if a.bucket is bucket]
        lines += ["", f"## {bucket.value.capitalize()} ({len(items)})"]
        groups: dict[str, list[Assessment]] = {}
        for a in items:
            groups.setdefault(a.goals[0].goal if a.goals else NO_GOAL, []).append(a)
        for goal in order:
            if goal not in groups:
                continue
            heading = f"{goal} — {titles[goal]}" if goal in titles else "Serves no goal"
            lines += ["", f"### {heading}", ""]
            for a in groups[goal]:
                pin = " 📌" if a.pinned else ""
                lines.append(
                    f"- **{a.rank}** [{a.ref}]({a.issue.url}) {_escape(a.issue.title)}{pin} — "
                    f"score {a.score.value:.1f}. {_escape(one_line(a))}"
                )
    return "\n".join(lines) + "\n"


_escape = markdown  # tracker text: controls, HTML and table pipes escaped, one line


def explain_text(a: Assessment) -> str:
    """The full breakdown, in the same words the report uses."""
    issue = a.issue
    head = [
        f"{issue.ref}  {terminal(issue.title, one_line=True)}",
        f"{issue.url}",
        "",
        f"bucket   {a.bucket.value}{' (pinned by a person)' if a.pinned else ''}   rank {a.rank}"
        f"   score {a.score.value:.1f}   rule {a.rule}",
        f"alignment {a.alignment.score:.2f} (support {a.alignment.support:.2f}, against "
        f"{a.alignment.against:.2f})   goals {', '.join(g.goal for g in a.goals) or 'none'}",
    ]
    kind = f"{a.kind.kind.value} ({a.kind.evidence})" if a.kind.kind else "not said"
    severity = a.severity.level.name.lower()
    flags = f"   flags {', '.join(a.flags)}" if a.flags else ""
    head.append(f"kind {kind}   severity {severity}{flags}")
    if a.review_on:
        head.append(f"review on {a.review_on.isoformat()}")
    head += [f"note: {n}" for n in a.notes]
    head += ["", "Why:"]
    head += [f"  - {reason}" for reason in a.reasons]
    if a.alignment.evidence:
        head += ["", "Evidence:"]
        for ev in a.alignment.evidence:
            side = "against" if ev.anti else "for"
            times = f" ×{ev.count}" if ev.count > 1 else ""
            head.append(f"  - {side} {ev.theme}: '{ev.term}' in the {ev.field}{times}")
    head += ["", "Score components:"]
    for c in a.score.components:
        weight = f" × weight {c.weight:g}" if c.weight is not None else ""
        source = f" (from {c.signal})" if c.signal != c.slot else ""
        head.append(f"  - {c.slot}{source}: {c.value:.3f}{weight}")
    if a.score.base is not None and a.score.learned is not None and a.score.learned_weight:
        w = a.score.learned_weight
        head.append(
            f"  - history: {1 - w:g} × {a.score.base:.1f} + {w:g} × "
            f"{100 * a.score.learned:.1f} (what your team's decisions say)"
        )
    if a.score.base is not None and a.score.lift:
        head.append(
            f"  - severity lift: {a.score.lift:.2f} of the way to 100 = {a.score.value:.1f}"
        )
    return "\n".join(head) + "\n"

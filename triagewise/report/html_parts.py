"""The sections of the HTML report, each a pure function from the views to an HTML fragment.
Every piece of tracker or config text goes through `_h` (controls stripped, HTML escaped)."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

from triagewise.report.flow import Change
from triagewise.report.markdown import one_line
from triagewise.report.views import GoalView, NowLine, by_period, most_asked, tension
from triagewise.rules.triage import Assessment, Bucket
from triagewise.safe import terminal


def _h(text: str) -> str:
    """Text in the page: no control characters, HTML escaped."""
    return html.escape(terminal(text, one_line=True))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def card(a: Assessment, titles: Mapping[str, str]) -> str:
    pin = ' <span class="pin" title="decided by a person">📌</span>' if a.pinned else ""
    goals = " ".join(g.goal for g in a.goals)
    names = ", ".join(titles.get(g.goal, g.goal) for g in a.goals)
    moves = f'<br><span class="moves">moves {_h(names)}</span>' if len(a.goals) > 1 else ""
    return (
        f'<div class="card" data-ref="{_h(a.ref)}" data-bucket="{a.bucket.value}" '
        f'data-goals="{_h(goals)}"><a href="{_h(a.issue.url)}">{_h(a.ref)}</a> '
        f"{_h(a.issue.title)}{pin}{moves}<br>"
        f'<span class="why">{_h(one_line(a))}</span></div>'
    )


def column(bucket: Bucket, items: Sequence[Assessment], titles: Mapping[str, str]) -> str:
    """Every issue of a bucket, in collapsible groups by its first goal: nothing is cut off.
    Now's groups start open; later's and never's start closed, with their counts."""
    groups: dict[str, list[Assessment]] = {}
    for a in items:
        groups.setdefault(a.goals[0].goal if a.goals else "", []).append(a)
    order = [g for g in titles if g in groups] + ([""] if "" in groups else [])
    opened = " open" if bucket is Bucket.NOW else ""
    body = [
        f'<details class="group"{opened}><summary>{_h(titles.get(g, "Serves no goal"))} '
        f'<span class="n">({len(groups[g])})</span></summary>'
        + "".join(card(a, titles) for a in groups[g])
        + "</details>"
        for g in order
    ]
    return (
        f'<div class="col {bucket.value}"><h3>{bucket.value} ({len(items)})</h3>'
        f"{''.join(body) or '<p class=why>none</p>'}</div>"
    )


def line_section(line: NowLine) -> str:
    def one(label: str, a: Assessment | None) -> str:
        if a is None:
            return ""
        return (
            f'<div class="edge"><p class="label">{label}</p>'
            f'<p><a href="{_h(a.issue.url)}">{_h(a.ref)}</a> {_h(a.issue.title)}</p>'
            f'<p class="why">{_h(a.reasons[0])}</p></div>'
        )

    return (
        f'<section id="line"><h2>The now line</h2><p>{_h(line.sentence)}</p>'
        f'<div class="charts">{one("Last in now", line.last_in)}'
        f"{one('First out', line.first_out)}</div></section>"
    )


def coverage_section(views: Sequence[GoalView], orphans: Sequence[Assessment]) -> str:
    rows = "".join(
        f'<tr data-goal="{_h(v.id)}"><td>{_h(v.title)}</td><td>{_h(v.period or "—")}</td>'
        f'<td class="c-now">{len(v.now)}</td><td class="c-later">{len(v.later)}</td>'
        f'<td class="c-never">{len(v.never)}</td></tr>'
        for v in views
    )
    idle = "".join(f"<li>{_h(v.title)}</li>" for v in views if not v.now)
    lone = "".join(f"<li>{_h(a.ref)} {_h(a.issue.title)}</li>" for a in orphans)
    return (
        '<section id="coverage"><h2>Goal coverage</h2>'
        "<p class=why>An issue that moves two goals counts for both, so the counts add up to "
        "more than the cards.</p>"
        '<div class="charts"><div><table class="coverage"><thead><tr><th>Goal</th>'
        "<th>Period</th><th>Now</th><th>Later</th><th>Never</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        "<p><b>Goals with no work in now</b></p>"
        f"<ul>{idle or '<li>every goal has work in now</li>'}</ul>"
        f"<p><b>Now work that serves no goal</b></p><ul>{lone or '<li>none</li>'}</ul></div>"
        '<div class="chart"><canvas id="goals"></canvas></div></div></section>'
    )


def _brief(a: Assessment) -> str:
    return f'<a href="{_h(a.issue.url)}">{_h(a.ref)}</a> {_h(a.issue.title)}'


def period_section(views: Sequence[GoalView]) -> str:
    out = []
    for period, goals in by_period(views):
        blocks = []
        for v in goals:
            now = "".join(f"<li>{_brief(a)}</li>" for a in v.now) or "<li>nothing yet</li>"
            nxt = "".join(f"<li>{_brief(a)}</li>" for a in v.next) or "<li>nothing waiting</li>"
            rest = len(v.later) - len(v.next)
            more = (
                f"<p class=why>… and {rest} more in later (see the columns above)</p>"
                if rest > 0
                else ""
            )
            blocks.append(
                f'<div class="goalbox"><h4>{_h(v.title)}</h4>'
                f'<p class="why">{_h(v.outcome)}</p><p class="label">Now</p><ul>{now}</ul>'
                f'<p class="label">Next</p><ul>{nxt}</ul>{more}</div>'
            )  # fmt: skip
        out.append(f'<h3>{_h(period)}</h3><div class="periods">{"".join(blocks)}</div>')
    return '<section id="periods"><h2>The roadmap by period</h2>' + "".join(out) + "</section>"


def demand_section(assessments: Sequence[Assessment], top: int = 10) -> str:
    rows = "".join(
        f"<tr><td>{_brief(a)}</td><td class='b-{a.bucket.value}'>{a.bucket.value}</td>"
        f"<td>{a.signals.upvotes}</td><td>{a.signals.comments}</td></tr>"
        for a in most_asked(assessments, top)
    )
    torn = "".join(f"<li>{_brief(a)} — {_h(one_line(a))}</li>" for a in tension(assessments, top))
    return (
        '<section id="demand"><h2>Demand and tension</h2><div class="charts"><div>'
        f"<p><b>The {top} most-asked-for open issues</b></p><table><thead><tr><th>Issue</th>"
        f"<th>Bucket</th><th>👍</th><th>Comments</th></tr></thead><tbody>{rows}</tbody></table>"
        "</div><div><p><b>Tension: asked for, but not now</b></p>"
        f'<ul class="tension">{torn or "<li>every one of them is in now</li>"}</ul></div></div>'
        '<div class="charts"><div class="chart"><canvas id="alignment"></canvas></div>'
        '<div class="chart"><canvas id="demandchart"></canvas></div></div></section>'
    )


def change_section(change: Change, by_ref: Mapping[str, Assessment]) -> str:
    if change.since is None:
        return "<p>This is the first sync: nothing to compare with yet.</p>"

    def item(ref: str) -> str:
        a = by_ref.get(ref)
        if a is None:
            return f"<li>{_h(ref)} — closed or no longer in scope</li>"
        return f"<li>{_brief(a)} — {_h(one_line(a))}</li>"

    since = change.since.strftime("%Y-%m-%d %H:%M UTC")
    lists = "".join(
        f"<p><b>{label}</b></p><ul>{''.join(item(r) for r in refs)}</ul>"
        for label, refs in (
            ("Into now", change.moved_in),
            ("Out of now", change.moved_out),
            ("Newly never", change.new_never),
            ("Decided by people", change.new_pins),
        )
        if refs
    )
    return (
        f"<p>Since the sync of {since}: {len(change.moved_in)} moved into now, "
        f"{len(change.moved_out)} moved out, {len(change.new_never)} newly never, "
        f"{_plural(len(change.new_pins), 'decision')} by people.</p>{lists}"
    )

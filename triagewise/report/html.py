"""The report a stakeholder opens in a browser: one self-contained HTML file, no network at view
time. Charts are drawn by Chart.js (MIT), inlined. Pure: data and the library's text in, HTML out."""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from triagewise.config.models import Config
from triagewise.report.flow import Change, Flow
from triagewise.report.insight import Insight
from triagewise.report.markdown import one_line
from triagewise.rules.triage import Assessment, Bucket
from triagewise.safe import json_dumps, terminal


def _h(text: str) -> str:
    """Text in the page: no control characters, HTML escaped."""
    return html.escape(terminal(text, one_line=True))


CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:#f6f7f9;color:#1d2430}
header{background:#1d2430;color:#fff;padding:20px 32px}header h1{margin:0 0 4px;font-size:22px}
header p{margin:0;opacity:.8}main{padding:16px 32px 40px}
section{background:#fff;border-radius:8px;box-shadow:0 1px 2px rgba(0,0,0,.08);padding:16px 20px;margin:16px 0}
h2{font-size:17px;margin:0 0 12px}.cols{display:grid;grid-template-columns:repeat(3,1fr);gap:16px}
.col h3{margin:0 0 8px;font-size:15px;text-transform:uppercase;letter-spacing:.04em}
.now h3{color:#1a7f37}.later h3{color:#9a6700}.never h3{color:#8c959f}
.goal{font-weight:600;margin:10px 0 4px;font-size:13px;color:#57606a}
.card{border-left:3px solid #d0d7de;padding:4px 8px;margin:4px 0;font-size:13px}
.now .card{border-color:#1a7f37}.later .card{border-color:#d4a72c}.never .card{border-color:#afb8c1}
.card a{color:#0969da;text-decoration:none;font-weight:600}.why{color:#57606a}
.charts{display:grid;grid-template-columns:repeat(2,1fr);gap:16px}.chart{height:260px}
.stat{display:inline-block;margin-right:32px}.stat b{font-size:22px;display:block}
ul{margin:4px 0 0 18px;padding:0}.pin{color:#8250df}
"""


def _card(a: Assessment) -> str:
    pin = ' <span class="pin" title="decided by a person">📌</span>' if a.pinned else ""
    return (
        f'<div class="card"><a href="{_h(a.issue.url)}">{_h(a.ref)}</a> '
        f'{_h(a.issue.title)}{pin}<br><span class="why">{_h(one_line(a))}</span></div>'
    )


def _column(
    bucket: Bucket, items: Sequence[Assessment], titles: dict[str, str], limit: int = 40
) -> str:
    groups: dict[str, list[Assessment]] = {}
    for a in items:
        groups.setdefault(a.goals[0].goal if a.goals else "", []).append(a)
    order = [g for g in titles if g in groups] + ([""] if "" in groups else [])
    body = []
    shown = 0
    for goal in order:
        body.append(f'<div class="goal">{_h(titles.get(goal, "Serves no goal"))}</div>')
        for a in groups[goal]:
            if shown < limit:
                body.append(_card(a))
            shown += 1
    more = f'<div class="why">… and {shown - limit} more</div>' if shown > limit else ""
    return f'<div class="col {bucket.value}"><h3>{bucket.value} ({len(items)})</h3>{"".join(body)}{more}</div>'


def _insight(insight: Insight | None) -> str:
    if insight is None:
        return "<p>No history to compare with yet: run <code>triagewise learn</code>.</p>"
    lines = insight.sentences()
    if not lines:
        return "<p>What the config says matters and what the team did agree.</p>"
    return "<ul>" + "".join(f"<li>{_h(line)}</li>" for line in lines) + "</ul>"


def build_html(
    assessments: Sequence[Assessment],
    config: Config,
    flow: Flow,
    change: Change,
    now: datetime,
    chart_js: str,
    insight: Insight | None = None,
) -> str:
    titles = {g.id: g.title for g in config.goals}
    by_bucket = {b: [a for a in assessments if a.bucket is b] for b in Bucket}
    now_goals = Counter(g.goal for a in by_bucket[Bucket.NOW] for g in a.goals[:1])
    idle_goals = [titles[g] for g in titles if now_goals[g] == 0]
    orphan_now = [a for a in by_bucket[Bucket.NOW] if not a.goals]
    bins = [0] * 10
    for a in assessments:
        bins[min(9, int(a.alignment.score * 10))] += 1
    demand = sorted(assessments, key=lambda a: -a.signals.demand_raw)[:10]
    data = {
        "goals": {"labels": [titles[g] for g in titles], "now": [now_goals[g] for g in titles],
                  "later": [sum(1 for a in by_bucket[Bucket.LATER] if a.goals and a.goals[0].goal == g) for g in titles]},
        "alignment": {"labels": [f"{i / 10:.1f}–{(i + 1) / 10:.1f}" for i in range(10)], "counts": bins},
        "demand": {"labels": [a.ref for a in demand], "values": [round(a.signals.demand_raw, 1) for a in demand]},
        "throughput": {"labels": flow.weeks, "values": flow.closed_per_week},
    }  # fmt: skip
    coverage = (
        "".join(f"<li>{_h(t)}</li>" for t in idle_goals) or "<li>every goal has work in now</li>"
    )
    orphans = (
        "".join(f"<li>{_h(a.ref)} {_h(a.issue.title)}</li>" for a in orphan_now) or "<li>none</li>"
    )
    since = change.since.strftime("%Y-%m-%d %H:%M UTC") if change.since else None
    moved = (
        f"<p>Since the sync of {since}: {len(change.moved_in)} moved into now, "
        f"{len(change.moved_out)} moved out, {len(change.new_never)} newly never, "
        f"{len(change.new_pins)} decided by people.</p>"
        + "".join(f"<ul><li><b>{label}:</b> {_h(', '.join(refs))}</li></ul>" for label, refs in
                  (("into now", change.moved_in), ("out of now", change.moved_out), ("newly never", change.new_never), ("new pins", change.new_pins)) if refs)
        if since else "<p>This is the first sync: nothing to compare with yet.</p>"
    )  # fmt: skip
    pins = sum(a.pinned for a in assessments)
    lead = (
        f"{flow.now_to_close_days} days" if flow.now_to_close_days is not None else "not yet known"
    )
    statement = _h(config.vision.statement or "")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Roadmap — triagewise</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{CSS}</style></head>
<body><header><h1>Roadmap</h1><p>{statement}</p>
<p>{len(by_bucket[Bucket.NOW])} now · {len(by_bucket[Bucket.LATER])} later · {len(by_bucket[Bucket.NEVER])} never · {pins} decided by people · generated {now.strftime("%Y-%m-%d %H:%M UTC")}</p></header>
<main>
<section><h2>Now, later, never — by goal</h2><div class="cols">
{"".join(_column(b, by_bucket[b], titles) for b in Bucket)}
</div></section>
<section><h2>Goal coverage</h2><div class="charts"><div class="chart"><canvas id="goals"></canvas></div>
<div><p><b>Goals with no work in now</b></p><ul>{coverage}</ul><p><b>Now work that serves no goal</b></p><ul>{orphans}</ul></div></div></section>
<section><h2>Vision alignment and demand</h2><div class="charts"><div class="chart"><canvas id="alignment"></canvas></div>
<div class="chart"><canvas id="demand"></canvas></div></div></section>
<section><h2>Stated vs revealed</h2>{_insight(insight)}</section>
<section><h2>What changed</h2>{moved}</section>
<section><h2>Flow</h2><div class="stat"><b>{sum(flow.closed_per_week)}</b>closed in {len(flow.weeks)} weeks</div>
<div class="stat"><b>{lead}</b>median from now to closed ({flow.now_closed} issues)</div>
<div class="stat"><b>{flow.never_came_back} of {flow.never_total}</b>never-decisions came back</div>
<div class="chart"><canvas id="throughput"></canvas></div></section>
</main>
<script>{chart_js}</script>
<script>
const data = {json_dumps(data, indent=None, html=True)};
// a fresh options object per chart: Chart.js writes its resolved scales into the one it gets
const opts = () => ({{responsive: true, maintainAspectRatio: false, animation: false, plugins: {{legend: {{display: true}}}}}});
new Chart(document.getElementById("goals"), {{type: "bar", data: {{labels: data.goals.labels, datasets: [
  {{label: "now", data: data.goals.now, backgroundColor: "#1a7f37"}},
  {{label: "later", data: data.goals.later, backgroundColor: "#d4a72c"}}]}}, options: {{...opts(), indexAxis: "y"}}}});
new Chart(document.getElementById("alignment"), {{type: "bar", data: {{labels: data.alignment.labels, datasets: [
  {{label: "issues by vision alignment", data: data.alignment.counts, backgroundColor: "#0969da"}}]}}, options: opts()}});
new Chart(document.getElementById("demand"), {{type: "bar", data: {{labels: data.demand.labels, datasets: [
  {{label: "demand (upvotes, other reactions, comments, duplicates)", data: data.demand.values, backgroundColor: "#8250df"}}]}}, options: {{...opts(), indexAxis: "y"}}}});
new Chart(document.getElementById("throughput"), {{type: "line", data: {{labels: data.throughput.labels, datasets: [
  {{label: "issues closed per week", data: data.throughput.values, borderColor: "#1a7f37", tension: 0.2}}]}}, options: opts()}});
</script></body></html>
"""

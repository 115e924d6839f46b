"""The report a stakeholder opens in a browser: one self-contained HTML file, no network at view
time. Charts are drawn by Chart.js (MIT), inlined. Pure: data and the library's text in, HTML out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from triagewise.config.models import Config
from triagewise.report.flow import Change, Flow
from triagewise.report.html_parts import (
    _h,
    change_section,
    column,
    coverage_section,
    demand_section,
    line_section,
    period_section,
)
from triagewise.report.insight import Insight
from triagewise.report.views import goal_views, most_asked, now_line
from triagewise.rules.triage import Assessment, Bucket
from triagewise.safe import json_dumps
from triagewise.words import counted

COLORS = {Bucket.NOW: "#1a7f37", Bucket.LATER: "#d4a72c", Bucket.NEVER: "#8c959f"}
NAV = (
    ("buckets", "Now · later · never"),
    ("line", "The now line"),
    ("coverage", "Goal coverage"),
    ("periods", "By period"),
    ("demand", "Demand and tension"),
    ("changes", "What changed"),
    ("flow", "Flow"),
)


CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:#f6f7f9;color:#1d2430}
header{background:#1d2430;color:#fff;padding:20px 32px}header h1{margin:0 0 4px;font-size:22px}
header p{margin:0;opacity:.8}main{padding:16px 32px 40px}
nav{font-size:13px;margin-top:8px}nav a{color:#c9d1d9;margin-right:14px}
section{background:#fff;border-radius:8px;box-shadow:0 1px 2px rgba(0,0,0,.08);padding:16px 20px;margin:16px 0}
h2{font-size:17px;margin:0 0 12px}h3{font-size:15px;margin:12px 0 6px}h4{margin:0 0 4px;font-size:14px}
.cols{display:grid;grid-template-columns:repeat(3,1fr);gap:16px}
.col h3{margin:0 0 8px;font-size:15px;text-transform:uppercase;letter-spacing:.04em}
.now h3{color:#1a7f37}.later h3{color:#9a6700}.never h3{color:#8c959f}
details.group{margin:6px 0}details.group summary{font-weight:600;font-size:13px;color:#57606a;cursor:pointer}
.card{border-left:3px solid #d0d7de;padding:4px 8px;margin:4px 0;font-size:13px}
.now .card{border-color:#1a7f37}.later .card{border-color:#d4a72c}.never .card{border-color:#afb8c1}
a{color:#0969da;text-decoration:none}.card a{font-weight:600}.why,.moves{color:#57606a}.moves{font-size:12px}
.charts{display:grid;grid-template-columns:repeat(2,1fr);gap:16px}.chart{height:260px}
.stat{display:inline-block;margin-right:32px}.stat b{font-size:22px;display:block}
ul{margin:4px 0 0 18px;padding:0}.pin{color:#8250df}.label{font-weight:600;margin:6px 0 0;font-size:13px}
.edge{border-left:3px solid #8250df;padding:4px 10px}.edge p{margin:2px 0}
table{border-collapse:collapse;font-size:13px;width:100%}th,td{text-align:left;padding:3px 6px;border-bottom:1px solid #eaeef2}
.b-now{color:#1a7f37}.b-later{color:#9a6700}.b-never{color:#8c959f}
.periods{display:grid;grid-template-columns:repeat(3,1fr);gap:12px}.goalbox{border:1px solid #eaeef2;border-radius:6px;padding:8px 10px;font-size:13px}
@media print{
  @page{size:A4;margin:12mm}
  body{background:#fff;font-size:11px}header{background:#fff;color:#000;padding:0 0 6px;border-bottom:2px solid #000}
  header p{opacity:1}nav{display:none}main{padding:0}
  section{box-shadow:none;border:0;padding:0;margin:10px 0;break-inside:auto}
  h2{break-after:avoid}.card,.goalbox,.edge,tr{break-inside:avoid}
  .chart{height:180px;position:relative;overflow:hidden}.chart canvas{width:100%!important;height:100%!important}
  .cols,.periods{gap:8px}.card{padding:2px 6px;font-size:10px}
  a{color:#000}details.group:not([open]) summary::after{content:" — open the HTML file for the list"}
}
"""


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
    by_ref = {a.ref: a for a in assessments}
    views = goal_views(assessments, config)
    orphan_now = [a for a in by_bucket[Bucket.NOW] if not a.goals]
    bins = [0] * 10
    for a in assessments:
        bins[min(9, int(a.alignment.score * 10))] += 1
    demand = most_asked(assessments)
    data = {
        "goals": {"labels": [v.title for v in views], "now": [len(v.now) for v in views],
                  "later": [len(v.later) for v in views]},
        "alignment": {"labels": [f"{i / 10:.1f}–{(i + 1) / 10:.1f}" for i in range(10)], "counts": bins},
        "demand": {"labels": [f"{a.ref} ({a.bucket.value})" for a in demand],
                   "values": [round(a.signals.demand_raw, 1) for a in demand],
                   "colors": [COLORS[a.bucket] for a in demand]},
        "throughput": {"labels": flow.weeks, "values": flow.closed_per_week},
    }  # fmt: skip
    pins = sum(a.pinned for a in assessments)
    lead = (
        counted(flow.now_to_close_days, "day")
        if flow.now_to_close_days is not None
        else "not yet known"
    )
    statement = _h(config.vision.statement or "")
    nav = "".join(f'<a href="#{i}">{t}</a>' for i, t in NAV)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Roadmap — triagewise</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{CSS}</style></head>
<body><header><h1>Roadmap</h1><p>{statement}</p>
<p>{len(by_bucket[Bucket.NOW])} now · {len(by_bucket[Bucket.LATER])} later · {len(by_bucket[Bucket.NEVER])} never · {pins} decided by people · generated {now.strftime("%Y-%m-%d %H:%M UTC")}</p>
<nav>{nav}</nav></header>
<main>
<section id="buckets"><h2>Now, later, never — by goal</h2>
<p class="why">Every open issue is here, under the first goal it moves; click a goal to open or close its list.</p><div class="cols">
{"".join(column(b, by_bucket[b], titles) for b in Bucket)}
</div></section>
{line_section(now_line(assessments))}
{coverage_section(views, orphan_now)}
{period_section(views)}
{demand_section(assessments)}
<section id="insight"><h2>Stated vs revealed</h2>{_insight(insight)}</section>
<section id="changes"><h2>What changed</h2>{change_section(change, by_ref)}</section>
<section id="flow"><h2>Flow</h2><div class="stat"><b>{sum(flow.closed_per_week)}</b>closed in {counted(len(flow.weeks), "week")}</div>
<div class="stat"><b>{lead}</b>median from now to closed ({counted(flow.now_closed, "issue")})</div>
<div class="stat"><b>{flow.never_came_back} of {flow.never_total}</b>never-decisions came back</div>
<div class="chart"><canvas id="throughput"></canvas></div></section>
</main>
<script>{chart_js}</script>
<script>
const data = {json_dumps(data, indent=None, html=True)};
// a fresh options object per chart: Chart.js writes its resolved scales into the one it gets
const opts = () => ({{responsive: true, maintainAspectRatio: false, animation: false, plugins: {{legend: {{display: true}}}}}});
// counts are whole numbers: no fractional ticks
const whole = {{beginAtZero: true, ticks: {{precision: 0}}}};
new Chart(document.getElementById("goals"), {{type: "bar", data: {{labels: data.goals.labels, datasets: [
  {{label: "now", data: data.goals.now, backgroundColor: "#1a7f37"}},
  {{label: "later", data: data.goals.later, backgroundColor: "#d4a72c"}}]}}, options: {{...opts(), indexAxis: "y", scales: {{x: whole}}}}}});
new Chart(document.getElementById("alignment"), {{type: "bar", data: {{labels: data.alignment.labels, datasets: [
  {{label: "issues by vision alignment", data: data.alignment.counts, backgroundColor: "#0969da"}}]}}, options: {{...opts(), scales: {{y: whole}}}}}});
new Chart(document.getElementById("demandchart"), {{type: "bar", data: {{labels: data.demand.labels, datasets: [
  {{label: "demand (upvotes, other reactions, comments, duplicates)", data: data.demand.values, backgroundColor: data.demand.colors}}]}}, options: {{...opts(), indexAxis: "y"}}}});
new Chart(document.getElementById("throughput"), {{type: "bar", data: {{labels: data.throughput.labels, datasets: [
  {{label: "issues closed per week", data: data.throughput.values, backgroundColor: "#1a7f37"}}]}}, options: {{...opts(), scales: {{y: whole}}}}}});
// printing: charts take the printed width
addEventListener("beforeprint", () => {{ for (const c of Object.values(Chart.instances)) c.resize(); }});
</script></body></html>
"""

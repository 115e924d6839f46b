"""The HTML report, opened in a real headless Chromium: it renders, draws its charts, logs no
errors and needs no network."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from triagewise.cli import main

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    assert (
        CliRunner().invoke(main, ["demo", "--dir", str(folder)], catch_exceptions=False).exit_code
        == 0
    )
    path = folder / "report.html"
    assert path.is_file()  # the demo writes it
    return path


@pytest.fixture(scope="module")
def issues(report: Path) -> list[dict[str, Any]]:
    """The demo's open issues, as `report --json` reads them from the demo's store."""
    config = report.parent / "triagewise.toml"
    run = CliRunner().invoke(main, ["--config", str(config), "report", "--json"])
    assert run.exit_code == 0, run.output
    found: list[dict[str, Any]] = json.loads(run.stdout)["issues"]
    return found


@pytest.mark.slow
def test_the_report_is_one_self_contained_file(report: Path) -> None:
    text = report.read_text()
    assert "<script src=" not in text and "<link " not in text  # nothing fetched at view time
    assert "Chart.js v4" in text  # charts come from the library, inlined
    for heading in (
        "Now, later, never — by goal",
        "The now line",
        "Goal coverage",
        "The roadmap by period",
        "Demand and tension",
        "What changed",
        "Flow",
    ):
        assert heading in text
    assert "… and" not in text.split("The roadmap by period")[0]  # no cut-off list
    assert "@media print" in text


@pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"), reason="no Chromium here; CI installs it"
)
@pytest.mark.slow
def test_the_report_renders_in_headless_chromium(
    report: Path, issues: list[dict[str, Any]], tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    assert CHROMIUM is not None, "CI must install Debian's chromium"
    errors: list[str] = []
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on(
            "request",
            lambda r: requests.append(r.url) if not r.url.startswith(("file:", "data:")) else None,
        )
        page.goto(report.as_uri())
        charts = page.evaluate(
            "() => ['goals', 'alignment', 'demandchart', 'throughput'].map(id => { const c = Chart.getChart(id); return c ? c.data.datasets.reduce((n, d) => n + d.data.length, 0) : -1 })"
        )
        flow = page.evaluate(
            "() => { const c = Chart.getChart('throughput'); return [c.config.type, c.scales.y.ticks.map(t => t.value)] }"
        )
        shot = tmp_path / "report.png"
        page.screenshot(path=str(shot), full_page=False)
        cards = page.evaluate(
            "() => [...document.querySelectorAll('.card')].map(c => [c.dataset.ref, c.dataset.bucket, c.dataset.goals])"
        )
        coverage = page.evaluate(
            "() => [...document.querySelectorAll('table.coverage tr[data-goal]')].map(r => [r.dataset.goal, +r.querySelector('.c-now').textContent, +r.querySelector('.c-later').textContent, +r.querySelector('.c-never').textContent])"
        )
        # a card in a closed group is one click away: opening every group shows them all
        hidden = page.evaluate(
            "() => [...document.querySelectorAll('.card')].filter(c => !c.checkVisibility()).length"
        )
        page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
        still_hidden = page.evaluate(
            "() => [...document.querySelectorAll('.card')].filter(c => !c.checkVisibility()).length"
        )
        tension = page.evaluate(
            "() => [...document.querySelectorAll('ul.tension li')].map(li => li.textContent)"
        )
        line = page.evaluate("() => document.querySelector('#line').textContent")
        browser.close()
    assert errors == []
    assert requests == []
    assert all(n > 0 for n in charts), charts
    # flow is drawn as bars on a whole-number axis
    assert flow[0] == "bar" and flow[1] and all(float(v).is_integer() for v in flow[1]), flow
    # every open issue of the demo is a card, once
    open_issues = {(i["ref"], i["bucket"]) for i in issues}
    assert len(cards) == len(issues) == len({c[0] for c in cards})
    assert {(ref, bucket) for ref, bucket, _ in cards} == open_issues
    assert hidden > 0 and still_hidden == 0  # later's groups start closed, none is out of reach
    # the coverage table counts every goal a card says it moves
    assert coverage and {g for g, *_ in coverage} == {"activation", "collaboration", "speed"}
    for goal, now, later, never in coverage:
        counted = [
            sum(1 for _, b, goals in cards if b == bucket and goal in goals.split())
            for bucket in ("now", "later", "never")
        ]
        assert counted == [now, later, never], (goal, counted)
    assert sum(c[1] for c in coverage) > sum(1 for c in cards if c[1] == "now" and c[2])
    # tension: the most-asked-for that are not in now, each with its bucket and reason
    assert tension and all(" — Later: " in t or " — Never: " in t for t in tension), tension
    # the now line names the last in and the first out, with the plan's own reasons
    last_in = max((i for i in issues if i["rule"] == "capacity"), key=lambda i: i["rank"])
    first_out = min((i for i in issues if i["rule"] == "below-line"), key=lambda i: i["rank"])
    assert last_in["ref"] in line and first_out["ref"] in line
    assert last_in["reasons"][0] in line and first_out["reasons"][0] in line
    # not blank: the pixels vary (a blank page is one colour)
    from PIL import Image, ImageStat

    with Image.open(shot) as image:
        spread = ImageStat.Stat(image.convert("L")).stddev[0]
    assert spread > 20, spread


@pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"), reason="no Chromium here; CI installs it"
)
@pytest.mark.slow
def test_the_report_prints_as_a_pdf_of_a_few_pages(report: Path, tmp_path: Path) -> None:
    import re
    import subprocess

    assert CHROMIUM is not None, "CI must install Debian's chromium"
    pdf = tmp_path / "report.pdf"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            report.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    data = pdf.read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert data.startswith(b"%PDF") and 2 <= pages <= 8, pages


def test_what_changed_and_flow_are_computed_from_snapshots() -> None:
    from datetime import UTC, datetime, timedelta

    from conftest import make_issue
    from triagewise.report.flow import changes, flow

    t0 = datetime(2026, 11, 2, tzinfo=UTC)
    snaps = [
        (t0, {"a#1": "now", "a#2": "later", "a#3": "never"}),
        (t0 + timedelta(days=7), {"a#1": "later", "a#2": "now", "a#3": "later", "a#4": "never"}),
    ]
    change = changes(snaps, {"a#2": t0 + timedelta(days=3), "a#9": t0 - timedelta(days=1)})
    assert (change.moved_in, change.moved_out, change.new_never, change.new_pins) == (
        ["a#2"],
        ["a#1"],
        ["a#4"],
        ["a#2"],
    )
    closed = make_issue(1, closed_at=t0 + timedelta(days=4), created_at=t0 - timedelta(days=10))
    closed = closed.model_copy(update={"ref": "a#1"})
    f = flow([closed], snaps, t0 + timedelta(days=8))
    assert sum(f.closed_per_week) == 1 and len(f.weeks) == 12
    assert (f.now_to_close_days, f.now_closed) == (4.0, 1)
    assert (f.never_came_back, f.never_total) == (1, 2)  # a#3 was never, then later

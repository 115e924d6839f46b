"""The HTML report, opened in a real headless Chromium: it renders, draws its charts, logs no
errors and needs no network."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

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


@pytest.mark.slow
def test_the_report_is_one_self_contained_file(report: Path) -> None:
    text = report.read_text()
    assert "<script src=" not in text and "<link " not in text  # nothing fetched at view time
    assert "Chart.js v4" in text  # charts come from the library, inlined
    for heading in (
        "Now, later, never — by goal",
        "Goal coverage",
        "Vision alignment and demand",
        "What changed",
        "Flow",
    ):
        assert heading in text


@pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"), reason="no Chromium here; CI installs it"
)
@pytest.mark.slow
def test_the_report_renders_in_headless_chromium(report: Path, tmp_path: Path) -> None:
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
            "() => ['goals', 'alignment', 'demand', 'throughput'].map(id => { const c = Chart.getChart(id); return c ? c.data.datasets.reduce((n, d) => n + d.data.length, 0) : -1 })"
        )
        shot = tmp_path / "report.png"
        page.screenshot(path=str(shot), full_page=False)
        pixels = page.evaluate("() => document.querySelectorAll('.card').length")
        browser.close()
    assert errors == []
    assert requests == []
    assert all(n > 0 for n in charts), charts
    assert pixels > 50
    png = shot.read_bytes()
    assert (
        png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 50_000
    )  # a blank page compresses to a few KB


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

"""The triage session: plain (stdin), Textual (pilot), and once in a real terminal (tmux)."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import BASE, lexical_demo
from conftest import DEMO_ENV as ENV
from triagewise.cli import main
from triagewise.config import load_config
from triagewise.model import DecisionRow
from triagewise.rules.triage import Bucket
from triagewise.sandbox import GitHubApp, Sandbox, build_sandbox
from triagewise.session import Session, build_queue
from triagewise.store import Store
from triagewise.sync.run import make_plan

pytestmark = pytest.mark.slow  # every test here syncs the sandbox first; two run subprocesses


@pytest.fixture
def synced(tmp_path: Path) -> Iterator[tuple[Sandbox, GitHubApp, Path]]:
    server, app = build_sandbox(base=BASE)
    with server:
        path = tmp_path / "triagewise.toml"
        path.write_text(lexical_demo(server.url))
        assert (
            CliRunner()
            .invoke(main, ["--config", str(path), "sync"], env=ENV, catch_exceptions=False)
            .exit_code
            == 0
        )
        yield server, app, path


def decisions(path: Path) -> dict[str, DecisionRow]:
    """The store's decisions by ref (the sandbox has one source)."""
    with Store.open(path.parent / ".triagewise" / "triagewise.db") as store:
        return {key.ref: d for key, d in store.decisions().items()}


def queue_refs(path: Path) -> list[str]:
    config = load_config(path)
    with Store.open(path.parent / ".triagewise" / "triagewise.db") as store:
        now = datetime.now(UTC)
        assessments = make_plan(store, config, now).assessments
        return [i.assessment.ref for i in build_queue(assessments, store.decisions(), now, None)]


def test_plain_session_decides_undoes_and_asks_a_reason_for_never(
    synced: tuple[Sandbox, GitHubApp, Path],
) -> None:
    _, app, path = synced
    first, second, third = queue_refs(path)[:3]
    script = "later\nnever\nnever Not this year: SSO is for enterprises\nundo\nnever Not our market\ngoal speed\nnow\nquit\n"
    result = CliRunner().invoke(
        main, ["--config", str(path), "triage", "--plain"], input=script, catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "never needs a one-line reason" in result.output
    assert "decision on" in result.output and "undone" in result.output
    made = decisions(path)
    assert made[first].bucket == "later" and made[first].origin == "triage"
    assert made[second].bucket == "never" and made[second].reason == "Not our market"
    assert made[second].review_on is not None
    assert made[third].bucket == "now" and made[third].goal == "speed"
    # the next sync writes the people's decisions back, and the report shows them pinned
    assert (
        CliRunner()
        .invoke(main, ["--config", str(path), "sync"], env=ENV, catch_exceptions=False)
        .exit_code
        == 0
    )
    import json

    report = {
        r["ref"]: r
        for r in json.loads(
            CliRunner().invoke(main, ["--config", str(path), "report", "--json"]).stdout
        )["issues"]
    }
    assert (report[third]["bucket"], report[third]["pinned"], report[third]["goals"]) == (
        "now",
        True,
        ["speed"],
    )
    if third.startswith("tandem/app#"):
        labels = app.repos["tandem/app"].items[int(third.split("#")[1])].labels
        assert "triage/now" in labels and "goal/speed" in labels


def test_a_killed_session_loses_nothing(synced: tuple[Sandbox, GitHubApp, Path]) -> None:
    _, _, path = synced
    first, second = queue_refs(path)[:2]
    proc = subprocess.Popen(
        [sys.executable, "-m", "triagewise", "--config", str(path), "triage", "--plain"],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    assert proc.stdin is not None
    proc.stdin.write("now\nlater\n")
    proc.stdin.flush()
    deadline = time.monotonic() + 20
    while len(decisions(path)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    made = decisions(path)
    assert (made[first].bucket, made[second].bucket) == ("now", "later")
    assert first not in queue_refs(path)  # resuming starts with what is still undecided


def test_the_textual_session_with_its_pilot(synced: tuple[Sandbox, GitHubApp, Path]) -> None:
    from triagewise.session.tui import TriageApp

    _, _, path = synced
    config = load_config(path)
    store = Store.open(path.parent / ".triagewise" / "triagewise.db")
    now = datetime.now(UTC)
    assessments = make_plan(store, config, now).assessments
    session = Session(
        store, config, build_queue(assessments, store.decisions(), now, None), assessments, now
    )
    first, second, third = (i.assessment.ref for i in session.queue[:3])

    async def drive() -> None:
        app = TriageApp(session)
        async with app.run_test() as pilot:
            await pilot.press("n")
            await pilot.press("v")
            await pilot.press(*"too niche")
            await pilot.press("enter")
            await pilot.press("u")
            await pilot.press("v")
            await pilot.press(*"for enterprises")
            await pilot.press("enter")
            await pilot.press("g")
            await pilot.press("down", "enter")  # the second goal
            await pilot.press("l")
            await pilot.press("q")

    asyncio.run(drive())
    made = {key.ref: d for key, d in store.decisions().items()}
    assert made[first].bucket == Bucket.NOW.value
    assert (made[second].bucket, made[second].reason) == ("never", "for enterprises")
    assert (made[third].bucket, made[third].goal) == ("later", "collaboration")
    store.close()


@pytest.mark.skipif(
    shutil.which("tmux") is None and not os.environ.get("CI"), reason="no tmux here; CI installs it"
)
def test_in_a_real_terminal_under_tmux(synced: tuple[Sandbox, GitHubApp, Path]) -> None:
    _, _, path = synced
    first = queue_refs(path)[0]
    session = f"tw{os.getpid()}"
    command = f"{sys.executable} -m triagewise --config {path} triage"
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "40", command], check=True
    )
    try:

        def screen() -> str:
            return subprocess.run(
                ["tmux", "capture-pane", "-p", "-t", session],
                capture_output=True,
                text=True,
                check=True,
            ).stdout

        def wait_for(text: str) -> str:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                shown = screen()
                if text in shown:
                    return shown
                time.sleep(0.2)
            raise AssertionError(f"{text!r} never appeared:\n{screen()}")

        shown = wait_for("suggested:")
        assert first in shown
        subprocess.run(["tmux", "send-keys", "-t", session, "n"], check=True)
        wait_for("(saved)")
        subprocess.run(["tmux", "send-keys", "-t", session, "q"], check=True)
        deadline = time.monotonic() + 20
        while (
            subprocess.run(["tmux", "has-session", "-t", session], capture_output=True).returncode
            == 0
            and time.monotonic() < deadline
        ):
            time.sleep(0.2)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    assert decisions(path)[first].bucket == "now"


def test_plain_session_body_duplicate_snooze_and_open(
    synced: tuple[Sandbox, GitHubApp, Path],
) -> None:
    import json

    _, app, path = synced
    duplicate, snoozed = queue_refs(path)[:2]
    ranked = json.loads(
        CliRunner().invoke(main, ["--config", str(path), "report", "--json"]).stdout
    )
    original = next(r["ref"] for r in ranked["issues"] if r["ref"] not in (duplicate, snoozed))
    script = f"more\ndup nowhere#1\ndup {original}\nsnooze someday\nsnooze +7\nopen\nquit\n"
    result = CliRunner().invoke(
        main,
        ["--config", str(path), "triage", "--plain"],
        input=script,
        env={"DISPLAY": None, "WAYLAND_DISPLAY": None, "BROWSER": None},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "  | " in result.stdout  # the body, line by line
    assert "nowhere#1 is not an open issue in the store" in result.stdout
    assert "snooze" in result.stdout and "someday is not a date" in result.stdout
    assert "no display to open a browser on; the issue is at http" in result.stdout
    made = decisions(path)
    assert "nowhere#1" not in {d.reason for d in made.values()}
    assert (made[duplicate].bucket, made[duplicate].reason) == ("never", f"duplicate of {original}")
    assert (made[snoozed].bucket, made[snoozed].origin) == (None, "snooze")
    assert snoozed not in queue_refs(path) and duplicate not in queue_refs(path)
    # sync writes the never back, and the original counts the duplicate's demand
    assert CliRunner().invoke(main, ["--config", str(path), "sync"], env=ENV).exit_code == 0
    report = {
        r["ref"]: r
        for r in json.loads(
            CliRunner().invoke(main, ["--config", str(path), "report", "--json"]).stdout
        )["issues"]
    }
    assert report[duplicate]["bucket"] == "never" and report[duplicate]["pinned"]
    assert any("duplicate pointing here" in r for r in report[original]["reasons"])
    assert report[snoozed]["pinned"] is False
    if duplicate.startswith("tandem/app#"):
        labels = app.repos["tandem/app"].items[int(duplicate.split("#")[1])].labels
        assert "triage/never" in labels


def test_the_textual_session_duplicate_and_snooze(synced: tuple[Sandbox, GitHubApp, Path]) -> None:
    from textual.widgets import Static

    from triagewise.session.tui import TriageApp

    _, _, path = synced
    config = load_config(path)
    store = Store.open(path.parent / ".triagewise" / "triagewise.db")
    now = datetime.now(UTC)
    assessments = make_plan(store, config, now).assessments
    session = Session(
        store, config, build_queue(assessments, store.decisions(), now, None), assessments, now
    )
    first, second = (i.assessment for i in session.queue[:2])
    original = next(a.ref for a in assessments if a.ref not in (first.ref, second.ref))
    shown: list[str] = []

    async def drive() -> None:
        app = TriageApp(session)
        async with app.run_test() as pilot:
            shown.append(str(app.query_one("#card", Static).render()))
            await pilot.press("d")
            await pilot.press(*"nowhere#1", "enter")  # a bad ref: a message, nothing saved
            shown.append(str(app.query_one("#card", Static).render()))
            await pilot.press("d")
            await pilot.press(*original, "enter")
            await pilot.press("z")
            await pilot.press(*"+3", "enter")
            await pilot.press("q")

    asyncio.run(drive())
    body = first.issue.body.strip().splitlines()[0]
    assert "description" in shown[0] and body[:40] in shown[0]
    assert "nowhere#1 is not an open issue in the store" in shown[1]
    made = {key.ref: d for key, d in store.decisions().items()}
    assert (made[first.ref].bucket, made[first.ref].reason) == ("never", f"duplicate of {original}")
    assert (made[second.ref].bucket, made[second.ref].origin) == (None, "snooze")
    assert made[second.ref].review_on == (now.date() + timedelta(days=3)).isoformat()
    store.close()


@pytest.mark.skipif(
    shutil.which("tmux") is None and not os.environ.get("CI"), reason="no tmux here; CI installs it"
)
def test_body_duplicate_and_open_in_a_real_terminal(
    synced: tuple[Sandbox, GitHubApp, Path], tmp_path: Path
) -> None:
    _, _, path = synced
    config = load_config(path)
    with Store.open(path.parent / ".triagewise" / "triagewise.db") as store:
        now = datetime.now(UTC)
        assessments = make_plan(store, config, now).assessments
        first = build_queue(assessments, store.decisions(), now, None)[0].assessment
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" > {opened}\n')
    browser.chmod(0o755)
    session = f"twb{os.getpid()}"
    command = (
        f"env -u DISPLAY -u WAYLAND_DISPLAY BROWSER={browser} "
        f"{sys.executable} -m triagewise --config {path} triage"
    )
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "140", "-y", "50", command], check=True
    )

    def screen() -> str:
        return subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", session],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    def wait_for(text: str) -> str:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            shown = screen()
            if text in " ".join(shown.split()):
                return shown
            time.sleep(0.2)
        raise AssertionError(f"{text!r} never appeared:\n{screen()}")

    def keys(*sent: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", session, *sent], check=True)

    try:
        wait_for("suggested:")
        keys("End")  # the card scrolls: the description is below the reasons
        shown = wait_for(" ".join(first.issue.body.split()[:4]))  # its first words
        assert "── description" in shown
        keys("o")
        wait_for(f"asked the browser to open {first.issue.url}")
        deadline = time.monotonic() + 10
        while not opened.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert opened.read_text().strip() == first.issue.url
        keys("d")
        wait_for("Duplicate of which issue?")
        keys("-l", "nowhere#1")
        keys("Enter")
        wait_for("nowhere#1 is not an open issue")
        keys("q")
        deadline = time.monotonic() + 20
        while (
            subprocess.run(["tmux", "has-session", "-t", session], capture_output=True).returncode
            == 0
            and time.monotonic() < deadline
        ):
            time.sleep(0.2)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    assert first.ref not in decisions(path)

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
from datetime import UTC, datetime
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
